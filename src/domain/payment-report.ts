/** A payment the channel confirmed (verified callback, poll or reconciliation). */
export interface PaymentReport {
  channel: string;
  tradeNo: string;
  amountCents: number;
  currency: string;
  source: 'callback' | 'poll' | 'reconciliation';
  /** Inbox row that carried it, when it came from a callback. */
  notificationId?: number;
}

/** What became of a payment handed to its order. */
export type HandOffOutcome = { kind: 'signalled' } | { kind: 'late-payment'; workflowId: string } | { kind: 'already-recorded' };

/**
 * Hands a confirmed payment to its order (a signal to the running workflow, or a run of its own on a
 * closed order). Defined here so the payment inbox and reconciliation can report payments without
 * knowing how orders are run.
 */
export type PaymentHandOff = (orderNo: string, report: PaymentReport) => Promise<HandOffOutcome>;
