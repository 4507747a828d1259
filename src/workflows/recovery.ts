import { steps } from './activity-proxies';
import { closeUnpaid } from './order/closing';
import { OrderRecord } from './order/record';
import { PaymentWait } from './order/payment-wait';
import { StaffActions } from './order/staff-actions';
import { deliverKeys, fulfil, refund } from './order/fulfilment';
import { finish } from './order/finish';
import type { OrderResult, OrderRunInput } from './types';

/**
 * Reconciliation found an order whose run is gone (terminated, lost): this run (id
 * `order-<orderNo>-recover-<time>`) takes it over from the state the database has. Unpaid past its
 * deadline: one last look at the channel, then close it. Paid: deliver (or refund). Refunding: finish
 * the refund.
 */
export async function recoveryWorkflow(input: OrderRunInput): Promise<OrderResult> {
  const record = new OrderRecord(input, 'PAID');
  new StaffActions(record).install();
  const { orderNo } = input.order;
  const facts = await steps.loadOrder({ orderNo });
  record.resume(facts.status, facts.reason);
  record.note('recovery run started by reconciliation');
  if (facts.status === 'AWAITING_PAYMENT') {
    const wait = new PaymentWait(record);
    await wait.poll();
    const paid = wait.payment ?? (await closeUnpaid(record));
    if (paid) await fulfil(record, paid);
  } else if (facts.status === 'PAID' || facts.status === 'AWAITING_STOCK') {
    const delivered = await deliverKeys(record);
    if (delivered !== true) await refund(record, delivered.why, 'reconciliation');
  } else if (facts.status === 'REFUNDING') {
    await refund(record, facts.reason ?? 'refund resumed by reconciliation', 'reconciliation');
  }
  return finish(record);
}
