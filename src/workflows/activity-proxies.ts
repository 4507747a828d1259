import { proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';

type Args = Record<string, any>;

// One line per activity for the Web UI's timeline, from the call's own arguments (no secrets: ids only).
const SUMMARIES: Partial<Record<keyof Activities, (a: Args) => string>> = {
  recordPayment: (a) => `record ${a.payment.channel} payment ${a.payment.tradeNo} (${a.payment.source})${a.reviewReason ? ' for review' : ''}`,
  deliverPayment: (a) => `record ${a.payment.channel} payment ${a.payment.tradeNo} (${a.payment.source}), reserve and issue ${a.quantity} × ${a.sku}`,
  reserveAndIssue: (a) => `reserve and issue ${a.quantity} × ${a.sku}`,
  refundOrder: (a) => `refund: ${a.reason}`,
  refundExtraPayment: (a) => `refund the second payment ${a.payment.channel} trade ${a.payment.tradeNo}`,
  loadOrder: () => 'read the order',
  sendBuyerEmail: (a) => `email the buyer (${a.kind})`,
  queryPayment: (a) => `ask ${a.channel} whether it was paid`,
  closeTrade: () => 'close the trade at the channel',
  markClosed: (a) => `${a.as} (by ${a.actor})`,
  recordUnreadablePayment: (a) => `ignored: ${a.reason}`,
  markNeedsReview: (a) => `needs review: ${a.reason}`,
  markAwaitingStock: (a) => a.reason,
  recordAction: (a) => `${a.type} by ${a.actor}`,
};

/** proxyActivities (or proxyLocalActivities), with a per-call summary for the Web UI. */
function summarised(options: ActivityOptions, local = false): Activities {
  return new Proxy({} as Activities, {
    get(_target, name: string) {
      return (args: Args) => {
        const summary = SUMMARIES[name as keyof Activities]?.(args)?.slice(0, 200);
        const withSummary = summary ? { ...options, summary } : options;
        const proxy = (local
          ? proxyLocalActivities<Activities>(withSummary as LocalActivityOptions)
          : proxyActivities<Activities>(withSummary)) as unknown as Record<string, (a: Args) => unknown>;
        return proxy[name](args);
      };
    },
  });
}

// Every retry policy and why (the README's table lists them): a hung call is cut off well before a
// buyer would notice, and retries back off so an outage is not hammered.

/**
 * Database steps: retried until the database answers, because an outage is ours to fix and never a
 * reason to give up on a paid order (keyflow_activity_retries_total alerts while it lasts). A step
 * that can never succeed says so with a non-retryable type and the workflow decides.
 */
const DATABASE_STEP: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    nonRetryableErrorTypes: ['InvalidOrderTransition', 'OrderNotFound', 'KeysNotSellable', 'UnverifiedPayment'],
  },
};

/**
 * Database steps as local activities: run in the worker that runs the workflow, with no task-queue
 * round trip per step, so a paid order is delivered and emailed in the workflow task its payment
 * opened (docs/performance.md). Retries wait on durable timers past the first second.
 */
export const steps = summarised({ ...DATABASE_STEP, localRetryThreshold: '1s' } as LocalActivityOptions, true);

/**
 * The same steps as regular activities, for the last step of an Update handler: the workflow task that
 * accepts an Update must not also close the workflow, or an event arriving meanwhile fails that task
 * and the staff member's request with it.
 */
export const stepsInUpdates = summarised(DATABASE_STEP);

/** Calls to the payment channel: one look per poll (the next poll is the retry); closing retries briefly. */
export const channel = summarised({ startToCloseTimeout: '15s', retry: { maximumAttempts: 1 } });

/**
 * Closing the trade at the deadline or on a cancel: a few tries over about a minute while the channel
 * cannot be reached, none when it says no (CloseRefused). Either way the order then closes: a trade
 * left open only means a later payment goes through the late-payment policy, and nothing paid waits.
 */
export const closing = summarised({
  startToCloseTimeout: '15s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    maximumAttempts: 8,
    nonRetryableErrorTypes: ['CloseRefused', 'OrderNotFound'],
  },
});

/** Refunds: bounded retries when the channel keeps failing, none when it says no for good (→ NEEDS_REVIEW). */
export const refunds = summarised({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 6,
    nonRetryableErrorTypes: ['RefundRefused', 'NothingToRefund', 'ChannelDisabled'],
  },
});

const MAIL: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
};

/**
 * The buyer's email: mail may be down for hours, so it is tried forever, at most 5 minutes apart, and
 * never holds up delivery. As a local activity each retry waits on a durable timer, never inside the
 * workflow task (a task held open by mail retries keeps its slot; measured in docs/performance.md).
 */
const MAIL_LOCAL = { ...MAIL, startToCloseTimeout: '10s', localRetryThreshold: '500ms' } as LocalActivityOptions;
export const mail = summarised(MAIL_LOCAL, true);

/**
 * The buyer's email in a batch of deferred ones (deferredDeliveryEmailsWorkflow): a few tries, then
 * the order waits for a later batch, so one email that keeps failing never holds up the others.
 */
export const mailInBatches = summarised({ ...MAIL_LOCAL, retry: { ...MAIL.retry, maximumAttempts: 3 } }, true);

/**
 * The buyer's email for a staff action (a resend), as a regular activity (see stepsInUpdates).
 * Staff wait for the answer, so it is tried for 15 s at most, within their 20 s: a mail server that
 * is down, or one that refuses in a way not known to be final, gets the action refused with "try
 * again later", rather than an Update (or a follow-up run) retrying for as long as mail is down while
 * the order's other staff actions queue behind it.
 */
export const mailInUpdates = summarised({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5s' },
});
