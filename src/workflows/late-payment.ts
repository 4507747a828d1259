import { steps } from './activity-proxies';
import { OrderRecord } from './order/record';
import { StaffActions } from './order/staff-actions';
import { settleLatePayment } from './order/fulfilment';
import { finish } from './order/finish';
import type { LatePaymentInput, OrderResult } from './types';

/**
 * A payment that reached an order after its own run closed (id `order-<orderNo>-late-<channel>-<trade>`,
 * one per trade): LATE_PAYMENT_POLICY decides (fulfil if stock allows, else refund | always refund);
 * a second payment for an order another trade settled is refunded. The report is checked like any
 * other: against the verified notification that carried it, else with the channel.
 */
export async function latePaymentWorkflow(input: LatePaymentInput): Promise<OrderResult> {
  const record = new OrderRecord(input, 'EXPIRED');
  new StaffActions(record).install();
  const { payment } = input;
  const facts = await steps.loadOrder({ orderNo: input.order.orderNo });
  record.resume(facts.status, facts.reason);
  const proof = payment.notificationId !== undefined ? { kind: 'inbox' as const, notificationId: payment.notificationId } : { kind: 'ask-channel' as const };
  await settleLatePayment(record, { report: payment, proof });
  return finish(record);
}
