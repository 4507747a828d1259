import type { ActivityDeps } from './deps';
import type { OrderEventType } from '../domain/order-event-type';
import type { PaymentProof, PaymentReport } from '../domain/payment-report';
import { transitionOrder } from '../db/order-transition';
import { InvalidTransitionError, UnverifiedPaymentError } from '../db/errors';
import { Prisma } from '../generated/prisma/client';
import type { ChannelRegistry } from '../payments/channel';
import type { Db } from '../db/client';
import { metrics } from '../observability/metrics';

export interface RecordPaymentInput {
  orderNo: string;
  payment: PaymentReport;
  /** How to check the report before believing it (the workflow's choice, from where the report came). */
  proof: PaymentProof;
  /** Set when the workflow found the payment unusable (e.g. wrong amount): it is kept, never delivered. */
  reviewReason?: string;
}

/**
 * - `recorded`: this payment settled the order (PAID, or NEEDS_REVIEW with the reason);
 * - `already`: a re-run, it was recorded before;
 * - `second`: another trade had settled the order first; this one is kept, to be given back.
 */
export type Recorded = 'recorded' | 'already' | 'second';

type Tx = Prisma.TransactionClient;

/** Orders a payment may settle: never paid, whatever happened to them since. */
export const SETTLEABLE = ['CREATED', 'AWAITING_PAYMENT', 'EXPIRED', 'CANCELLED', 'FAILED'] as const;

/**
 * Stores the payment (once per channel trade) and moves the order to PAID or NEEDS_REVIEW, in one
 * statement on the hot path: the payment row is written only with the move, as the payment that
 * settles the order. A payment reported by a callback is believed only if the verified notification
 * the API stored matches it (order, trade, amount): the check is part of the same statement. The
 * order's paidAt is when the shop first had proof (the notification stored, the poll that found it).
 */
export async function recordPaymentIn(db: Tx, { orderNo, payment, proof, reviewReason }: RecordPaymentInput, at: Date): Promise<Recorded> {
  const insertPayment = (settles: boolean, from: Prisma.Sql) => Prisma.sql`
    INSERT INTO "Payment" ("orderNo", "channel", "tradeNo", "amountCents", "currency", "paidAt", "settles")
    SELECT ${orderNo}, ${payment.channel}, ${payment.tradeNo}, ${payment.amountCents}, ${payment.currency}, ${at}, ${settles} ${from}
    ON CONFLICT ("channel", "tradeNo") DO NOTHING`;
  const verified = inboxProofMatches(orderNo, payment, proof);
  try {
    const moved = await transitionOrder(
      db,
      {
        orderNo,
        to: reviewReason ? 'NEEDS_REVIEW' : 'PAID',
        from: SETTLEABLE,
        actor: 'system',
        type: reviewReason ? 'PAYMENT_NEEDS_REVIEW' : 'PAID',
        message: paidMessage(payment),
        reason: reviewReason,
        stamp: 'paidAt',
        stampAt: payment.seenAt ? new Date(payment.seenAt) : undefined,
        guard: verified,
        at,
      },
      insertPayment(true, Prisma.sql`FROM moved`),
    );
    if (moved) return 'recorded';
    // Already in the target state (moved by a run that died before it was recorded, or a re-run).
    if (await paymentRecorded(db, payment)) return 'already';
    const settled = await db.payment.findFirst({ where: { orderNo, settles: true }, select: { id: true } });
    await db.$executeRaw(insertPayment(settled === null, Prisma.empty));
    return settled === null ? 'recorded' : 'second';
  } catch (error) {
    if (!(error instanceof InvalidTransitionError)) throw error;
    // A re-run (a retried workflow task runs its local activities again): recorded before.
    if (await paymentRecorded(db, payment)) return 'already';
    // The order could take a payment, so the statement's check refused this one.
    if ((SETTLEABLE as readonly string[]).includes(error.from)) {
      throw new UnverifiedPaymentError(`${payment.channel} trade ${payment.tradeNo} matches no verified notification for order ${orderNo}`);
    }
    // Another trade settled the order first (a buyer who paid twice, two late payments at once).
    await db.$executeRaw(insertPayment(false, Prisma.empty));
    return 'second';
  }
}

/**
 * For a payment reported by a callback: the condition that the verified notification the API stored
 * matches it (order, trade, amount). Nothing to check for the other proofs: a poll is the channel's
 * own answer, and `ask-channel` is confirmed before any statement runs.
 */
export function inboxProofMatches(orderNo: string, payment: PaymentReport, proof: PaymentProof): Prisma.Sql | undefined {
  if (proof.kind !== 'inbox') return undefined;
  return Prisma.sql`EXISTS (
    SELECT 1 FROM "PaymentNotification" n
    WHERE n."id" = ${proof.notificationId} AND n."verdict" = 'VERIFIED' AND n."paid" AND n."channel" = ${payment.channel}
      AND n."orderNo" = ${orderNo} AND n."tradeNo" = ${payment.tradeNo} AND n."amountCents" = ${payment.amountCents})`;
}

/** The timeline's words for the move a payment makes. */
export function paidMessage(payment: PaymentReport): string {
  return `${payment.channel} trade ${payment.tradeNo} (${payment.source})`;
}

async function paymentRecorded(db: Tx, payment: PaymentReport): Promise<boolean> {
  const found = await db.payment.findUnique({ where: { channel_tradeNo: { channel: payment.channel, tradeNo: payment.tradeNo } }, select: { id: true } });
  return found !== null;
}

/**
 * For a report nothing stored can confirm (`ask-channel`): the channel's own answer must show the
 * same trade paid with the same amount. Outside any transaction: it is a network call.
 */
export async function confirmWithChannel(channels: ChannelRegistry, orderNo: string, payment: PaymentReport): Promise<void> {
  const adapter = channels.get(payment.channel);
  const trade = adapter ? await adapter.queryTrade(orderNo) : undefined;
  if (!trade?.paid || trade.tradeNo !== payment.tradeNo || trade.amountCents !== payment.amountCents || trade.currency !== payment.currency) {
    throw new UnverifiedPaymentError(`${payment.channel} does not confirm trade ${payment.tradeNo} of ${payment.amountCents} for order ${orderNo}`);
  }
}

/** A payment report that could not be checked: on the timeline and in the metrics (an alert rule watches them). */
export async function recordUnverified(db: Db, orderNo: string, channel: string, reason: string, at: Date): Promise<void> {
  metrics.paymentsUnverified.inc({ channel });
  await db.orderEvent.create({
    data: { orderNo, type: 'PAYMENT_UNVERIFIED' satisfies OrderEventType, actor: 'system', message: reason.slice(0, 500), createdAt: at },
  });
}

export function createPaymentActivities({ db, channels, clock }: ActivityDeps) {
  return {
    /** The payment on its own: a mismatched one (for review), or a late one under the refund policy. */
    async recordPayment(input: RecordPaymentInput): Promise<Recorded> {
      const at = clock();
      try {
        if (input.proof.kind === 'ask-channel') await confirmWithChannel(channels, input.orderNo, input.payment);
        return await recordPaymentIn(db, input, at);
      } catch (error) {
        if (error instanceof UnverifiedPaymentError) await recordUnverified(db, input.orderNo, input.payment.channel, error.message, at);
        throw error;
      }
    },

    /** A payment report the workflow could not even read (an unencrypted or malformed signal). */
    async recordUnreadablePayment({ orderNo, reason }: { orderNo: string; reason: string }): Promise<void> {
      await recordUnverified(db, orderNo, 'unknown', reason, clock());
    },
  };
}
