import type { Db } from '../db/client';
import type { Config } from '../config';

/** A refusal before payment that says when to try again. */
export interface LimitRefusal {
  kind: 'rate-limited' | 'too-many-open-orders';
  retryAfterSeconds: number;
  message: string;
}

const WINDOW_MS = 60_000;

/**
 * The per-client rate (ORDER_RATE_LIMIT_PER_IP orders a minute) and the cap on open unpaid orders
 * per email (MAX_OPEN_ORDERS_PER_EMAIL; open: CREATED or AWAITING_PAYMENT), read from the orders
 * themselves in one statement, so every API process shares them with no counter to keep. Both count
 * orders created, never refusals or idempotent replays; each count stops at its limit.
 */
export async function checkOrderLimits(
  db: Db,
  limits: Config['limits'],
  { clientIp, email }: { clientIp: string; email: string },
  now: Date,
): Promise<LimitRefusal | undefined> {
  const perIp = limits.ordersPerIpPerMinute;
  const perEmail = limits.openOrdersPerEmail;
  if (perIp === 0 && perEmail === 0) return undefined;
  const since = new Date(now.getTime() - WINDOW_MS);
  const [row] = await db.$queryRaw<Array<{ recent: number; oldestRecent: Date | null; open: number; firstExpiry: Date | null }>>`
    SELECT
      (SELECT count(*)::int FROM (SELECT 1 FROM "Order" WHERE ${perIp} > 0 AND "clientIp" = ${clientIp} AND "createdAt" > ${since} LIMIT ${perIp}) r) AS "recent",
      (SELECT min("createdAt") FROM (SELECT "createdAt" FROM "Order" WHERE ${perIp} > 0 AND "clientIp" = ${clientIp} AND "createdAt" > ${since} ORDER BY "createdAt" LIMIT ${perIp}) r) AS "oldestRecent",
      (SELECT count(*)::int FROM (SELECT 1 FROM "Order" WHERE ${perEmail} > 0 AND "email" = ${email} AND "status" IN ('CREATED', 'AWAITING_PAYMENT') LIMIT ${perEmail}) o) AS "open",
      (SELECT min("expiresAt") FROM "Order" WHERE ${perEmail} > 0 AND "email" = ${email} AND "status" IN ('CREATED', 'AWAITING_PAYMENT')) AS "firstExpiry"`;
  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
  if (perIp > 0 && row.recent >= perIp) {
    return {
      kind: 'rate-limited',
      retryAfterSeconds: seconds(row.oldestRecent!.getTime() + WINDOW_MS - now.getTime()),
      message: `too many orders from this client: at most ${perIp} a minute`,
    };
  }
  if (perEmail > 0 && row.open >= perEmail) {
    return {
      kind: 'too-many-open-orders',
      retryAfterSeconds: seconds(row.firstExpiry!.getTime() - now.getTime()),
      message: `this email already has ${perEmail} unpaid order(s): pay or cancel one, or wait until one expires`,
    };
  }
  return undefined;
}
