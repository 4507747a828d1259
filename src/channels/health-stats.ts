import { Prisma } from '../generated/prisma/client';
import type { Db } from '../db/client';
import { HEALTH_RULES, type ChannelStats } from './health-model';

/** Orders placed this recently tell an instance's payment success and callback behaviour. */
export const ORDER_WINDOW_MS = 30 * 60_000;
/** Calls this recent tell its error rate. */
export const CALL_WINDOW_MS = 5 * 60_000;
/** A notification may still be on its way this long after polling found the payment. */
const CALLBACK_GRACE_MS = 60_000;

const rate = (part: number, whole: number) => (whole >= HEALTH_RULES.minSamples ? part / whole : null);

interface OrderRow {
  channel: string;
  known: number;
  paidInTime: number;
  payments: number;
  lost: number;
}

/**
 * Paid orders and how their payments were found, per instance, for orders placed since `since`.
 * A payment is lost to its callback when no verified notification of it arrived (polling or
 * reconciliation found it), counted once the grace period has passed.
 */
async function orderOutcomes(db: Db, names: string[], since: Date, now: Date): Promise<Map<string, OrderRow>> {
  const graceEnd = new Date(now.getTime() - CALLBACK_GRACE_MS);
  const rows = await db.$queryRaw<OrderRow[]>`
    SELECT o."channel",
           count(*) FILTER (WHERE o."paidAt" IS NOT NULL OR o."expiresAt" < ${now})::int AS "known",
           count(*) FILTER (WHERE o."paidAt" IS NOT NULL AND o."paidAt" <= o."expiresAt")::int AS "paidInTime",
           count(*) FILTER (WHERE o."paidAt" < ${graceEnd})::int AS "payments",
           count(*) FILTER (WHERE o."paidAt" < ${graceEnd} AND NOT EXISTS (
             SELECT 1 FROM "PaymentNotification" n
             WHERE n."orderNo" = o."orderNo" AND n."channel" = o."channel" AND n."paid"))::int AS "lost"
    FROM "Order" o
    WHERE o."channel" IN (${Prisma.join(names)}) AND o."createdAt" >= ${since}
    GROUP BY o."channel"`;
  return new Map(rows.map((row) => [row.channel, row]));
}

async function callbackLatency(db: Db, names: string[], since: Date): Promise<Map<string, { p50: number | null; p99: number | null }>> {
  const rows = await db.$queryRaw<Array<{ channel: string; p50: number | null; p99: number | null }>>`
    SELECT "channel",
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "receivedAt" - "channelPaidAt") * 1000) AS "p50",
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM "receivedAt" - "channelPaidAt") * 1000) AS "p99"
    FROM "PaymentNotification"
    WHERE "channel" IN (${Prisma.join(names)}) AND "verdict" = 'VERIFIED' AND "paid" AND "channelPaidAt" IS NOT NULL AND "receivedAt" >= ${since}
    GROUP BY "channel"`;
  // Clocks differ: a notification can seem to arrive before the payment; that is no delay.
  const ms = (value: number | null) => (value === null ? null : Math.max(0, Math.round(Number(value))));
  return new Map(rows.map((row) => [row.channel, { p50: ms(row.p50), p99: ms(row.p99) }]));
}

export interface CallCounts {
  calls: number;
  failures: number;
}

/** Every process's calls to each instance since `since` (to the bucket). */
export async function callCounts(db: Db, names: string[], since: Date): Promise<Map<string, CallCounts>> {
  const rows = await db.$queryRaw<Array<{ name: string; calls: number; failures: number }>>`
    SELECT "name", sum("calls")::int AS "calls", sum("failures")::int AS "failures"
    FROM "ChannelCallStat"
    WHERE "name" IN (${Prisma.join(names)}) AND "bucket" >= ${since}
    GROUP BY "name"`;
  return new Map(rows.map((row) => [row.name, { calls: row.calls, failures: row.failures }]));
}

/** Payments made since `since` and how many of them came without a notification, per instance (fresh evidence). */
export async function paymentCounts(db: Db, names: string[], since: Date, now: Date): Promise<Map<string, { payments: number; lost: number }>> {
  const graceEnd = new Date(now.getTime() - CALLBACK_GRACE_MS);
  // Orders are paid within their deadline, so the createdAt bound (which the index serves) loses none.
  const rows = await db.$queryRaw<Array<{ channel: string; payments: number; lost: number }>>`
    SELECT o."channel", count(*)::int AS "payments",
           count(*) FILTER (WHERE NOT EXISTS (
             SELECT 1 FROM "PaymentNotification" n
             WHERE n."orderNo" = o."orderNo" AND n."channel" = o."channel" AND n."paid"))::int AS "lost"
    FROM "Order" o
    WHERE o."channel" IN (${Prisma.join(names)}) AND o."createdAt" >= ${new Date(since.getTime() - ORDER_WINDOW_MS)}
      AND o."paidAt" >= ${since} AND o."paidAt" < ${graceEnd}
    GROUP BY o."channel"`;
  return new Map(rows.map((row) => [row.channel, { payments: row.payments, lost: row.lost }]));
}

/** What the recent past says of each instance (the admin view and the score). */
export async function readChannelStats(db: Db, names: string[], now: Date): Promise<Map<string, ChannelStats>> {
  if (names.length === 0) return new Map();
  const [outcomes, latency, calls] = await Promise.all([
    orderOutcomes(db, names, new Date(now.getTime() - ORDER_WINDOW_MS), now),
    callbackLatency(db, names, new Date(now.getTime() - ORDER_WINDOW_MS)),
    callCounts(db, names, new Date(now.getTime() - CALL_WINDOW_MS)),
  ]);
  return new Map(
    names.map((name) => {
      const o = outcomes.get(name);
      const c = calls.get(name);
      return [
        name,
        {
          successRate: o ? rate(o.paidInTime, o.known) : null,
          callbackLatencyMs: latency.get(name) ?? { p50: null, p99: null },
          callbackLossRate: o ? rate(o.lost, o.payments) : null,
          errorRate: c ? rate(c.failures, c.calls) : null,
        },
      ];
    }),
  );
}
