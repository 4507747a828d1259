import { condition, log, setHandler } from '@temporalio/workflow';
import { channel, steps } from '../activity-proxies';
import { activityFailed } from '../activity-failure';
import { cancelUpdate, paymentReceivedSignal } from '../order-messages';
import type { OrderRecord } from './record';
import { pollIntervalAt } from '../../degrade/degrade-levels';
import type { ActionRequest, OrderView, PaymentProof, PaymentReport } from '../types';

/** A reported payment and how to check it: decided here, from where it came, never from what it claims. */
export interface Candidate {
  report: PaymentReport;
  proof: PaymentProof;
}

/** Polls of an unpaid order back off to this many times the configured interval. */
const MAX_POLL_BACKOFF = 8;

/**
 * An unpaid order's wait: a payment arrives as a signal (a stored callback, or reconciliation) or
 * as the channel's answer to a poll; a cancel arrives as an Update; the deadline is a timer.
 * Payments after the first are kept to be given back (a buyer who paid twice).
 */
export class PaymentWait {
  payment?: Candidate;
  readonly extraPayments: Candidate[] = [];
  cancelRequest?: ActionRequest;
  /** Signals that carried no readable payment (forged, or not encrypted by Keyflow): recorded, then ignored. */
  readonly unreadable: string[] = [];
  private readonly seen = new Set<string>();
  /** When the order expires: fixed when the run starts, however often the wait resumes. */
  private readonly deadline: number;
  /** The first interval between looks at the channel; the degrade level stretches it. */
  private readonly pollBase: number;
  private pollEvery: number;
  private nextPoll: number;

  constructor(private readonly record: OrderRecord) {
    this.deadline = Date.now() + record.policy.paymentDeadlineMs;
    this.pollBase = pollIntervalAt(record.level, record.policy.paymentPollIntervalMs);
    this.pollEvery = this.pollBase;
    this.nextPoll = this.pollBase > 0 ? Date.now() + this.pollBase : Infinity;
    setHandler(paymentReceivedSignal, (report) => this.onSignal(report));
    setHandler(cancelUpdate, (request) => this.cancel(request), {
      validator: (request: ActionRequest) => {
        if (!request?.actor) throw new Error('an action needs an actor');
        if (!['AWAITING_PAYMENT', 'CANCELLED'].includes(this.record.status))
          throw new Error(`only an unpaid order can be cancelled (order is ${this.record.status})`);
      },
    });
  }

  /**
   * Waits for a payment, asking the channel between callbacks (every PAYMENT_POLL_INTERVAL at first,
   * backing off to 8 times that so unpaid orders cannot exhaust a channel's rate limits), until the
   * deadline or a cancel; one last look at the deadline, so a payment whose callback was lost is
   * delivered now instead of being settled as late. Undefined: nobody paid (or the buyer cancelled).
   */
  async awaitPayment(): Promise<Candidate | undefined> {
    const decided = () => this.payment !== undefined || this.cancelRequest !== undefined;
    while (!decided()) {
      await this.recordUnreadable();
      if (Date.now() >= this.deadline) break;
      const wake = () => decided() || this.unreadable.length > 0;
      // At least 1 ms: a zero timeout would mean none at all.
      if (await condition(wake, Math.max(1, Math.min(this.deadline, this.nextPoll) - Date.now()))) continue;
      if (Date.now() >= this.nextPoll && Date.now() < this.deadline) {
        await this.poll();
        this.pollEvery = Math.min(this.pollEvery * 2, this.pollBase * MAX_POLL_BACKOFF);
        // On a schedule from the start, not from when each poll ended, so the looks never drift;
        // a poll that took longer than the interval is not followed by another at once.
        this.nextPoll = Math.max(this.nextPoll + this.pollEvery, Date.now() + 1000);
      }
    }
    if (!decided()) await this.poll();
    await this.recordUnreadable();
    return this.cancelRequest ? undefined : this.payment;
  }

  /** Signals that carried no readable payment: on the timeline, in the metrics, and to the operator. */
  private async recordUnreadable(): Promise<void> {
    for (let reason = this.unreadable.shift(); reason !== undefined; reason = this.unreadable.shift()) {
      await steps.recordUnreadablePayment({ orderNo: this.record.order.orderNo, reason });
      this.record.note(`ignored ${reason}`);
      this.record.tellOperator('payment.unverified', `order ${this.record.order.orderNo}: ignored ${reason}`, 'unverified-payment');
    }
  }

  /** One look at the channel; a failed look waits for the next. */
  async poll(): Promise<void> {
    try {
      const found = await channel.queryPayment({ orderNo: this.record.order.orderNo, channel: this.record.order.channel });
      if (found) this.offer({ report: found, proof: { kind: 'poll' } });
    } catch (error) {
      if (!activityFailed(error)) throw error;
      log.warn('payment poll failed; will retry at the next interval', { orderNo: this.record.order.orderNo });
    }
  }

  /** A candidate that could not be checked: forgotten, so the next one can settle the order. */
  forget(candidate: Candidate): void {
    if (this.payment === candidate) this.payment = this.extraPayments.shift();
  }

  offer(candidate: Candidate): void {
    const key = `${candidate.report.channel}/${candidate.report.tradeNo}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (!this.payment) {
      this.payment = candidate;
      return;
    }
    this.extraPayments.push(candidate);
    this.record.note(`another payment reported (${candidate.report.channel} trade ${candidate.report.tradeNo}); it will be refunded`);
  }

  private onSignal(report: unknown): void {
    if (!isPaymentReport(report)) {
      this.unreadable.push('a payment signal that is not a readable payment report');
      return;
    }
    // What a signal claims about itself (its source) is never believed: it is checked against the inbox, or the channel.
    const proof: PaymentProof = report.notificationId !== undefined ? { kind: 'inbox', notificationId: report.notificationId } : { kind: 'ask-channel' };
    this.offer({ report, proof });
  }

  private async cancel(request: ActionRequest): Promise<OrderView> {
    if (this.record.status === 'AWAITING_PAYMENT' && !this.cancelRequest) this.cancelRequest = request;
    await condition(() => this.record.status !== 'AWAITING_PAYMENT');
    return this.record.view();
  }
}

function isPaymentReport(value: unknown): value is PaymentReport {
  const r = value as Record<string, unknown> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.channel === 'string' &&
    typeof r.tradeNo === 'string' &&
    r.tradeNo.length > 0 &&
    Number.isSafeInteger(r.amountCents) &&
    typeof r.currency === 'string' &&
    (r.notificationId === undefined || Number.isSafeInteger(r.notificationId))
  );
}
