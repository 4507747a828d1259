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
  /**
   * Of the held keys, those the open orders are expected to take: each counts at the share of the
   * SKU's recent orders that ended waiting for payment and were paid (a prior of all paid, worth
   * PRIOR_ORDERS orders, until there is evidence), rounded up to whole keys.
   */
  expectedHeld: number;
}

/** Orders' worth of "they all pay" before evidence: a new SKU holds a key for every open order. */
export const PRIOR_ORDERS = 20;
/** Closed orders the ratio learns from: the SKU's latest, within a day. */
const LEARN_FROM = { orders: 500, ms: 24 * 3_600_000 };
/** However rarely a SKU's orders are paid, one open order in this many still holds a key: buyers who do pay are not oversold without bound. */
const MIN_HOLD_ONE_IN = 5;

/**
 * The stock picture as SQL: `with` names the open and recently ended orders of the SKU and the
 * one-row picture `stock` worked out from them; `columns` are a SELECT's columns reading it (placing
 * an order reads them with the SKU and the limits). The expectation is worked out here, in whole
 * numbers, so that the insert made under the SKU's lock tests the very same condition in SQL.
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
    ), counts AS (
      SELECT (SELECT coalesce(sum("quantity"), 0)::int FROM open) AS "held", (SELECT min("expiresAt") FROM open) AS "firstHoldExpiry",
             (SELECT count(*) FILTER (WHERE "paid")::int FROM ended) AS "paid", (SELECT count(*)::int FROM ended) AS "ended"
    ), stock AS (
      SELECT "held", "firstHoldExpiry",
             ${availableUpToSql(sku, Prisma.sql`${quantity} + (SELECT "held" FROM counts)`)} AS "available",
             -- ceil(held × max(1/MIN_HOLD_ONE_IN, (paid + PRIOR) / (ended + PRIOR))), as integer divisions that round up
             greatest(("held" * ("paid" + ${PRIOR_ORDERS}::int) + "ended" + ${PRIOR_ORDERS - 1}::int) / ("ended" + ${PRIOR_ORDERS}::int),
                      ("held" + ${MIN_HOLD_ONE_IN - 1}::int) / ${MIN_HOLD_ONE_IN}::int) AS "expectedHeld"
      FROM counts
    )`,
    columns: Prisma.sql`(SELECT "available" FROM stock) AS "available", (SELECT "held" FROM stock) AS "held",
      (SELECT "firstHoldExpiry" FROM stock) AS "firstHoldExpiry", (SELECT "expectedHeld" FROM stock) AS "expectedHeld"`,
  };
}

/** A condition true when `quantity` keys are left once the open orders have taken what they are expected to (the statement has stockPictureSql's `with`). */
export function stockFitsSql(quantity: number): Prisma.Sql {
  return Prisma.sql`(SELECT "available" - "expectedHeld" FROM stock) >= ${quantity}`;
}

export function stockFits(picture: StockPicture, quantity: number): boolean {
  return picture.available - picture.expectedHeld >= quantity;
}

export async function readStockPicture(db: Prisma.TransactionClient, sku: string, quantity: number, now: Date): Promise<StockPicture> {
  const sql = stockPictureSql(sku, quantity, now);
  const [picture] = await db.$queryRaw<StockPicture[]>`WITH ${sql.with} SELECT ${sql.columns}`;
  return picture;
}
