import {
  ActivityFailure,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OrderStatus } from '../domain/order-status';
import { paymentReceivedSignal, statusQuery } from './order-messages';
import { OrderStatusKey, PaidAtKey } from './search-attributes';
import type { OrderResult, OrderWorkflowInput, PaymentReport, TimelineEntry } from './types';

// Short database steps: a few seconds each, retried quickly; a stuck DB surfaces in minutes, not hours.
const db = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

// One look at the channel's query API; a failure just waits for the next poll.
const poll = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { maximumAttempts: 1 },
});

// Mail may be down for a long time; keep trying with backoff, capped at 5 minutes between tries.
const mail = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/** One order, from awaiting payment to delivered (or expired, or needing a human). */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderResult> {
  const order = new OrderProgress(input);
  return order.run();
}

class OrderProgress {
  private status: OrderStatus = 'AWAITING_PAYMENT';
  private reason?: string;
  private readonly timeline: TimelineEntry[] = [];
  private payment?: PaymentReport;

  constructor(private readonly input: OrderWorkflowInput) {
    this.note('AWAITING_PAYMENT', `${input.quantity} × ${input.skuName} via ${input.channel}`);
    setHandler(paymentReceivedSignal, (report) => this.onPayment(report));
    setHandler(statusQuery, () => ({
      orderNo: input.orderNo,
      status: this.status,
      reason: this.reason,
      timeline: [...this.timeline],
    }));
  }

  async run(): Promise<OrderResult> {
    const payment = await this.awaitPayment();
    if (!payment) {
      await db.expireOrder({ orderNo: this.input.orderNo });
      return this.finish('EXPIRED', 'payment deadline passed');
    }

    const mismatch = this.paymentMismatch(payment);
    await db.recordPayment({ orderNo: this.input.orderNo, payment, reviewReason: mismatch });
    upsertSearchAttributes([{ key: PaidAtKey, value: new Date() }]);
    if (mismatch) return this.finish('NEEDS_REVIEW', mismatch);
    this.moveTo('PAID', `${payment.channel} trade ${payment.tradeNo} (${payment.source})`);

    const reservation = await db.reserveKeys({
      orderNo: this.input.orderNo,
      sku: this.input.sku,
      quantity: this.input.quantity,
    });
    if (!reservation.ok) {
      const reason = `not enough stock: ${reservation.available} of ${this.input.quantity} key(s) available`;
      await db.markNeedsReview({ orderNo: this.input.orderNo, reason });
      return this.finish('NEEDS_REVIEW', reason);
    }

    await db.issueKeys({ orderNo: this.input.orderNo, keyIds: reservation.keyIds });
    this.moveTo('DELIVERED', `${reservation.keyIds.length} key(s) issued`);

    await mail.sendDeliveryEmail({ orderNo: this.input.orderNo });
    this.note('DELIVERED', 'delivery email sent');
    return { status: this.status };
  }

  /** Waits for a callback signal, polling the channel between callbacks, until the deadline. */
  private async awaitPayment(): Promise<PaymentReport | undefined> {
    const deadline = Date.now() + this.input.paymentDeadlineMs;
    const pollEvery = this.input.paymentPollIntervalMs;
    while (!this.payment) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const wait = pollEvery > 0 ? Math.min(pollEvery, remaining) : remaining;
      if (await condition(() => this.payment !== undefined, wait)) break;
      if (pollEvery > 0 && Date.now() < deadline) await this.pollChannel();
    }
    return this.payment;
  }

  private async pollChannel(): Promise<void> {
    try {
      const found = await poll.queryPayment({ orderNo: this.input.orderNo, channel: this.input.channel });
      if (found) this.onPayment(found);
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.warn('payment poll failed; will retry at the next interval', { orderNo: this.input.orderNo });
    }
  }

  private onPayment(report: PaymentReport): void {
    if (!this.payment) {
      this.payment = report;
      return;
    }
    if (report.tradeNo !== this.payment.tradeNo) {
      this.note(this.status, `another payment reported (${report.channel} trade ${report.tradeNo}); kept for review`);
    }
  }

  private paymentMismatch(payment: PaymentReport): string | undefined {
    const { amountCents, currency, channel } = this.input;
    if (payment.channel !== channel) return `paid through ${payment.channel}, order expects ${channel}`;
    if (payment.currency !== currency) return `paid in ${payment.currency}, order is in ${currency}`;
    if (payment.amountCents !== amountCents) return `amount mismatch: paid ${payment.amountCents}, order is ${amountCents} (cents)`;
    return undefined;
  }

  private moveTo(status: OrderStatus, note?: string): void {
    this.status = status;
    upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
    this.note(status, note);
  }

  private finish(status: OrderStatus, reason: string): OrderResult {
    this.reason = reason;
    this.moveTo(status, reason);
    return { status, reason };
  }

  private note(status: OrderStatus, note?: string): void {
    this.timeline.push({ at: new Date().toISOString(), status, note });
    log.info(`order ${status}`, { orderNo: this.input.orderNo, workflowId: workflowInfo().workflowId, note });
  }
}
