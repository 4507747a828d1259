import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

// Timeouts are deliberate (README "Activity timeouts"): a hung call is cut off well before a buyer
// would notice, and retries back off so an outage is not hammered.

/** Short database steps: seconds each, retried until the database answers (it is ours to fix). */
export const db = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes: ['InvalidOrderTransition', 'OrderNotFound'] },
});

/** Issuing keys: a few quick tries, then the saga compensates (release, refund). */
export const issuing = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
});

/** One look at the channel's query API; a failure just waits for the next poll. */
export const poll = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { maximumAttempts: 1 },
});

/** Refunds: bounded retries when the channel keeps failing, none when it says no for good. */
export const refunds = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 6, nonRetryableErrorTypes: ['RefundRefused', 'NothingToRefund', 'ChannelDisabled'] },
});

/** Mail may be down for a long time: keep trying, at most 5 minutes apart. Never blocks delivery. */
export const mail = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});
