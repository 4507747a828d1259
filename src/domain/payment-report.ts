/** A payment the channel confirmed (verified callback, poll or reconciliation). */
export interface PaymentReport {
  channel: string;
  tradeNo: string;
  amountCents: number;
  currency: string;
  source: 'callback' | 'poll' | 'reconciliation';
  /** Inbox row that carried it, when it came from a callback. */
  notificationId?: number;
  /** When the shop first had proof of it (the callback stored, the poll that found it): the order's paidAt. */
  seenAt?: string;
}

/**
 * What an activity checks before it believes a reported payment. Chosen by the workflow from where
 * the report came from, never taken from the report itself: a signal can claim anything.
 * - `inbox`: a verified notification the API stored (the row must match order, trade and amount);
 * - `poll`: the answer to the workflow's own query of the channel (an activity result in history);
 * - `ask-channel`: nothing stored to check against, so the activity asks the channel itself.
 */
export type PaymentProof = { kind: 'inbox'; notificationId: number } | { kind: 'poll' } | { kind: 'ask-channel' };

/** What became of a payment handed to its order. */
export type HandOffOutcome = { kind: 'signalled' } | { kind: 'late-payment'; workflowId: string } | { kind: 'already-recorded' };

/**
 * Hands a confirmed payment to its order (a signal to the running workflow, or a run of its own on a
 * closed order). Defined here so the payment inbox and reconciliation can report payments without
 * knowing how orders are run.
 */
export type PaymentHandOff = (orderNo: string, report: PaymentReport) => Promise<HandOffOutcome>;
