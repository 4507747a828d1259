import { Prisma } from '../generated/prisma/client';
import type { Config } from '../config';

/** A refusal before payment that says when to try again. */
export interface LimitRefusal {
  kind: 'rate-limited' | 'too-many-open-orders';
  retryAfterSeconds: number;
  message: string;
}

/** What the limits are checked against, as `limitCountColumns` reads it. */
export interface LimitCounts {
  recent: number;
  oldestRecent: Date | null;
  open: number;
  firstExpiry: Date | null;
}

export interface Orderer {
  clientIp: string;
  email: string;
}

const WINDOW_MS = 60_000;

/**
 * The per-client rate (ORDER_RATE_LIMIT_PER_IP orders a minute) and the cap on open unpaid orders
 * per email (MAX_OPEN_ORDERS_PER_EMAIL; open: CREATED or AWAITING_PAYMENT) are read from the orders
 * themselves, so every API process shares them with no counter to keep. Both count orders created,
 * never refusals or idempotent replays; each count stops at its limit. These are the columns of a
 * SELECT (placing an order reads them with the SKU and its stock).
 */
export function limitCountColumns(limits: Config['limits'], { clientIp, email }: Orderer, now: Date): Prisma.Sql {
  const perIp = limits.ordersPerIpPerMinute;
  const perEmail = limits.openOrdersPerEmail;
  const since = new Date(now.getTime() - WINDOW_MS);
  return Prisma.sql`
    (SELECT count(*)::int FROM (SELECT 1 FROM "Order" WHERE ${perIp} > 0 AND "clientIp" = ${clientIp} AND "createdAt" > ${since} LIMIT ${perIp}) r) AS "recent",
    (SELECT min("createdAt") FROM (SELECT "createdAt" FROM "Order" WHERE ${perIp} > 0 AND "clientIp" = ${clientIp} AND "createdAt" > ${since} ORDER BY "createdAt" LIMIT ${perIp}) r) AS "oldestRecent",
    (SELECT count(*)::int FROM (SELECT 1 FROM "Order" WHERE ${perEmail} > 0 AND "email" = ${email} AND "status" IN ('CREATED', 'AWAITING_PAYMENT') LIMIT ${perEmail}) o) AS "open",
    (SELECT min("expiresAt") FROM "Order" WHERE ${perEmail} > 0 AND "email" = ${email} AND "status" IN ('CREATED', 'AWAITING_PAYMENT')) AS "firstExpiry"`;
}

/** The refusal the counts call for, if any: the per-client rate first. */
export function limitRefusal(limits: Config['limits'], counts: LimitCounts, now: Date): LimitRefusal | undefined {
  const perIp = limits.ordersPerIpPerMinute;
  const perEmail = limits.openOrdersPerEmail;
  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
  if (perIp > 0 && counts.recent >= perIp) {
    return {
      kind: 'rate-limited',
      retryAfterSeconds: seconds(counts.oldestRecent!.getTime() + WINDOW_MS - now.getTime()),
      message: `too many orders from this client: at most ${perIp} a minute`,
    };
  }
  if (perEmail > 0 && counts.open >= perEmail) {
    return {
      kind: 'too-many-open-orders',
      retryAfterSeconds: seconds(counts.firstExpiry!.getTime() - now.getTime()),
      message: `this email already has ${perEmail} unpaid order(s): pay or cancel one, or wait until one expires`,
    };
  }
  return undefined;
}
