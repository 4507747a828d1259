import type { Db } from '../db/client';
import { Prisma } from '../generated/prisma/client';
import type { ChannelReply, PaymentChannel, RawNotification, VerifiedPayment } from './channel';
import type { HandOffOutcome, PaymentHandOff, PaymentReport } from '../domain/payment-report';
import type { Logger } from '../logging';
import { errorMessage, firstLine } from '../error-text';
import type { PendingSignals } from './pending-signals';
import { metrics } from '../observability/metrics';
import { ATTR, inSpan, inSpanSync, linkToTrace, markFailed } from '../observability/tracing/spans';
import { isUniqueViolation } from '../db/errors';
import { boundedExcerpt, notificationDigest, type RejectionLog } from './rejected-notifications';

export interface InboxDeps {
  db: Db;
  logger: Logger;
  /** Gives a stored payment to its order; the order layer above supplies it. */
  handOff: PaymentHandOff;
}

export interface NotifyDeps extends InboxDeps {
  pendingSignals: PendingSignals;
  rejections: RejectionLog;
}

export type InboxOutcome =
  'rejected' | 'not-a-payment' | 'unknown-order' | 'signalled' | 'signal-pending' | 'duplicate' | 'stored-not-signalled' | 'late-payment' | 'not-stored';

/**
 * The notify endpoint's whole job: verify, store in the inbox, signal, answer in the channel's words.
 * Every verified notification that reached the inbox is acknowledged; the rest of its story is told
 * by the order workflow, NEEDS_REVIEW, or the inbox relay. The answer waits for the signal only
 * briefly (CALLBACK_SIGNAL_WAIT): once stored, a slow Temporal must not make the channel time out
 * and retry, so a signal still running then finishes after the answer.
 */
export async function receiveNotification(
  deps: NotifyDeps,
  channel: PaymentChannel,
  request: RawNotification,
): Promise<{ reply: ChannelReply; outcome: InboxOutcome }> {
  const parsed = inSpanSync('keyflow.callback.verify', { [ATTR.channel]: channel.name }, (span) => {
    const result = channel.parseNotification(request);
    if (result.verdict === 'rejected') markFailed(span, `rejected: ${result.reason}`);
    else span.setAttribute(ATTR.orderNo, result.orderNo);
    return result;
  });
  if (parsed.verdict === 'rejected') {
    await deps.db.paymentNotification
      .create({
        data: {
          channel: channel.name,
          eventKey: parsed.eventKey?.slice(0, 128),
          orderNo: parsed.orderNo?.slice(0, 64),
          verdict: 'REJECTED',
          reason: parsed.reason.slice(0, 300),
          payload: boundedExcerpt(parsed.payload),
          digest: notificationDigest(request),
        },
      })
      .catch((error) => deps.logger.error({ err: error, channel: channel.name }, 'could not store rejected notification'));
    deps.rejections.warn(channel.name, { reason: parsed.reason.slice(0, 300), orderNo: parsed.orderNo?.slice(0, 64) });
    return { reply: channel.reply(false), outcome: 'rejected' };
  }

  let stored: Awaited<ReturnType<typeof storeVerified>>;
  try {
    stored = await inSpan('keyflow.inbox.store', { [ATTR.channel]: channel.name, [ATTR.orderNo]: parsed.orderNo }, () =>
      storeVerified(deps.db, channel.name, parsed),
    );
  } catch (error) {
    deps.logger.error({ err: error, channel: channel.name, orderNo: parsed.orderNo }, 'verified notification could not be stored; asking the channel to retry');
    return { reply: channel.reply(false), outcome: 'not-stored' };
  }
  if (!parsed.paid) return { reply: channel.reply(true), outcome: 'not-a-payment' };
  if (!stored.isNew && stored.signalledAt) return { reply: channel.reply(true), outcome: 'duplicate' };

  const timer = metrics.callbackSignalSeconds.startTimer({ channel: channel.name });
  const signalled = inSpan('keyflow.signal', { [ATTR.channel]: channel.name, [ATTR.orderNo]: parsed.orderNo }, () =>
    signalStored(deps, stored, stored.order),
  ).then(
    (result): InboxOutcome => {
      const outcome = result ?? (stored.isNew ? 'signalled' : 'duplicate');
      timer({ outcome });
      return outcome;
    },
    (error: unknown) => {
      timer({ outcome: 'failed' });
      throw error;
    },
  );
  const outcome = await deps.pendingSignals
    .within(signalled, { channel: stored.channel, orderNo: stored.orderNo })
    .catch((): InboxOutcome => 'stored-not-signalled');
  return { reply: channel.reply(true), outcome: outcome ?? 'signal-pending' };
}

/** What signalling a stored notification needs, read with the insert instead of again after it. */
const STORED = { id: true, signalledAt: true, channel: true, orderNo: true, tradeNo: true, amountCents: true, payload: true, receivedAt: true } as const;
type StoredNotification = Prisma.PaymentNotificationGetPayload<{ select: typeof STORED }>;

/** The order a notification names, read with the insert: null when there is no such order. */
type NamedOrder = { orderNo: string; traceParent: string | null } | null;

/**
 * The notification, the order's paidAt (the shop has proof of payment from now on, whenever the
 * order's state catches up) and the order it names, in one statement.
 */
