import type { Db } from '../db/client';
import type { Order } from '../generated/prisma/client';
import { Prisma } from '../generated/prisma/client';
import { stockFitsSql, stockPictureSql } from '../stock/stock-holds';

/** A new order's row as placing it decided, and what its first timeline event says. */
export interface NewOrder {
  orderNo: string;
  sku: string;
  skuName: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
  email: string;
  channel: string;
  payType: string | null;
  idempotencyKey: string | null;
  requestHash: string;
  clientIp: string;
  expiresAt: Date;
  createdAt: Date;
  traceParent: string | null;
  locale: string | null;
  queryPasswordHash: string | null;
}

/** The order and its first timeline event, in one statement. */
export async function insertOrder(db: Db, order: NewOrder): Promise<Order> {
  const [placed] = await db.$queryRaw<Order[]>(insertStatement(order));
  return placed;
}

/**
 * Inserts the order only if the SKU's stock still covers it beside the open unpaid orders before
 * it, under the SKU's lock so two buyers cannot both take the last keys' worth of holds. Null when
 * it no longer fits (nothing was written). The lock and the guarded insert go as one batch: the
 * insert is a statement of its own, so it sees every order committed by the lock's previous holder.
 */
export async function insertOrderWithinStock(db: Db, order: NewOrder): Promise<Order | null> {
  const stock = stockPictureSql(order.sku, order.quantity, order.createdAt);
  const [, [placed]] = await db.$transaction([
    db.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`order-hold:${order.sku}`}))`,
    db.$queryRaw<Order[]>(insertStatement(order, { with: stock.with, where: stockFitsSql(order.quantity) })),
  ]);
  return placed ?? null;
}

function insertStatement(order: NewOrder, guard?: { with: Prisma.Sql; where: Prisma.Sql }): Prisma.Sql {
  return Prisma.sql`
      WITH ${guard ? Prisma.sql`${guard.with},` : Prisma.empty} placed AS (
        INSERT INTO "Order" ("orderNo", "sku", "quantity", "unitPriceCents", "amountCents", "currency", "email", "channel",
                             "payType", "idempotencyKey", "requestHash", "clientIp", "expiresAt", "createdAt", "updatedAt", "traceParent",
                             "locale", "queryPasswordHash")
        SELECT ${order.orderNo}, ${order.sku}, ${order.quantity}, ${order.unitPriceCents}, ${order.unitPriceCents * order.quantity}, ${order.currency},
               ${order.email}, ${order.channel}, ${order.payType}, ${order.idempotencyKey}, ${order.requestHash}, ${order.clientIp},
               ${order.expiresAt}, ${order.createdAt}, ${order.createdAt}, ${order.traceParent}, ${order.locale}, ${order.queryPasswordHash}
        WHERE ${guard?.where ?? Prisma.sql`true`}
        RETURNING *
      ), logged AS (
        INSERT INTO "OrderEvent" ("orderNo", "type", "actor", "message", "createdAt")
        SELECT "orderNo", 'CREATED', 'buyer', ${`${order.quantity} × ${order.skuName}`}, ${order.createdAt} FROM placed
      )
      SELECT * FROM placed`;
}
