import type { ActivityDeps } from './deps';
import type { PaymentReport } from '../workflows/types';
import { transitionOrder } from '../db/order-transition';
import type { OrderStatus } from '../domain/order-status';

export interface RecordPaymentInput {
  orderNo: string;
  payment: PaymentReport;
  /** Set when the workflow found the payment unusable (e.g. wrong amount): it is kept, never delivered. */
  reviewReason?: string;
}

const PAID_OR_LATER: ReadonlySet<OrderStatus> = new Set(['PAID', 'AWAITING_STOCK', 'DELIVERED', 'REFUNDING', 'REFUNDED', 'NEEDS_REVIEW']);

export function createPaymentActivities({ db, channels, clock }: ActivityDeps) {
  return {
    /** Stores the payment (once per channel trade) and moves the order to PAID or NEEDS_REVIEW. */
    async recordPayment({ orderNo, payment, reviewReason }: RecordPaymentInput): Promise<void> {
      const at = clock();
      await db.$transaction(async (tx) => {
        const { count } = await tx.payment.createMany({
          data: [{ orderNo, channel: payment.channel, tradeNo: payment.tradeNo, amountCents: payment.amountCents, currency: payment.currency, paidAt: at }],
          skipDuplicates: true,
        });
        if (count === 0) {
          // Recorded before: this is a re-run (a retried workflow task runs its local activities
          // again), and the order may already have moved on from PAID. Nothing left to do then.
          const order = await tx.order.findUnique({ where: { orderNo }, select: { status: true } });
          if (order && PAID_OR_LATER.has(order.status)) return;
        }
        await transitionOrder(tx, {
          orderNo,
          to: reviewReason ? 'NEEDS_REVIEW' : 'PAID',
          from: ['CREATED', 'AWAITING_PAYMENT', 'EXPIRED', 'CANCELLED', 'FAILED'],
          actor: 'system',
          type: reviewReason ? 'PAYMENT_NEEDS_REVIEW' : 'PAID',
          message: `${payment.channel} trade ${payment.tradeNo} (${payment.source})`,
          reason: reviewReason,
          stamp: 'paidAt',
          at,
        });
      });
    },

    async expireOrder({ orderNo }: { orderNo: string }): Promise<void> {
      const order = await db.order.findUniqueOrThrow({ where: { orderNo } });
      await channels.get(order.channel)?.closeTrade(orderNo);
      const at = clock();
      await db.$transaction((tx) =>
        transitionOrder(tx, {
          orderNo,
          to: 'EXPIRED',
          from: ['CREATED', 'AWAITING_PAYMENT'],
          actor: 'system',
          type: 'EXPIRED',
          message: 'payment deadline passed',
          stamp: 'closedAt',
          at,
        }),
      );
    },

    async markNeedsReview({ orderNo, reason }: { orderNo: string; reason: string }): Promise<void> {
      const at = clock();
      await db.$transaction((tx) =>
        transitionOrder(tx, { orderNo, to: 'NEEDS_REVIEW', from: ['PAID', 'AWAITING_STOCK', 'REFUNDING'], actor: 'system', type: 'NEEDS_REVIEW', reason, at }),
      );
    },

    async markAwaitingStock({ orderNo, reason }: { orderNo: string; reason: string }): Promise<void> {
      const at = clock();
      await db.$transaction((tx) =>
        transitionOrder(tx, { orderNo, to: 'AWAITING_STOCK', from: ['PAID'], actor: 'system', type: 'AWAITING_STOCK', message: reason, at }),
      );
    },

    /** Buyer or staff cancel of an unpaid order; the channel trade is closed first. */
    async cancelOrder({ orderNo, actor, note }: { orderNo: string; actor: string; note?: string }): Promise<void> {
      const order = await db.order.findUniqueOrThrow({ where: { orderNo } });
      await channels.get(order.channel)?.closeTrade(orderNo);
      const at = clock();
      await db.$transaction((tx) =>
        transitionOrder(tx, { orderNo, to: 'CANCELLED', from: ['CREATED', 'AWAITING_PAYMENT'], actor, type: 'CANCELLED', message: note ?? 'cancelled', stamp: 'closedAt', at }),
      );
    },

    /** The order's state as the database has it, for follow-up runs on a closed order. */
    async loadOrderStatus({ orderNo }: { orderNo: string }) {
      const order = await db.order.findUniqueOrThrow({ where: { orderNo }, select: { status: true, statusReason: true } });
      return { status: order.status, reason: order.statusReason };
    },

    /** A staff decision or note on the timeline, with who and why. */
    async recordAction({ orderNo, actor, type, note }: { orderNo: string; actor: string; type: string; note?: string }): Promise<void> {
      await db.orderEvent.create({ data: { orderNo, type, actor, message: note ?? null, createdAt: clock() } });
    },
  };
}
