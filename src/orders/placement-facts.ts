import type { Db } from '../db/client';
import type { Config } from '../config';
import { limitCountColumns, type LimitCounts, type Orderer } from './order-limits';
import { stockPictureSql, type StockPicture } from '../stock/stock-holds';

/** The SKU as placing an order needs it. */
export interface SkuForSale {
  sku: string;
  name: string;
  priceCents: number;
  currency: string;
  active: boolean;
  minQuantity: number;
  maxQuantity: number | null;
}

/** Everything a new order is checked against before a channel is asked: null `sku` when there is no such SKU. */
export interface PlacementFacts {
  sku: SkuForSale | null;
  limits: LimitCounts;
  stock: StockPicture;
}

type FactsRow = { [K in keyof SkuForSale]: SkuForSale[K] | null } & LimitCounts & StockPicture;

/**
 * The SKU, the buyer's limits and the SKU's stock in one statement: every order attempt of a sale
 * asks all three, and one round trip costs the API and Postgres a third of three.
 */
export async function readPlacementFacts(
  db: Db,
  request: Orderer & { sku: string; quantity: number },
  limits: Config['limits'],
  now: Date,
): Promise<PlacementFacts> {
  const stock = stockPictureSql(request.sku, request.quantity, now);
  const [row] = await db.$queryRaw<FactsRow[]>`
    WITH ${stock.with}
    SELECT s."sku", s."name", s."priceCents", s."currency", s."active", s."minQuantity", s."maxQuantity",
      ${limitCountColumns(limits, request, now)},
      ${stock.columns}
    FROM (SELECT 1) AS one LEFT JOIN "Sku" s ON s."sku" = ${request.sku}`;
  const { sku, name, priceCents, currency, active, minQuantity, maxQuantity, available, held, firstHoldExpiry, expectedHeld } = row;
  return {
    sku: sku === null ? null : { sku, name: name!, priceCents: priceCents!, currency: currency!, active: active!, minQuantity: minQuantity!, maxQuantity },
    limits: row,
    stock: { available, held, firstHoldExpiry, expectedHeld },
  };
}
