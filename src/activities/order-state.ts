import type { ActivityDeps } from './deps';
import type { OrderEventType } from '../domain/order-event-type';
import { transitionOrder } from '../db/order-transition';
import { OrderNotFoundError } from '../db/errors';

export function createOrderStateActivities({ db, clock }: ActivityDeps) {
  return {
    async markNeedsReview({ orderNo, reason }: { orderNo: string; reason: string }): Promise<void> {
      await transitionOrder(db, {
        orderNo,
        to: 'NEEDS_REVIEW',
        from: ['PAID', 'AWAITING_STOCK', 'REFUNDING'],
        actor: 'system',
        type: 'NEEDS_REVIEW',
        reason,
        at: clock(),
      });
    },

    async markAwaitingStock({ orderNo, reason }: { orderNo: string; reason: string }): Promise<void> {
      await transitionOrder(db, { orderNo, to: 'AWAITING_STOCK', from: ['PAID'], actor: 'system', type: 'AWAITING_STOCK', message: reason, at: clock() });
    },

    /** The order's state as the database has it, for runs that take over an order. */
    async loadOrder({ orderNo }: { orderNo: string }) {
      const order = await db.order.findUnique({ where: { orderNo }, select: { status: true, statusReason: true } });
      if (!order) throw new OrderNotFoundError(orderNo);
      return { status: order.status, reason: order.statusReason };
    },

    /** A staff decision or note on the timeline, with who and why. */
    async recordAction({ orderNo, actor, type, note }: { orderNo: string; actor: string; type: OrderEventType; note?: string }): Promise<void> {
      await db.orderEvent.create({ data: { orderNo, type, actor, message: note ?? null, createdAt: clock() } });
    },
  };
}
