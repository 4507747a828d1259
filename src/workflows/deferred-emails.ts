import { mailInBatches } from './activity-proxies';

/** Emails sent at once: one order's trouble does not hold the rest back, and the mail server is not flooded. */
const AT_ONCE = 10;

export interface DeferredEmailsResult {
  /** Sent now, or found sent already. */
  sent: number;
  /** The mail server refused the buyer's address for good (EMAIL_REJECTED): never tried again. */
  refused: string[];
  /** Still failing after their tries: left for a later batch (their orders still have no emailedAt). */
  failed: string[];
  /** Not tried: every send of a group failed, so the mail server is taken to be down. */
  notTried: number;
}

/**
 * The delivery emails runs at degrade level essential left out, for the orders the worker's sender
 * found: one run per batch (and one batch at a time, its workflow id being fixed) instead of a run
 * per email, which cost more CPU than the email itself. Each email is tried a few times; the sender
 * brings whatever is still unsent to a later batch.
 */
export async function deferredDeliveryEmailsWorkflow({ orderNos }: { orderNos: string[] }): Promise<DeferredEmailsResult> {
  const result: DeferredEmailsResult = { sent: 0, refused: [], failed: [], notTried: 0 };
  for (let i = 0; i < orderNos.length; i += AT_ONCE) {
    const group = orderNos.slice(i, i + AT_ONCE);
    const outcomes = await Promise.allSettled(group.map((orderNo) => mailInBatches.sendBuyerEmail({ orderNo, kind: 'delivery' })));
    outcomes.forEach((outcome, j) => {
      if (outcome.status === 'rejected') result.failed.push(group[j]);
      else if (outcome.value === 'rejected') result.refused.push(group[j]);
      else result.sent += 1;
    });
    if (outcomes.every((outcome) => outcome.status === 'rejected')) {
      result.notTried = orderNos.length - i - group.length;
      break;
    }
  }
  return result;
}
