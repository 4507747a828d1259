import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OrderStatus } from '../domain/order-status';
import {
  db as remoteDb,
  dbLocal,
  deliveryLocal,
  issuing as remoteIssuing,
  issuingLocal,
  mail as remoteMail,
  mailLocal,
  poll,
  refunds,
} from './activity-proxies';
import { approveUpdate, cancelUpdate, paymentReceivedSignal, refundUpdate, resendUpdate, restockedSignal, statusQuery } from './order-messages';
import { OrderStatusKey, PaidAtKey } from './search-attributes';
import { tellOperator } from './operator-notice';
import { activityFailed } from './activity-failure';
import { causeInBrief } from '../error-text';
import type { ActionRequest, OrderResult, OrderView, OrderWorkflowInput, PaymentReport, TimelineEntry } from './types';
import type { Reservation } from '../activities/stock';

/**
 * One order, as a saga: await payment → reserve keys → issue → email. Every paid order ends
 * DELIVERED, REFUNDED or NEEDS_REVIEW (waiting here for staff to approve or refund).
 * The same workflow type runs follow-ups on a closed order (late payment, support action).
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderResult> {
  return new OrderSaga(input).run();
}

/** Patch ids: keep each until no running or replayed history predates it (see docs/versioning.md). */
export const FINAL_POLL_AT_DEADLINE = 'final-poll-at-deadline';
export const LOCAL_DB_ACTIVITIES = 'local-db-activities';
export const REFUND_EXTRA_PAYMENTS = 'refund-extra-payments';
export const ONE_TASK_DELIVERY = 'one-task-delivery';
/** What the worker logs when a one-step delivery failed for good (`npm run chaos` counts these lines). */
export const ONE_STEP_FALLBACK_LOG = 'one-step delivery failed; going step by step';
export const ONE_STEP_DELIVERY = 'one-step-delivery';

const TERMINAL: readonly OrderStatus[] = ['DELIVERED', 'REFUNDED', 'EXPIRED', 'CANCELLED', 'FAILED'];

class OrderSaga {
  /**
   * Database steps: local activities for runs started after that change, remote ones for older
   * histories. Issuing stays a regular activity: its bounded retries must end in compensation.
   */
  private readonly db: typeof remoteDb;
  /**
   * Issuing and email: local activities for runs started after `one-task-delivery`, so a paid
   * order is delivered and emailed in the workflow task its payment opened; remote for older runs.
   */
  private readonly issuing: typeof remoteIssuing;
  private readonly mail: typeof remoteMail;
  /**
   * Runs after `one-task-delivery` also send PaidAt in the same upsert as the status, and wait for
   * operator notices to start before closing (the close can now come in the same task).
   */
  private readonly oneTask: boolean;
  /**
   * Runs after `one-step-delivery` record a usable payment, reserve and issue in one local activity
   * (one transaction) instead of three; the separate steps remain for restocks, approvals, recovery.
   */
  private readonly oneStep: boolean;
  private readonly noticesStarting: Array<Promise<void>> = [];
  private status: OrderStatus;
  private reason?: string;
  private readonly timeline: TimelineEntry[] = [];
  private payment?: PaymentReport;
  private readonly extraPayments: PaymentReport[] = [];
  private cancelRequest?: ActionRequest;
  private restocks = 0;
  private busy = false;

