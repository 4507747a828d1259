import { proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';

type Args = Record<string, any>;

// One line per activity for the Web UI's timeline, from the call's own arguments (no secrets: ids only).
const SUMMARIES: Partial<Record<keyof Activities, (a: Args) => string>> = {
  recordPayment: (a) => `record ${a.payment.channel} payment ${a.payment.tradeNo} (${a.payment.source})${a.reviewReason ? ' for review' : ''}`,
  reserveKeys: (a) => `reserve ${a.quantity} × ${a.sku}`,
  issueKeys: (a) => `issue key ids ${a.keyIds.join(', ')}`,
  deliverPayment: (a) => `record ${a.payment.channel} payment ${a.payment.tradeNo} (${a.payment.source}), reserve and issue ${a.quantity} × ${a.sku}`,
  releaseKeys: () => 'release reserved keys',
  refundOrder: (a) => `refund: ${a.reason}`,
  refundExtraPayment: (a) => `refund the second payment ${a.payment.channel} trade ${a.payment.tradeNo}`,
  otherPaymentExists: (a) => `is ${a.channel} trade ${a.tradeNo} a second payment?`,
  sendBuyerEmail: (a) => `email the buyer (${a.kind})`,
  queryPayment: (a) => `ask ${a.channel} whether it was paid`,
  expireOrder: () => 'close the trade and expire',
  cancelOrder: (a) => `cancel (by ${a.actor})`,
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

// Timeouts are deliberate (README "Activity timeouts"): a hung call is cut off well before a buyer
// would notice, and retries back off so an outage is not hammered.

const DB_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes: ['InvalidOrderTransition', 'OrderNotFound'] },
};
const ISSUING_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
};

/** Short database steps: seconds each, retried until the database answers (it is ours to fix). */
export const db = summarised(DB_OPTIONS);
/** Issuing keys: a few quick tries, then the saga compensates (release, refund). */
export const issuing = summarised(ISSUING_OPTIONS);

/**
 * The same short database steps as local activities: run in the worker that runs the workflow,
 * with no task-queue round trip through the server per step (docs/performance.md). Same timeouts
 * and retries; the result is still recorded in history.
 */
export const dbLocal = summarised(DB_OPTIONS, true);

/** One look at the channel's query API; a failure just waits for the next poll. */
export const poll = summarised({
  startToCloseTimeout: '15s',
  retry: { maximumAttempts: 1 },
});

/** Refunds: bounded retries when the channel keeps failing, none when it says no for good. */
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

const MAIL_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
};

/** Mail may be down for a long time: keep trying, at most 5 minutes apart. Never blocks delivery. */
export const mail = summarised(MAIL_OPTIONS);

/**
 * Issuing and the buyer email as local activities, for runs started after `one-task-delivery`: a
 * paid order is recorded, reserved, issued and emailed inside the workflow task its payment signal
 * opened, with no activity task and no further workflow task (docs/performance.md). Retries and
 * bounded attempts are the same as the remote ones; the issuing failure still ends in compensation.
 */
export const issuingLocal = summarised(ISSUING_OPTIONS, true);
/**
 * A failed send waits for its retry on a durable timer, never inside the workflow task: a task held
 * open by mail retries keeps its slot, and with the mail server down those slots run out and new
 * payments wait behind them (measured: delivery p99 0.1 s → 16 s during a 20 s outage at 10/s).
 * One attempt may hold the task for at most 10 s.
 */
export const mailLocal = summarised({ ...MAIL_OPTIONS, startToCloseTimeout: '10s', localRetryThreshold: '500ms' } as LocalActivityOptions, true);

/**
 * The one-step delivery (record the payment, reserve, issue: one transaction) for runs started after
 * `one-step-delivery`. A few quick tries like issuing; if it fails for good nothing was written, and
 * the workflow goes through the same steps one by one, with their own retries and compensation.
 */
export const deliveryLocal = summarised(ISSUING_OPTIONS, true);
