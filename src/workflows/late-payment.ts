import { steps } from './activity-proxies';
import { OrderRecord } from './order/record';
import { StaffActions } from './order/staff-actions';
import { refundExtraPayment, settleLatePayment } from './order/fulfilment';
import { finish } from './order/finish';
import type { LatePaymentInput, OrderResult } from './types';

/**
 * A payment that reached an order after its own run closed (id `order-<orderNo>-late-<channel>-<trade>`,
 * one per trade): a second payment for a paid order is refunded; otherwise LATE_PAYMENT_POLICY decides
 * (fulfil if stock allows, else refund | always refund).
 */
export async function latePaymentWorkflow(input: LatePaymentInput): Promise<OrderResult> {
  const record = new OrderRecord(input, 'EXPIRED');
  new StaffActions(record).install();
  const { payment } = input;
  const facts = await steps.loadOrder({ orderNo: input.order.orderNo, otherThan: { channel: payment.channel, tradeNo: payment.tradeNo } });
  record.resume(facts.status, facts.reason);
  if (facts.paidByAnotherTrade) {
    await refundExtraPayment(record, payment);
  } else {
    await settleLatePayment(record, payment);
  }
  return finish(record);
}