  constructor(private readonly input: OrderWorkflowInput) {
    // One patch marker per new run: each marker also costs a search-attribute write on the server,
    // and each newer patch includes the older ones (one-step ⊃ one-task ⊃ local database steps).
    const oneStep = patched(ONE_STEP_DELIVERY);
    const oneTask = oneStep || patched(ONE_TASK_DELIVERY);
    const local = oneTask || patched(LOCAL_DB_ACTIVITIES);
    this.db = local ? dbLocal : remoteDb;
    this.issuing = oneTask ? issuingLocal : remoteIssuing;
    this.mail = oneTask ? mailLocal : remoteMail;
    this.oneTask = oneTask;
    this.oneStep = oneStep;
    const start = input.start ?? { kind: 'new' };
    const awaiting = start.kind === 'new' || start.kind === 'new-recovery';
    this.status = awaiting ? 'AWAITING_PAYMENT' : 'PAID';
    if (awaiting) this.note(`${input.quantity} × ${input.skuName} via ${input.channel}`);
    setHandler(paymentReceivedSignal, (report) => this.onPayment(report));
    setHandler(restockedSignal, () => void (this.restocks += 1));
    setHandler(statusQuery, () => this.view());
    setHandler(cancelUpdate, (request) => this.cancel(request), {
      validator: (request: ActionRequest) => this.allow(request, ['AWAITING_PAYMENT', 'CANCELLED'], 'only an unpaid order can be cancelled'),
    });
    setHandler(approveUpdate, (request) => this.approve(request), {
      validator: (request: ActionRequest) => this.allow(request, ['NEEDS_REVIEW', 'DELIVERED'], 'only an order in NEEDS_REVIEW can be approved'),
    });
    setHandler(refundUpdate, (request) => this.refundByStaff(request), {
      validator: (request: ActionRequest) => this.allow(request, ['NEEDS_REVIEW', 'DELIVERED', 'REFUNDING', 'REFUNDED'], 'only a paid order can be refunded'),
    });
    setHandler(resendUpdate, (request) => this.resend(request), {
      validator: (request: ActionRequest) => this.allow(request, ['DELIVERED'], 'only a delivered order has keys to resend'),
    });
  }

  async run(): Promise<OrderResult> {
    const start = this.input.start ?? { kind: 'new' };
    if (start.kind === 'support') {
      await this.followUp(start.action, start.request);
    } else if (start.kind === 'late-payment') {
      await this.settleLatePayment(start.payment);
    } else if (start.kind === 'recover') {
      await this.recover();
    } else {
      const payment = await this.awaitPayment();
      if (payment) {
        await this.fulfil(payment);
      } else {
        await this.close();
        // A payment that raced the deadline or the cancel is never kept silently.
        if (this.payment) await this.settleLatePayment(this.payment);
      }
    }
    await this.reviewUntilSettled();
    if (this.status === 'DELIVERED') await this.mail.sendBuyerEmail({ orderNo: this.input.orderNo, kind: 'delivery' });
    // A buyer who paid twice gets the second payment back; the order itself is settled.
    if (this.extraPayments.length > 0 && patched(REFUND_EXTRA_PAYMENTS)) {
      for (const extra of this.extraPayments) await this.refundExtra(extra);
    }
    await condition(allHandlersFinished);
    // A child whose parent closes before it has started is never started.
    if (this.oneTask) await Promise.all(this.noticesStarting);
    return { status: this.status, reason: this.reason };
  }

