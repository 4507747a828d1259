import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { OrderStatus } from '../../domain/order-status';
import { mailInUpdates, steps, stepsInUpdates } from '../activity-proxies';
import { approveUpdate, refundUpdate, resendUpdate } from '../order-messages';
import { refund } from './fulfilment';
import { activityFailed } from '../activity-failure';
import type { OrderRecord } from './record';
import type { ActionRequest, OrderView, SupportAction } from '../types';

/** Which states each staff action applies to; the validators and support runs use the same list. */
export const ACTION_ALLOWED: Record<SupportAction, { from: readonly OrderStatus[]; message: string }> = {
  approve: { from: ['NEEDS_REVIEW', 'DELIVERED'], message: 'only an order in NEEDS_REVIEW can be approved' },
  refund: { from: ['NEEDS_REVIEW', 'DELIVERED', 'REFUNDING', 'REFUNDED'], message: 'only a paid order can be refunded' },
  resend: { from: ['DELIVERED'], message: 'only a delivered order has keys to resend' },
};

/**
 * Staff actions on a run's order: approve, refund, resend. Each answers the order's state after it; a
 * repeated action is a no-op; only one runs at a time.
 */
export class StaffActions {
  constructor(private readonly record: OrderRecord) {}

  /** Accepts the actions as Updates on this run (validated before they enter history). */
  install(): void {
    for (const [update, action] of [
      [approveUpdate, 'approve'],
      [refundUpdate, 'refund'],
      [resendUpdate, 'resend'],
    ] as const) {
      setHandler(update, (request: ActionRequest) => this.perform(action, request), { validator: (request: ActionRequest) => this.validate(action, request) });
    }
  }

  validate(action: SupportAction, request: ActionRequest): void {
    if (!request?.actor) throw new Error('an action needs an actor');
    const { from, message } = ACTION_ALLOWED[action];
    if (!from.includes(this.record.status)) throw new Error(`${message} (order is ${this.record.status})`);
  }

  perform(action: SupportAction, request: ActionRequest): Promise<OrderView> {
    return this.exclusive(() => (action === 'approve' ? this.approve(request) : action === 'refund' ? this.refund(request) : this.resend(request)));
  }

  private async approve(request: ActionRequest): Promise<void> {
    const { record } = this;
    const { orderNo, sku, quantity } = record.order;
    if (record.status !== 'NEEDS_REVIEW') return;
    await steps.recordAction({ orderNo, actor: request.actor, type: 'APPROVED', note: request.note });
    const delivery = await stepsInUpdates.reserveAndIssue({ orderNo, sku, quantity, lowStockThreshold: 0 });
    if (delivery.delivered) {
      record.moveTo('DELIVERED', `approved by ${request.actor}`);
      return;
    }
    const why = `approved by ${request.actor}, but only ${delivery.available} of ${quantity} key(s) are in stock`;
    await stepsInUpdates.markNeedsReview({ orderNo, reason: why });
    record.moveTo('NEEDS_REVIEW', why, { reason: why });
  }

  private async refund(request: ActionRequest): Promise<void> {
    const { record } = this;
    if (record.status === 'REFUNDED' || record.status === 'REFUNDING') return;
    await steps.recordAction({ orderNo: record.order.orderNo, actor: request.actor, type: 'REFUND_REQUESTED', note: request.note });
    await refund(record, `refunded by ${request.actor}${request.note ? `: ${request.note}` : ''}`, request.actor);
  }

  private async resend(request: ActionRequest): Promise<void> {
    const { orderNo } = this.record.order;
    await steps.recordAction({ orderNo, actor: request.actor, type: 'RESEND_REQUESTED', note: request.note });
    let outcome: Awaited<ReturnType<typeof mailInUpdates.sendBuyerEmail>>;
    try {
      outcome = await mailInUpdates.sendBuyerEmail({ orderNo, kind: 'resend', to: request.to });
    } catch (error) {
      if (!activityFailed(error)) throw error;
      // The server's own words stay in the worker's log: they may name the address.
      return this.resendNotDone(request, 'the mail server did not take the email within 15 s; nothing was sent, try again later', 'MailNotSent');
    }
    if (outcome === 'rejected') {
      return this.resendNotDone(request, `the mail server refuses ${request.to ? 'that' : 'the buyer’s'} address for good; nothing was sent`, 'AddressRefused');
    }
    this.record.note(`delivery email resent by ${request.actor}${request.to ? ' to an address the buyer gave support' : ''}`);
  }

  /** A resend that sent nothing: on the run's timeline, and the staff member's answer. */
  private resendNotDone(request: ActionRequest, why: string, type: 'MailNotSent' | 'AddressRefused'): never {
    this.record.note(`resend by ${request.actor} not done: ${why}`);
    throw ApplicationFailure.nonRetryable(why, type);
  }

  private async exclusive(action: () => Promise<void>): Promise<OrderView> {
    await condition(() => !this.record.busy);
    this.record.busy = true;
    try {
      await action();
    } finally {
      this.record.busy = false;
    }
    return this.record.view();
  }
}
