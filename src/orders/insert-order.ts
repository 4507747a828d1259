import type { Db } from '../db/client';
import type { Order } from '../generated/prisma/client';
import { Prisma } from '../generated/prisma/client';
import { readStockPicture, stockFits } from '../stock/stock-holds';

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
export async function insertOrder(client: Db | Prisma.TransactionClient, order: NewOrder): Promise<Order> {
  const [placed] = await client.$queryRaw<Order[]>`
      WITH placed AS (
        INSERT INTO "Order" ("orderNo", "sku", "quantity", "unitPriceCents", "amountCents", "currency", "email", "channel",
                             "payType", "idempotencyKey", "requestHash", "clientIp", "expiresAt", "createdAt", "updatedAt", "traceParent",
                             "locale", "queryPasswordHash")
        VALUES (${order.orderNo}, ${order.sku}, ${order.quantity}, ${order.unitPriceCents}, ${order.unitPriceCents * order.quantity}, ${order.currency},
                ${order.email}, ${order.channel}, ${order.payType}, ${order.idempotencyKey}, ${order.requestHash}, ${order.clientIp},
                ${order.expiresAt}, ${order.createdAt}, ${order.createdAt}, ${order.traceParent}, ${order.locale}, ${order.queryPasswordHash})
        RETURNING *
      ), logged AS (
        INSERT INTO "OrderEvent" ("orderNo", "type", "actor", "message", "createdAt")
        SELECT "orderNo", 'CREATED', 'buyer', ${`${order.quantity} × ${order.skuName}`}, ${order.createdAt} FROM placed
      )
      SELECT * FROM placed`;
  return placed;
}

/**
 * Inserts the order only if the SKU's stock still covers it beside the open unpaid orders before
 * it, under the SKU's lock so two buyers cannot both take the last keys' worth of holds. Null when
 * it no longer fits (nothing was written).
 */
export async function insertOrderWithinStock(db: Db, order: NewOrder): Promise<Order | null> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`order-hold:${order.sku}`}))`;
    if (!stockFits(await readStockPicture(tx, order.sku, order.quantity, order.createdAt), order.quantity)) return null;
    return insertOrder(tx, order);
  });
}
