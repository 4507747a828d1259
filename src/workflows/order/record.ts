import { ApplicationFailure, log, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { OrderStatus } from '../../domain/order-status';
import type { OperatorEvent } from '../../activities/operator-webhook';
import { buyerEmailChangedSignal, restockedSignal, statusQuery } from '../order-messages';
import { BuyerEmailKey, OrderStatusKey, PaidAtKey } from '../search-attributes';
import { tellOperator } from '../operator-notice';
import { causeInBrief } from '../../error-text';
import { logsTimelineNotes, sendsLowStockNotices, writesIntermediateSearchAttributes, type DegradeLevel } from '../../degrade/degrade-levels';
import type { OrderFacts, OrderPolicy, OrderResult, OrderRunInput, OrderView, TimelineEntry } from '../types';

/** States an order passes through on its way to a final one: their search-attribute writes are optional work. */
const INTERMEDIATE: ReadonlySet<OrderStatus> = new Set(['PAID', 'AWAITING_STOCK', 'REFUNDING']);

/**
 * What one run knows of its order: the state it has moved it to, why, and the timeline the `status`
 * query shows. The database holds the same states (activities write them); this keeps the Web UI's
 * view (search attributes, current details) in step and tells the operator about the moves that
 * need a person.
 */
export class OrderRecord {
  readonly order: OrderFacts;
  readonly policy: OrderPolicy;
  status: OrderStatus;
  reason?: string;
  /** An Update handler is working on the order; the run does not close meanwhile. */
  busy = false;
  /** Whether this run issued the keys (and so owes the buyer the delivery email). */
  deliveredByThisRun = false;
  /** Key imports for the order's SKU seen by this run (the `restocked` signal wakes a restock wait). */
  restocks = 0;
  private readonly timeline: TimelineEntry[] = [];
  private readonly noticesStarting: Array<Promise<void>> = [];
  /** How many notices of each kind this run started: child ids count per kind, never per timeline entry. */
  private readonly noticeCounts = new Map<string, number>();

  constructor({ order, policy }: OrderRunInput, status: OrderStatus) {
    if (typeof order?.orderNo !== 'string' || typeof policy?.paymentDeadlineMs !== 'number') {
      // Not started by Keyflow (an unencrypted or malformed input): fail the run, never guess.
      throw ApplicationFailure.nonRetryable('the run input is not a readable order (not started by Keyflow?)', 'UnreadableInput');
    }
    this.order = order;
    this.policy = policy;
    this.status = status;
    setHandler(statusQuery, () => this.view());
    setHandler(restockedSignal, () => void (this.restocks += 1));
    setHandler(buyerEmailChangedSignal, (change) => {
      // Only where the start put the address there (SEARCH_BUYER_EMAIL); a malformed signal changes nothing.
      if (typeof change?.email === 'string' && workflowInfo().typedSearchAttributes.get(BuyerEmailKey) !== undefined)
        upsertSearchAttributes([{ key: BuyerEmailKey, value: change.email }]);
    });
  }

  /** The degrade level the order was placed at (runs started before the switch existed: normal). */
  get level(): DegradeLevel {
    return this.policy.degrade ?? 'normal';
  }

  /** Takes the state the database has (runs that pick up an order someone else moved). */
  resume(status: OrderStatus, reason: string | null): void {
    this.status = status;
    this.reason = reason ?? undefined;
  }

  /**
   * Moves the run's view of the order (the activity has moved the database already). `upsert: false`
   * leaves the search attributes for the next move of the same task (PAID then DELIVERED: one write).
   */
  moveTo(status: OrderStatus, note?: string, options: { reason?: string; paidAt?: Date; upsert?: boolean } = {}): void {
    this.status = status;
    // As the database has it: a move sets the reason it gives, or clears it.
    this.reason = options.reason;
    if (status === 'DELIVERED') this.deliveredByThisRun = true;
    if (options.upsert !== false && (writesIntermediateSearchAttributes(this.level) || !INTERMEDIATE.has(status))) {
      upsertSearchAttributes([{ key: OrderStatusKey, value: status }, ...(options.paidAt ? [{ key: PaidAtKey, value: options.paidAt }] : [])]);
      // What the Web UI shows as the order's current state, beside the static summary set at start.
      const { orderNo, quantity, skuName, channel } = this.order;
      setCurrentDetails(`**${status}** · ${orderNo} · ${quantity} × ${skuName} · ${channel}${this.reason ? `\n\n${this.reason}` : ''}`);
    }
    this.note(note);
    if (status === 'NEEDS_REVIEW') this.tellOperator('order.needs_review', options.reason ?? note ?? status, 'needs-review');
    if (status === 'REFUNDED') this.tellOperator('order.refunded', note ?? status, 'refunded');
  }

  note(note?: string): void {
    this.timeline.push({ at: new Date().toISOString(), status: this.status, note });
    if (logsTimelineNotes(this.level))
      log.info(`order ${this.status}${note ? `: ${note}` : ''}`, { orderNo: this.order.orderNo, workflowId: workflowInfo().workflowId });
  }

  /**
   * Starts an operator notice as its own run (unless the shop has no webhook). Not awaited: starting
   * one never holds up the order, only its close (a child whose parent closed first never starts).
   * The child's id is the kind and how many of that kind this run has started.
   */
  tellOperator(event: OperatorEvent, detail: string, kind: string): void {
    if (!this.policy.operatorWebhook) return;
    if (kind === 'low-stock' && !sendsLowStockNotices(this.level)) {
      this.note(`low-stock notice left out (degrade level ${this.level})`);
      return;
    }
    const count = (this.noticeCounts.get(kind) ?? 0) + 1;
    this.noticeCounts.set(kind, count);
    const key = count === 1 ? kind : `${kind}-${count}`;
    const starting = tellOperator({ event, orderNo: this.order.orderNo, sku: event === 'stock.low' ? this.order.sku : undefined, detail }, key).catch((error) =>
      log.warn('could not start the operator notice', { orderNo: this.order.orderNo, error: causeInBrief(error) }),
    );
    this.noticesStarting.push(starting);
  }

  /** The run's result, once every notice it asked for has started. */
  async result(): Promise<OrderResult> {
    await Promise.all(this.noticesStarting);
    return { status: this.status, reason: this.reason };
  }

  view(): OrderView {
    return { orderNo: this.order.orderNo, status: this.status, reason: this.reason, timeline: [...this.timeline] };
  }
}
