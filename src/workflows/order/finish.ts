import { allHandlersFinished, condition } from '@temporalio/workflow';
import { mail } from '../activity-proxies';
import { defersDeliveryEmail } from '../../degrade/degrade-levels';
import { awaitReview, refundExtraPayment } from './fulfilment';
import type { OrderRecord } from './record';
import type { OrderResult } from '../types';
import type { Candidate } from './payment-wait';

/**
 * How every order run ends: staff review (bounded; `reviewWait: false` for a run someone waits on,
 * which leaves a review to a later run), the buyer's delivery email, second payments given back,
 * every Update answered and every operator notice started.
 */
export async function finish(record: OrderRecord, extraPayments: readonly Candidate[] = [], { reviewWait = true } = {}): Promise<OrderResult> {
  if (reviewWait) await awaitReview(record);
  if (record.status === 'DELIVERED' && record.deliveredByThisRun) {
    // The worker's deferred-email sender picks the order up (emailedAt is still empty) once the peak is over.
    if (defersDeliveryEmail(record.level)) record.note(`delivery email deferred (degrade level ${record.level}); the keys are on the order page`);
    else if ((await mail.sendBuyerEmail({ orderNo: record.order.orderNo, kind: 'delivery' })) === 'rejected') {
      record.note('the mail server refused the buyer’s address: no delivery email; the keys are on the order page');
    }
  }
  // A buyer who paid twice gets the second payment back; the order itself is settled.
  for (let i = 0; i < extraPayments.length; i += 1) await refundExtraPayment(record, extraPayments[i].report);
  await condition(allHandlersFinished);
  return record.result();
}
