import type { Db } from '../db/client';
import { announceTransition, type MovedOrder } from '../db/order-transition';
import { isUniqueViolation } from '../db/errors';
import { Prisma } from '../generated/prisma/client';
import { inboxProofMatches, paidMessage, SETTLEABLE, type RecordPaymentInput } from './payment';
import { issuedMessage, reservedMessage, type ReserveRequest } from './stock';
import type { Delivery } from './delivery';
import { availableUpToSql } from '../stock/count-available';

type Delivered = Extract<Delivery, { delivered: true }>;

/**
 * The common paid order in one statement, with no transaction around it: an unpaid order whose
 * payment checks out and whose keys are in stock is recorded as paid, given its keys and moved to
 * DELIVERED, with the same rows and timeline events the step-by-step path writes (PAID,
 * KEYS_RESERVED, DELIVERED). Each sub-statement only runs if the one before it found its rows: no
 * move without every key, no key sold without the move. Anything else (short of stock, keys already
 * held, a trade recorded before, a payment the inbox does not confirm, an order already settled)
 * writes nothing and answers undefined, and the caller takes the general path, which tells those
 * cases apart. Nine statements and a transaction's round trips become one.
 */
export async function deliverAtOnce(db: Db, request: ReserveRequest & RecordPaymentInput, at: Date): Promise<Delivered | undefined> {
  const { orderNo, sku, quantity, payment, proof, lowStockThreshold = 0 } = request;
  const verified = inboxProofMatches(orderNo, payment, proof);
  const paidAt = payment.seenAt ? new Date(payment.seenAt) : at;
  // The statement's snapshot still counts the keys it sells, so it counts that many further.
  const remaining = lowStockThreshold > 0 ? Prisma.sql`GREATEST(0, ${availableUpToSql(sku, lowStockThreshold + quantity)} - ${quantity}::int)` : Prisma.sql`-1`;
  let rows: Array<MovedOrder & { keyIds: number[]; remaining: number }>;
  try {
    rows = await db.$queryRaw`
      WITH target AS (
        SELECT "orderNo" FROM "Order"
        WHERE "orderNo" = ${orderNo}
          AND "status" IN (${Prisma.join(SETTLEABLE.map((s) => Prisma.sql`${s}::"OrderStatus"`))})
          ${verified ? Prisma.sql`AND ${verified}` : Prisma.empty}
          AND NOT EXISTS (SELECT 1 FROM "CardKey" k WHERE k."orderNo" = ${orderNo} AND k."status" IN ('RESERVED', 'SOLD'))
        FOR UPDATE
      ), free AS (
        SELECT "id" FROM "CardKey"
        WHERE "sku" = ${sku} AND "status" = 'AVAILABLE' AND EXISTS (SELECT 1 FROM target)
        ORDER BY "id"
        LIMIT ${quantity}
        FOR UPDATE SKIP LOCKED
      ), moved AS (
        UPDATE "Order" SET
          "status" = 'DELIVERED'::"OrderStatus",
          "statusReason" = NULL,
          "updatedAt" = ${at},
          "paidAt" = COALESCE("paidAt", ${paidAt}::timestamp),
          "deliveredAt" = ${at}
        WHERE "orderNo" IN (SELECT "orderNo" FROM target) AND (SELECT count(*) FROM free) = ${quantity}::int
        RETURNING "orderNo", "channel", "createdAt", "paidAt"
      ), sold AS (
        UPDATE "CardKey" SET "status" = 'SOLD', "orderNo" = ${orderNo}, "reservedAt" = ${at}, "soldAt" = ${at}
        WHERE "id" IN (SELECT "id" FROM free) AND "status" = 'AVAILABLE' AND EXISTS (SELECT 1 FROM moved)
        RETURNING "id"
      ), recorded AS (
        INSERT INTO "Payment" ("orderNo", "channel", "tradeNo", "amountCents", "currency", "paidAt", "settles")
        SELECT "orderNo", ${payment.channel}, ${payment.tradeNo}, ${payment.amountCents}, ${payment.currency}, ${at}, true FROM moved
      ), logged AS (
        INSERT INTO "OrderEvent" ("orderNo", "type", "actor", "message", "createdAt")
        SELECT m."orderNo", e."type", 'system', e."message", ${at}
        FROM moved m CROSS JOIN (VALUES
          (1, 'PAID', ${paidMessage(payment)}),
          (2, 'KEYS_RESERVED', ${reservedMessage(quantity)}),
          (3, 'DELIVERED', ${issuedMessage(quantity)})
        ) AS e("n", "type", "message")
        ORDER BY e."n"
      )
      SELECT m."channel", m."createdAt", m."paidAt", ARRAY(SELECT "id" FROM sold ORDER BY "id") AS "keyIds", ${remaining} AS "remaining"
      FROM moved m`;
  } catch (error) {
    // The trade is recorded already (a re-run, or a second payment): the general path knows which.
    if (isUniqueViolation(error)) return undefined;
    throw error;
  }
  const [moved] = rows;
  if (!moved) return undefined;
  const common = { orderNo, actor: 'system', at };
  announceTransition({ ...common, to: 'PAID', from: SETTLEABLE, type: 'PAID', stamp: 'paidAt', stampAt: paidAt }, moved);
  announceTransition({ ...common, to: 'DELIVERED', from: ['PAID'], type: 'DELIVERED', stamp: 'deliveredAt' }, moved);
  return { delivered: true, keyIds: moved.keyIds, remaining: moved.remaining };
}
