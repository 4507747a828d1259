import { Prisma } from '../generated/prisma/client';
import { availableUpToSql } from './count-available';

/**
 * What a new order for a SKU competes with: available keys (counted only as far as the question
 * needs), the keys asked for by open unpaid orders, and how many recent unpaid orders of this SKU
 * were really paid. A shop that took every order would make most buyers of a sold-out flash sale
 * pay and then refund them; holding stock for open orders, discounted by how often such orders are
 * paid, refuses them before they pay instead.
 */
export interface StockPicture {
  /** Available keys, counted up to the quantity asked plus every held key. */
  available: number;
  /** Keys asked for by open unpaid orders (CREATED, AWAITING_PAYMENT) not yet past their deadline. */
  held: number;
  /** When the first of those orders expires (its keys come back then). */
  firstHoldExpiry: Date | null;
  /** Of the SKU's recent orders that ended waiting for payment, the share that was paid (a prior of all paid, worth PRIOR_ORDERS orders, until there is evidence). */
  payRatio: number;
}

/** Orders' worth of "they all pay" before evidence: a new SKU holds a key for every open order. */
export const PRIOR_ORDERS = 20;
/** Closed orders the ratio learns from: the SKU's latest, within a day. */
const LEARN_FROM = { orders: 500, ms: 24 * 3_600_000 };
/** A ratio this low still holds a key for one open order in five: buyers who do pay are not oversold without bound. */
const MIN_PAY_RATIO = 0.2;

/** The stock picture's columns as a statement returns them, before the ratio is worked out. */
export interface StockCounts {
  held: number;
  firstHoldExpiry: Date | null;
  available: number;
  paid: number;
  ended: number;
}

/**
 * The stock picture as SQL: `with` names the open and recently ended orders of the SKU, `columns`
 * are a SELECT's columns reading them (placing an order reads them with the SKU and the limits).
 */
export function stockPictureSql(sku: string, quantity: number, now: Date): { with: Prisma.Sql; columns: Prisma.Sql } {
  const since = new Date(now.getTime() - LEARN_FROM.ms);
  return {
    with: Prisma.sql`open AS (
      SELECT "quantity", "expiresAt" FROM "Order"
      WHERE "sku" = ${sku} AND "status" IN ('CREATED', 'AWAITING_PAYMENT') AND "expiresAt" > ${now}
    ), ended AS (
      SELECT "paidAt" IS NOT NULL AS "paid" FROM "Order"
      WHERE "sku" = ${sku} AND "createdAt" > ${since} AND "status" NOT IN ('CREATED', 'AWAITING_PAYMENT', 'FAILED')
      ORDER BY "createdAt" DESC LIMIT ${LEARN_FROM.orders}
    )`,
    columns: Prisma.sql`
      (SELECT coalesce(sum("quantity"), 0)::int FROM open) AS "held",
      (SELECT min("expiresAt") FROM open) AS "firstHoldExpiry",
      ${availableUpToSql(sku, Prisma.sql`${quantity} + (SELECT coalesce(sum("quantity"), 0) FROM open)`)} AS "available",
      (SELECT count(*) FILTER (WHERE "paid")::int FROM ended) AS "paid",
      (SELECT count(*)::int FROM ended) AS "ended"`,
  };
}

export function stockPicture(counts: StockCounts): StockPicture {
  const payRatio = Math.max(MIN_PAY_RATIO, (counts.paid + PRIOR_ORDERS) / (counts.ended + PRIOR_ORDERS));
  return { available: counts.available, held: counts.held, firstHoldExpiry: counts.firstHoldExpiry, payRatio };
}

export async function readStockPicture(db: Prisma.TransactionClient, sku: string, quantity: number, now: Date): Promise<StockPicture> {
  const sql = stockPictureSql(sku, quantity, now);
  const [counts] = await db.$queryRaw<StockCounts[]>`WITH ${sql.with} SELECT ${sql.columns}`;
  return stockPicture(counts);
}

/** Whether `quantity` keys are left once the open orders have taken what they are expected to. */
export function stockFits(picture: StockPicture, quantity: number): boolean {
  return picture.available - expectedHeld(picture) >= quantity;
}

/** Keys the open orders are expected to take: each held key counts at the chance its order is paid. */
export function expectedHeld(picture: Pick<StockPicture, 'held' | 'payRatio'>): number {
  return Math.max(0, Math.ceil(picture.held * picture.payRatio - 1e-9));
}