  /** Waits for a callback signal, polling the channel between callbacks, until the deadline or a cancel. */
  private async awaitPayment(): Promise<PaymentReport | undefined> {
    const deadline = Date.now() + this.input.paymentDeadlineMs;
    const pollEvery = this.input.paymentPollIntervalMs;
    while (!this.payment && !this.cancelRequest) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const wait = pollEvery > 0 ? Math.min(pollEvery, remaining) : remaining;
      if (await condition(() => this.payment !== undefined || this.cancelRequest !== undefined, wait)) break;
      if (pollEvery > 0 && Date.now() < deadline) await this.pollChannel();
    }
    // Versioned change: one last look at the channel before giving up, so a payment whose
    // callback was lost at the deadline is delivered now instead of being settled as late.
    if (!this.payment && !this.cancelRequest && patched(FINAL_POLL_AT_DEADLINE)) await this.pollChannel();
    return this.cancelRequest ? undefined : this.payment;
  }

  private async pollChannel(): Promise<void> {
    try {
      const found = await poll.queryPayment({ orderNo: this.input.orderNo, channel: this.input.channel });
      if (found) this.onPayment(found);
    } catch (error) {
      if (!activityFailed(error)) throw error;
      log.warn('payment poll failed; will retry at the next interval', { orderNo: this.input.orderNo });
    }
  }

  /** Deadline or cancel: close the trade at the channel, then EXPIRED / CANCELLED. */
  private async close(): Promise<void> {
    if (this.cancelRequest) {
      // Remote in new runs: this task accepted the cancel Update, and a task that accepts an Update
      // must not also close the workflow (see approve).
      const db = this.oneTask ? remoteDb : this.db;
      await db.cancelOrder({ orderNo: this.input.orderNo, actor: this.cancelRequest.actor, note: this.cancelRequest.note });
      this.moveTo('CANCELLED', `by ${this.cancelRequest.actor}${this.cancelRequest.note ? `: ${this.cancelRequest.note}` : ''}`);
    } else {
      await this.db.expireOrder({ orderNo: this.input.orderNo });
      this.moveTo('EXPIRED', 'payment deadline passed');
    }
  }

  private async settleLatePayment(payment: PaymentReport): Promise<void> {
    if (this.input.start?.kind === 'late-payment' && patched(REFUND_EXTRA_PAYMENTS)) {
      const paidTwice = await this.db.otherPaymentExists({ orderNo: this.input.orderNo, tradeNo: payment.tradeNo, channel: payment.channel });
      if (paidTwice) {
        const facts = await this.db.loadOrderStatus({ orderNo: this.input.orderNo });
        this.status = facts.status;
        await this.refundExtra(payment);
        return;
      }
    }
    const policy = this.input.latePaymentPolicy;
    this.note(`late payment ${payment.channel} trade ${payment.tradeNo}: policy ${policy}`);
    if (policy === 'refund' && !this.paymentMismatch(payment)) {
      await this.db.recordPayment({ orderNo: this.input.orderNo, payment });
      this.markPaid(payment);
      await this.refund('late payment (policy: refund)', 'system');
      return;
    }
    await this.fulfil(payment);
  }

  /** Records the payment; a usable one goes on to delivery, a mismatched one to staff review. */
  private async fulfil(payment: PaymentReport): Promise<void> {
    const mismatch = this.paymentMismatch(payment);
    if (!mismatch && this.oneStep && (await this.deliverInOneStep(payment))) return;
    await this.db.recordPayment({ orderNo: this.input.orderNo, payment, reviewReason: mismatch });
    this.markPaid(payment);
    if (mismatch) {
      this.moveTo('NEEDS_REVIEW', mismatch, mismatch);
      return;
    }
    await this.deliverPaid();
  }

  /**
   * Record, reserve and issue in one transaction; short of stock, the payment alone was recorded and
   * the restock wait or refund follows. False when the step failed for good: nothing was written,
   * and the caller goes step by step.
   */
  private async deliverInOneStep(payment: PaymentReport): Promise<boolean> {
    const { orderNo, sku, quantity } = this.input;
    let delivery;
    try {
      delivery = await deliveryLocal.deliverPayment({ orderNo, payment, sku, quantity, lowStockThreshold: this.input.lowStockThreshold ?? 0 });
    } catch (error) {
      if (!activityFailed(error)) throw error;
      log.warn(ONE_STEP_FALLBACK_LOG, { orderNo, error: causeInBrief(error) });
      this.note(`one-step delivery failed (${causeInBrief(error, 200)}); going step by step`);
      return false;
    }
    this.markPaid(payment);
    if (!delivery.delivered) {
      await this.deliverPaid({ ok: false, available: delivery.available });
      return true;
    }
    await this.warnIfLowStock(delivery.remaining);
    this.moveTo('DELIVERED', `${delivery.keyIds.length} key(s) issued`);
    return true;
  }

  /** Picks up a paid order whose workflow died, from the state the database has. */
  private async recover(): Promise<void> {
    const facts = await this.db.loadOrderStatus({ orderNo: this.input.orderNo });
    this.status = facts.status;
    this.note('recovery run started by reconciliation');
    if (facts.status === 'PAID' || facts.status === 'AWAITING_STOCK') await this.deliverPaid();
    else if (facts.status === 'REFUNDING') await this.refund(facts.reason ?? 'refund resumed by reconciliation', 'reconciliation');
    else this.reason = facts.reason ?? undefined;
  }

  /** PAID → DELIVERED, with undo steps registered as each step succeeds. `firstTry`: a reservation already tried. */
  private async deliverPaid(firstTry?: Reservation): Promise<void> {
    const compensations: Array<{ name: string; undo: () => Promise<void> }> = [];
    compensations.unshift({ name: 'refund', undo: () => this.refund('keys could not be issued', 'system') });

    const reserved = await this.reserveWithRestockWait(firstTry);
    if (!reserved) {
      await this.refund(`out of stock: no ${this.input.quantity} key(s) of ${this.input.sku} within the restock wait`, 'system');
      return;
    }
    const keyIds = reserved.keyIds;
    compensations.unshift({ name: 'release keys', undo: async () => void (await this.db.releaseKeys({ orderNo: this.input.orderNo })) });
    await this.warnIfLowStock(reserved.remaining);

    try {
      await this.issuing.issueKeys({ orderNo: this.input.orderNo, keyIds });
    } catch (error) {
      if (!activityFailed(error)) throw error;
      log.error('issuing failed for good; compensating', { orderNo: this.input.orderNo, error: causeInBrief(error) });
      this.note(`issuing failed: ${causeInBrief(error)}`);
      await this.compensate(compensations);
      return;
    }
    this.moveTo('DELIVERED', `${keyIds.length} key(s) issued`);
  }

  /** Tells the operator when a sale left the SKU under its threshold (`remaining` -1: not counted). */
  private async warnIfLowStock(remaining: number): Promise<void> {
    if (remaining < 0 || remaining >= (this.input.lowStockThreshold ?? 0)) return;
    const notice = this.tellOperator(
      { event: 'stock.low', sku: this.input.sku, orderNo: this.input.orderNo, detail: `${remaining} key(s) of ${this.input.sku} left` },
      'low-stock',
    );
    if (this.oneTask) this.noticesStarting.push(notice);
    else await notice;
  }

  /** Runs the undo steps in reverse order of registration; a cancellation cannot interrupt them. */
  private async compensate(compensations: Array<{ name: string; undo: () => Promise<void> }>): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      for (const { name, undo } of compensations) {
        try {
          await undo();
        } catch (error) {
          log.error(`compensation "${name}" failed`, { orderNo: this.input.orderNo, error: causeInBrief(error) });
        }
      }
    });
  }

  /** Reserves the keys; when short, waits up to RESTOCK_WAIT for imports (woken by `restocked`). */
  private async reserveWithRestockWait(firstTry?: Reservation): Promise<{ keyIds: number[]; remaining: number } | undefined> {
    const request = { orderNo: this.input.orderNo, sku: this.input.sku, quantity: this.input.quantity, lowStockThreshold: this.input.lowStockThreshold ?? 0 };
    let reservation = firstTry ?? (await this.db.reserveKeys(request));
    if (reservation.ok) return reservation;
    if (this.input.restockWaitMs <= 0) return undefined;

    const reason = `waiting for stock: ${reservation.available} of ${this.input.quantity} key(s) available`;
    await this.db.markAwaitingStock({ orderNo: this.input.orderNo, reason });
    this.moveTo('AWAITING_STOCK', reason);
    const deadline = Date.now() + this.input.restockWaitMs;
    for (;;) {
      const seen = this.restocks;
      const remaining = deadline - Date.now();
      const woke = remaining > 0 && (await condition(() => this.restocks > seen, remaining));
      reservation = await this.db.reserveKeys(request);
      if (reservation.ok) return reservation;
      if (!woke) return undefined;
    }
  }

  /** Refunds a second payment for this order; if the channel refuses, staff are told. */
  private async refundExtra(payment: PaymentReport): Promise<void> {
    try {
      await refunds.refundExtraPayment({ orderNo: this.input.orderNo, payment });
      this.note(`second payment ${payment.channel} trade ${payment.tradeNo} refunded`);
    } catch (error) {
      if (!activityFailed(error)) throw error;
      const why = `the second payment ${payment.tradeNo} could not be refunded: ${causeInBrief(error)}`;
      this.note(why);
      await this.tellOperator({ event: 'order.needs_review', orderNo: this.input.orderNo, detail: why }, `extra-${payment.tradeNo}`);
    }
  }

  /** REFUNDING → REFUNDED and tell the buyer; a refused or failing refund → NEEDS_REVIEW. */
  private async refund(reason: string, actor: string): Promise<void> {
    this.moveTo('REFUNDING', reason);
    try {
      await refunds.refundOrder({ orderNo: this.input.orderNo, reason, actor });
    } catch (error) {
      if (!activityFailed(error)) throw error;
      const why = `refund failed: ${causeInBrief(error)}`;
      await this.db.markNeedsReview({ orderNo: this.input.orderNo, reason: why });
      this.moveTo('NEEDS_REVIEW', why, why);
      return;
    }
    this.reason = reason;
    this.moveTo('REFUNDED', reason);
    await this.mail.sendBuyerEmail({ orderNo: this.input.orderNo, kind: 'refund' });
  }

  /** NEEDS_REVIEW waits here for staff (approve / refund Updates); nothing times it out. */
  private async reviewUntilSettled(): Promise<void> {
    while (this.status === 'NEEDS_REVIEW' || this.busy) {
      await condition(() => this.status !== 'NEEDS_REVIEW' && !this.busy);
    }
  }

  // ---- Updates: each returns the new state; a repeated action is a no-op ----

  private async cancel(request: ActionRequest): Promise<OrderView> {
    if (this.status === 'AWAITING_PAYMENT' && !this.cancelRequest) this.cancelRequest = request;
    await condition(() => this.status !== 'AWAITING_PAYMENT');
    return this.view();
  }

  private async approve(request: ActionRequest): Promise<OrderView> {
    return this.exclusive(async () => {
      if (this.status !== 'NEEDS_REVIEW') return;
      await this.db.recordAction({ orderNo: this.input.orderNo, actor: request.actor, type: 'APPROVED', note: request.note });
      const reservation = await this.db.reserveKeys({ orderNo: this.input.orderNo, sku: this.input.sku, quantity: this.input.quantity });
      if (!reservation.ok) {
        const why = `approved by ${request.actor}, but only ${reservation.available} of ${this.input.quantity} key(s) are in stock`;
        await this.db.markNeedsReview({ orderNo: this.input.orderNo, reason: why });
        this.moveTo('NEEDS_REVIEW', why, why);
        return;
      }
      // Remote even in new runs: the task that accepts an Update must not also close the workflow,
      // or an event arriving meanwhile fails that task and the staff member's request with it.
      await remoteIssuing.issueKeys({ orderNo: this.input.orderNo, keyIds: reservation.keyIds });
      this.moveTo('DELIVERED', `approved by ${request.actor}`);
    });
  }

  private async refundByStaff(request: ActionRequest): Promise<OrderView> {
    return this.exclusive(async () => {
      if (this.status === 'REFUNDED' || this.status === 'REFUNDING') return;
      await this.db.recordAction({ orderNo: this.input.orderNo, actor: request.actor, type: 'REFUND_REQUESTED', note: request.note });
      await this.refund(`refunded by ${request.actor}${request.note ? `: ${request.note}` : ''}`, request.actor);
    });
  }

  private async resend(request: ActionRequest): Promise<OrderView> {
    return this.exclusive(async () => {
      await this.db.recordAction({ orderNo: this.input.orderNo, actor: request.actor, type: 'RESEND_REQUESTED', note: request.note });
      await remoteMail.sendBuyerEmail({ orderNo: this.input.orderNo, kind: 'resend' });
      this.note(`delivery email resent by ${request.actor}`);
    });
  }

  /** A support action on an order whose own workflow has closed, run as this short follow-up. */
  private async followUp(action: 'approve' | 'refund' | 'resend', request: ActionRequest): Promise<void> {
    const facts = await this.db.loadOrderStatus({ orderNo: this.input.orderNo });
    this.status = facts.status;
    this.reason = facts.reason ?? undefined;
    const allowed: Record<typeof action, OrderStatus[]> = {
      approve: ['NEEDS_REVIEW', 'DELIVERED'],
      refund: ['NEEDS_REVIEW', 'DELIVERED', 'REFUNDED', 'REFUNDING'],
      resend: ['DELIVERED'],
    };
    if (!allowed[action].includes(this.status)) {
      throw ApplicationFailure.nonRetryable(`cannot ${action} an order in ${this.status}`, 'ActionNotAllowed');
    }
    if (action === 'approve') await this.approve(request);
    if (action === 'refund') await this.refundByStaff(request);
    if (action === 'resend') await this.resend(request);
  }

  private async exclusive(action: () => Promise<void>): Promise<OrderView> {
    await condition(() => !this.busy);
    this.busy = true;
    try {
      await action();
    } finally {
      this.busy = false;
    }
    return this.view();
  }

  private allow(request: ActionRequest, statuses: OrderStatus[], message: string): void {
    if (!request?.actor) throw new Error('an action needs an actor');
    if (!statuses.includes(this.status)) throw new Error(`${message} (order is ${this.status})`);
  }

  // ---- bookkeeping ----

  private onPayment(report: PaymentReport): void {
    if (!this.payment) {
      this.payment = report;
      return;
    }
    if (report.tradeNo !== this.payment.tradeNo && !this.extraPayments.some((p) => p.tradeNo === report.tradeNo)) {
      this.extraPayments.push(report);
      this.note(`another payment reported (${report.channel} trade ${report.tradeNo}); left for reconciliation`);
    }
  }

  private paymentMismatch(payment: PaymentReport): string | undefined {
    const { amountCents, currency, channel } = this.input;
    if (payment.channel !== channel) return `paid through ${payment.channel}, order expects ${channel}`;
    if (payment.currency !== currency) return `paid in ${payment.currency}, order is in ${currency}`;
    if (payment.amountCents !== amountCents) return `amount mismatch: paid ${payment.amountCents}, order is ${amountCents} (cents)`;
    return undefined;
  }

  private markPaid(payment: PaymentReport): void {
    this.payment = payment;
    const paidAt = { key: PaidAtKey, value: new Date() };
    if (!this.oneTask) upsertSearchAttributes([paidAt]);
    this.moveTo('PAID', `${payment.channel} trade ${payment.tradeNo} (${payment.source})`, undefined, this.oneTask ? [paidAt] : []);
  }

  private moveTo(status: OrderStatus, note?: string, reason?: string, alsoUpsert: Array<{ key: typeof PaidAtKey; value: Date }> = []): void {
    if (status === 'NEEDS_REVIEW' || status === 'REFUNDED') {
      const event = status === 'NEEDS_REVIEW' ? 'order.needs_review' : 'order.refunded';
      // Not awaited: starting the notice must never hold up the order (only its close, see run()).
      const starting = this.tellOperator(
        { event, orderNo: this.input.orderNo, detail: reason ?? note ?? status },
        `${status.toLowerCase()}-${this.timeline.length}`,
      ).catch((error) => log.warn('could not start the operator notice', { orderNo: this.input.orderNo, error: causeInBrief(error) }));
      this.noticesStarting.push(starting);
    }
    this.status = status;
    if (reason !== undefined || !TERMINAL.includes(status)) this.reason = reason;
    upsertSearchAttributes([{ key: OrderStatusKey, value: status }, ...alsoUpsert]);
    // What the Web UI shows as the order's current state, beside the static summary set at start.
    setCurrentDetails(
      `**${status}** · ${this.input.orderNo} · ${this.input.quantity} × ${this.input.skuName} · ${this.input.channel}${this.reason ? `\n\n${this.reason}` : ''}`,
    );
    this.note(note);
  }

  /** Starts an operator notice run, unless the shop has no webhook for it. */
  private tellOperator(...args: Parameters<typeof tellOperator>): Promise<void> {
    if (this.input.operatorWebhook === false) return Promise.resolve();
    return tellOperator(...args);
  }

  private note(note?: string): void {
    this.timeline.push({ at: new Date().toISOString(), status: this.status, note });
    log.info(`order ${this.status}${note ? `: ${note}` : ''}`, { orderNo: this.input.orderNo, workflowId: workflowInfo().workflowId });
  }

  private view(): OrderView {
    return { orderNo: this.input.orderNo, status: this.status, reason: this.reason, timeline: [...this.timeline] };
  }
}
