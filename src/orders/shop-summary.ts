import type { Db } from '../db/client';
import { refusedAddresses } from '../db/delivery-email-owed';

/** How far back, and how many, the dashboard lists buyers whose address the mail server refused. */
const REFUSED_DAYS = 7;
const REFUSED_SHOWN = 20;

/** The shop's day starts at midnight in China (UTC+8, no daylight saving), where its buyers are. */
const SHOP_UTC_OFFSET_MS = 8 * 3_600_000;

export function startOfShopDay(now: Date): Date {
  const local = new Date(now.getTime() + SHOP_UTC_OFFSET_MS);
  local.setUTCHours(0, 0, 0, 0);
  return new Date(local.getTime() - SHOP_UTC_OFFSET_MS);
}

export interface ShopSummary {
  since: Date;
  orders: number;
  paid: number;
  /** Payments received today by currency. */
  revenue: Array<{ currency: string; cents: number }>;
  /** Orders placed today per channel and how many of them were paid. */
  channels: Array<{ channel: string; orders: number; paid: number }>;
  /** Seconds from paid to delivered for orders delivered today. */
  deliveryLag: { p50: number | null; p95: number | null; delivered: number };
  reviewQueue: number;
  awaitingStock: number;
  /** Orders whose buyer's address the mail server refused (the last week, not changed since), newest first. */
  refusedEmails: Array<{ orderNo: string; status: string; refusedAt: Date }>;
}

/**
 * What the console's dashboard shows: today's orders, revenue, payment success per channel, delivery
 * lag, the queues, and the buyers whose address the mail server refused.
 */
export async function shopSummary(db: Db, now: Date): Promise<ShopSummary> {
  const since = startOfShopDay(now);
  const [received, byChannel, lag, queues, refusedEmails] = await Promise.all([
    // Revenue is what channels paid today, not what orders asked for: a short payment counts as paid.
    db.$queryRaw<Array<{ currency: string; cents: bigint }>>`
      SELECT "currency", sum("amountCents") AS "cents" FROM "Payment" WHERE "paidAt" >= ${since} GROUP BY "currency" ORDER BY "currency"`,
    db.$queryRaw<Array<{ channel: string; orders: number; paid: number }>>`
      SELECT "channel", count(*)::int AS "orders", count("paidAt")::int AS "paid"
      FROM "Order" WHERE "createdAt" >= ${since} GROUP BY "channel" ORDER BY "channel"`,
    db.$queryRaw<Array<{ p50: number | null; p95: number | null; delivered: number }>>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "deliveredAt" - "paidAt"))::float8 AS "p50",
             percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM "deliveredAt" - "paidAt"))::float8 AS "p95",
             count(*)::int AS "delivered"
      FROM "Order" WHERE "status" = 'DELIVERED' AND "deliveredAt" >= ${since} AND "paidAt" IS NOT NULL`,
    db.$queryRaw<Array<{ review: number; stock: number }>>`
      SELECT (SELECT count(*)::int FROM "Order" WHERE "status" = 'NEEDS_REVIEW') AS "review",
             (SELECT count(*)::int FROM "Order" WHERE "status" = 'AWAITING_STOCK') AS "stock"`,
    refusedAddresses(db, { after: new Date(now.getTime() - REFUSED_DAYS * 86_400_000), limit: REFUSED_SHOWN }),
  ]);
  return {
    since,
    // Every order has a channel, so the day's totals are the channels' sums.
    orders: byChannel.reduce((n, c) => n + c.orders, 0),
    paid: byChannel.reduce((n, c) => n + c.paid, 0),
    revenue: received.map((r) => ({ currency: r.currency, cents: Number(r.cents) })),
    channels: byChannel,
    deliveryLag: lag[0],
    reviewQueue: queues[0].review,
    awaitingStock: queues[0].stock,
    refusedEmails,
  };
}