async function storeVerified(db: Db, channel: string, payment: VerifiedPayment): Promise<StoredNotification & { isNew: boolean; order?: NamedOrder }> {
  const receivedAt = new Date();
  const payload = JSON.stringify({ ...payment.payload, currency: payment.currency });
  try {
    const [row] = await db.$queryRaw<Array<StoredNotification & { traceParent: string | null; orderFound: boolean }>>`
      WITH stored AS (
        INSERT INTO "PaymentNotification" ("channel", "eventKey", "verifiedEventKey", "verdict", "paid", "reason", "orderNo", "tradeNo",
                                           "amountCents", "channelPaidAt", "payload", "receivedAt")
        VALUES (${channel}, ${payment.eventKey}, ${payment.eventKey}, 'VERIFIED'::"NotificationVerdict", ${payment.paid},
                ${payment.paid ? null : 'verified, but not a completed payment'}, ${payment.orderNo}, ${payment.tradeNo}, ${payment.amountCents},
                ${payment.paidAt ?? null}::timestamp, ${payload}::jsonb, ${receivedAt})
        RETURNING "id", "signalledAt", "channel", "orderNo", "tradeNo", "amountCents", "payload", "receivedAt"
      ), stamped AS (
        UPDATE "Order" SET "paidAt" = ${receivedAt}
        WHERE "orderNo" = ${payment.orderNo} AND "paidAt" IS NULL AND ${payment.paid} AND EXISTS (SELECT 1 FROM stored)
      )
      SELECT s.*, o."traceParent", o."orderNo" IS NOT NULL AS "orderFound"
      FROM stored s LEFT JOIN "Order" o ON o."orderNo" = s."orderNo"`;
    const { traceParent, orderFound, ...stored } = row;
    return { ...stored, isNew: true, order: orderFound ? { orderNo: payment.orderNo, traceParent } : null };
  } catch (error) {
    if (isUniqueViolation(error)) {
      const row = await db.paymentNotification.findUnique({
        where: { channel_verifiedEventKey: { channel, verifiedEventKey: payment.eventKey } },
        select: STORED,
      });
      // Not in the inbox: the event belongs to an order archived long ago, handled then; a repeat is a duplicate.
      if (!row) {
        const { orderNo, tradeNo, amountCents } = payment;
        return { id: 0, channel, orderNo, tradeNo, amountCents, payload: null, receivedAt: new Date(0), signalledAt: new Date(0), isNew: false };
      }
      return { ...row, isNew: false };
    }
    throw error;
  }
}

async function findNamedOrder(db: Db, orderNo: string | null): Promise<NamedOrder> {
  return orderNo ? db.order.findUnique({ where: { orderNo }, select: { orderNo: true, traceParent: true } }) : null;
}

/**
 * Delivers one stored, verified payment to its order workflow and records the result on the inbox
 * row. Used by the notify endpoint (which read the order with the insert) and by the relay. Returns
 * the outcome when it is not a plain signal.
 */
export async function signalStored(deps: InboxDeps, row: StoredNotification, named?: NamedOrder): Promise<InboxOutcome | undefined> {
  const order = named !== undefined ? named : await findNamedOrder(deps.db, row.orderNo);
  if (!order) {
    await deps.db.paymentNotification.update({
      where: { id: row.id },
      data: { reason: 'no such order: flagged for reconciliation' },
    });
    deps.logger.warn({ channel: row.channel, orderNo: row.orderNo, tradeNo: row.tradeNo }, 'verified payment for an unknown order');
    return 'unknown-order';
  }
  linkToTrace(order.traceParent);
  const report: PaymentReport = {
    channel: row.channel,
    tradeNo: row.tradeNo!,
    amountCents: row.amountCents!,
    currency: String((row.payload as Record<string, unknown>).currency ?? ''),
    source: 'callback',
    notificationId: row.id,
    seenAt: row.receivedAt.toISOString(),
  };
  let outcome: HandOffOutcome;
  try {
    outcome = await deps.handOff(order.orderNo, report);
  } catch (error) {
    await deps.db.paymentNotification.update({ where: { id: row.id }, data: { signalError: firstLine(errorMessage(error)) } }).catch(() => undefined);
    deps.logger.warn({ orderNo: order.orderNo, err: error }, 'signal failed; the inbox relay will deliver it');
    return 'stored-not-signalled';
  }
  const reason =
    outcome.kind === 'late-payment'
      ? `late payment: settled by ${outcome.workflowId}`
      : outcome.kind === 'already-recorded'
        ? 'payment already recorded'
        : null;
  await deps.db.paymentNotification.update({ where: { id: row.id }, data: { signalledAt: new Date(), signalError: null, reason } });
  if (outcome.kind === 'late-payment')
    deps.logger.warn({ orderNo: order.orderNo, workflowId: outcome.workflowId }, 'late payment on a closed order; follow-up started');
  return outcome.kind === 'signalled' ? undefined : outcome.kind === 'late-payment' ? 'late-payment' : 'duplicate';
}

/** Re-delivers verified payments that were stored but never signalled (Temporal was down, say). */
export async function relayInbox(deps: InboxDeps, options: { olderThanMs?: number; limit?: number } = {}) {
  const cutoff = new Date(Date.now() - (options.olderThanMs ?? 0));
  const pending = await deps.db.paymentNotification.findMany({
    where: { paid: true, signalledAt: null, reason: null, receivedAt: { lte: cutoff }, orderNo: { not: null } },
    orderBy: { id: 'asc' },
    take: options.limit ?? 100,
    select: STORED,
  });
  const results = { checked: pending.length, signalled: 0, failed: 0, unknownOrder: 0, latePayments: 0 };
  for (const row of pending) {
    const outcome = await signalStored(deps, row);
    if (outcome === undefined) results.signalled += 1;
    else if (outcome === 'unknown-order') results.unknownOrder += 1;
    else if (outcome === 'late-payment' || outcome === 'duplicate') results.latePayments += 1;
    else results.failed += 1;
  }
  return results;
}
