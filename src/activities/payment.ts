import type { ActivityDeps } from './deps';
import type { PaymentReport } from '../domain/payment-report';
import { transitionOrder } from '../db/order-transition';
import { InvalidTransitionError, OrderNotFoundError } from '../db/errors';
import { Prisma } from '../generated/prisma/client';

export interface RecordPaymentInput {
  orderNo: string;
  payment: PaymentReport;
  /** Set when the workflow found the payment unusable (e.g. wrong amount): it is kept, never delivered. */
  reviewReason?: string;
}

type Tx = Prisma.TransactionClient;

async function paymentRecorded(db: Tx, payment: PaymentReport): Promise<boolean> {
  const found = await db.payment.findUnique({ where: { channel_tradeNo: { channel: payment.channel, tradeNo: payment.tradeNo } }, select: { id: true } });
  return found !== null;
}

/**
 * Stores the payment (once per channel trade) and moves the order to PAID or NEEDS_REVIEW, in one
 * statement on the hot path: the payment row is written only with the move. Takes the client or a
 * transaction (the one-step delivery records the payment inside its own).
 */
export async function recordPaymentIn(db: Tx, { orderNo, payment, reviewReason }: RecordPaymentInput, at: Date): Promise<void> {
  const insertPayment = (from: Prisma.Sql) => Prisma.sql`
    INSERT INTO "Payment" ("orderNo", "channel", "tradeNo", "amountCents", "currency", "paidAt")
    SELECT ${orderNo}, ${payment.channel}, ${payment.tradeNo}, ${payment.amountCents}, ${payment.currency}, ${at} ${from}
    ON CONFLICT ("channel", "tradeNo") DO NOTHING`;
  try {
    const moved = await transitionOrder(
      db,
      {
        orderNo,
        to: reviewReason ? 'NEEDS_REVIEW' : 'PAID',
        from: ['CREATED', 'AWAITING_PAYMENT', 'EXPIRED', 'CANCELLED', 'FAILED'],
        actor: 'system',
        type: reviewReason ? 'PAYMENT_NEEDS_REVIEW' : 'PAID',
        message: `${payment.channel} trade ${payment.tradeNo} (${payment.source})`,
        reason: reviewReason,
        stamp: 'paidAt',
        at,
      },
      insertPayment(Prisma.sql`FROM moved`),
    );
    // Already in the target state: the payment is still kept, as it always was.
    if (!moved) await db.$executeRaw(insertPayment(Prisma.empty));
  } catch (error) {
    // A re-run (a retried workflow task runs its local activities again) of a payment recorded
    // before, on an order that has moved on from PAID since: nothing left to do.
    if (error instanceof InvalidTransitionError && (await paymentRecorded(db, payment))) return;
    throw error;
  }
}

export function createPaymentActivities({ db, channels, clock }: ActivityDeps) {
  return {
    /** The payment on its own: a mismatched one (for review), or on the step-by-step path. */
    async recordPayment(input: RecordPaymentInput): Promise<void> {
      await recordPaymentIn(db, input, clock());
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
        transitionOrder(tx, {
          orderNo,
          to: 'CANCELLED',
          from: ['CREATED', 'AWAITING_PAYMENT'],
          actor,
          type: 'CANCELLED',
          message: note ?? 'cancelled',
          stamp: 'closedAt',
          at,
        }),
      );
    },

    /**
     * The order's state as the database has it, for runs that take over an order, and whether a
     * trade other than `otherThan` already paid it (a late payment that is really a second one).
     */
    async loadOrder({ orderNo, otherThan }: { orderNo: string; otherThan?: { channel: string; tradeNo: string } }) {
      const order = await db.order.findUnique({ where: { orderNo }, select: { status: true, statusReason: true } });
      if (!order) throw new OrderNotFoundError(orderNo);
      const other = otherThan
        ? await db.payment.findFirst({ where: { orderNo, NOT: { channel: otherThan.channel, tradeNo: otherThan.tradeNo } }, select: { id: true } })
        : null;
      return { status: order.status, reason: order.statusReason, paidByAnotherTrade: other !== null };
    },

    /** A staff decision or note on the timeline, with who and why. */
    async recordAction({ orderNo, actor, type, note }: { orderNo: string; actor: string; type: string; note?: string }): Promise<void> {
      await db.orderEvent.create({ data: { orderNo, type, actor, message: note ?? null, createdAt: clock() } });
    },
  };
}
