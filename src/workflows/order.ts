import { OrderRecord } from './order/record';
import { PaymentWait } from './order/payment-wait';
import { closeUnpaid } from './order/closing';
import { StaffActions } from './order/staff-actions';
import { fulfil, settleLatePayment } from './order/fulfilment';
import { finish } from './order/finish';
import type { OrderResult, OrderRunInput } from './types';

/**
 * One order, from placement to its end (id `order-<orderNo>`, never reused):
 *
 *   await payment (a callback signal, or a poll of the channel) until the deadline or a cancel
 *   → check it → record it, reserve and issue the keys (one transaction) → DELIVERED
 *     (short of keys: wait for a restock, else refund; compensations in order/fulfilment.ts)
 *   → email the buyer (order/finish.ts)
 *   unpaid at the deadline or cancelled → close the trade → EXPIRED / CANCELLED
 *     (the channel refuses because the buyer has just paid → settled like any payment)
 *
 * Every paid order ends DELIVERED, REFUNDED or NEEDS_REVIEW with a reason; a payment report nothing
 * confirms is ignored and the wait goes on.
 */
export async function orderWorkflow(input: OrderRunInput): Promise<OrderResult> {
  const record = new OrderRecord(input, 'AWAITING_PAYMENT');
  const wait = new PaymentWait(record);
  new StaffActions(record).install();
  const { quantity, skuName, channel } = input.order;
  record.note(`${quantity} × ${skuName} via ${channel}`);

  for (let payment = await wait.awaitPayment(); payment; payment = await wait.awaitPayment()) {
    if ((await fulfil(record, payment)) === 'settled') return finish(record, wait.extraPayments);
    wait.forget(payment);
  }
  const paidAtClose = await closeUnpaid(record, wait.cancelRequest);
  if (paidAtClose) await fulfil(record, paidAtClose);
  // A payment that raced the deadline or the cancel is never kept silently.
  else if (wait.payment) await settleLatePayment(record, wait.payment);
  return finish(record, wait.extraPayments);
}
