import { condition, log, setHandler } from '@temporalio/workflow';
import { channel } from '../activity-proxies';
import { activityFailed } from '../activity-failure';
import { cancelUpdate, paymentReceivedSignal } from '../order-messages';
import type { OrderRecord } from './record';
import type { ActionRequest, OrderView, PaymentReport } from '../types';

/**
 * An unpaid order's wait: a payment arrives as a signal (a stored callback, or reconciliation) or
 * as the channel's answer to a poll; a cancel arrives as an Update; the deadline is a timer.
 * Payments after the first are kept to be given back (a buyer who paid twice).
 */
export class PaymentWait {
  payment?: PaymentReport;
  readonly extraPayments: PaymentReport[] = [];
  cancelRequest?: ActionRequest;

  constructor(private readonly record: OrderRecord) {
    setHandler(paymentReceivedSignal, (report) => this.onPayment(report));
    setHandler(cancelUpdate, (request) => this.cancel(request), {
      validator: (request: ActionRequest) => {
        if (!request?.actor) throw new Error('an action needs an actor');
        if (!['AWAITING_PAYMENT', 'CANCELLED'].includes(this.record.status))
          throw new Error(`only an unpaid order can be cancelled (order is ${this.record.status})`);
      },
    });
  }

  /**
   * Waits for a payment, asking the channel every PAYMENT_POLL_INTERVAL between callbacks, until the
   * deadline or a cancel; one last look at the deadline, so a payment whose callback was lost is
   * delivered now instead of being settled as late. Undefined: nobody paid (or the buyer cancelled).
   */
  async awaitPayment(): Promise<PaymentReport | undefined> {
    const { paymentDeadlineMs, paymentPollIntervalMs: pollEvery } = this.record.policy;
    const deadline = Date.now() + paymentDeadlineMs;
    const decided = () => this.payment !== undefined || this.cancelRequest !== undefined;
    while (!decided()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      if (await condition(decided, pollEvery > 0 ? Math.min(pollEvery, remaining) : remaining)) break;
      if (pollEvery > 0 && Date.now() < deadline) await this.poll();
    }
    if (!decided()) await this.poll();
    return this.cancelRequest ? undefined : this.payment;
  }

  /** One look at the channel; a failed look waits for the next. */
  async poll(): Promise<void> {
    try {
      const found = await channel.queryPayment({ orderNo: this.record.order.orderNo, channel: this.record.order.channel });
      if (found) this.onPayment(found);
    } catch (error) {
      if (!activityFailed(error)) throw error;
      log.warn('payment poll failed; will retry at the next interval', { orderNo: this.record.order.orderNo });
    }
  }

  private onPayment(report: PaymentReport): void {
    if (!this.payment) {
      this.payment = report;
      return;
    }
    if (report.tradeNo !== this.payment.tradeNo && !this.extraPayments.some((p) => p.tradeNo === report.tradeNo)) {
      this.extraPayments.push(report);
      this.record.note(`another payment reported (${report.channel} trade ${report.tradeNo}); it will be refunded`);
    }
  }

  private async cancel(request: ActionRequest): Promise<OrderView> {
    if (this.record.status === 'AWAITING_PAYMENT' && !this.cancelRequest) this.cancelRequest = request;
    await condition(() => this.record.status !== 'AWAITING_PAYMENT');
    return this.record.view();
  }
}
