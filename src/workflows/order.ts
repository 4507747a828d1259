import { closing } from './activity-proxies';
import { OrderRecord } from './order/record';
import { PaymentWait } from './order/payment-wait';
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
 *
 * Every paid order ends DELIVERED, REFUNDED or NEEDS_REVIEW with a reason.
 */
export async function orderWorkflow(input: OrderRunInput): Promise<OrderResult> {
  const record = new OrderRecord(input, 'AWAITING_PAYMENT');
  const wait = new PaymentWait(record);
  new StaffActions(record).install();
  const { orderNo, quantity, skuName, channel } = input.order;
  record.note(`${quantity} × ${skuName} via ${channel}`);

  const payment = await wait.awaitPayment();
  if (payment) {
    await fulfil(record, payment);
  } else if (wait.cancelRequest) {
    const { actor, note } = wait.cancelRequest;
    await closing.cancelOrder({ orderNo, actor, note });
    record.moveTo('CANCELLED', `by ${actor}${note ? `: ${note}` : ''}`);
  } else {
    await closing.expireOrder({ orderNo });
    record.moveTo('EXPIRED', 'payment deadline passed');
  }
  // A payment that raced the deadline or the cancel is never kept silently.
  if (!payment && wait.payment) await settleLatePayment(record, wait.payment);
  return finish(record, wait.extraPayments);
}
