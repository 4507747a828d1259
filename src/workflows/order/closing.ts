import { closing, steps } from '../activity-proxies';
import { activityFailed } from '../activity-failure';
import { causeInBrief } from '../../error-text';
import type { OrderRecord } from './record';
import type { Candidate } from './payment-wait';
import type { ActionRequest } from '../types';

/**
 * Closes the trade at the channel, then the order: EXPIRED, or CANCELLED for a cancel. When the
 * channel will not close it because the buyer has just paid, that payment comes back instead.
 */
export async function closeUnpaid(record: OrderRecord, cancel?: ActionRequest): Promise<Candidate | undefined> {
  const { orderNo } = record.order;
  try {
    const closed = await closing.closeTrade({ orderNo });
    if ('paid' in closed) {
      record.note(`the channel would not close the trade: ${closed.paid.channel} trade ${closed.paid.tradeNo} was paid`);
      // The close activity asked the channel itself: its answer is the proof.
      return { report: closed.paid, proof: { kind: 'poll' } };
    }
  } catch (error) {
    if (!activityFailed(error)) throw error;
    // The order still closes; a payment that reaches the trade later goes through the late-payment policy.
    record.note(`the channel did not close the trade (${causeInBrief(error)}); closing the order anyway`);
  }
  if (cancel) {
    const { actor, note } = cancel;
    await steps.markClosed({ orderNo, as: 'CANCELLED', actor, note });
    record.moveTo('CANCELLED', `by ${actor}${note ? `: ${note}` : ''}`);
  } else {
    await steps.markClosed({ orderNo, as: 'EXPIRED', actor: 'system' });
    record.moveTo('EXPIRED', 'payment deadline passed');
  }
  return undefined;
}
