import { transitionOrder } from '../db/order-transition';
import { Prisma } from '../generated/prisma/client';
import { countAvailableUpTo } from '../stock/count-available';
import { KeysNotSellableError } from '../db/errors';

/** `remaining`: keys of the SKU still available, counted up to the low-stock threshold; -1 when not counted. */
export type Reservation = { ok: true; keyIds: number[]; remaining: number } | { ok: false; available: number };

export interface ReserveRequest {
  orderNo: string;
  sku: string;
  quantity: number;
  /**
   * Count the keys left only up to this many (0: do not count): all the low-stock check needs, and
   * a sale then costs the same with ten keys in stock or a hundred thousand.
   */
  lowStockThreshold?: number;
}

export interface IssueRequest {
  orderNo: string;
  keyIds: number[];
}

type Tx = Prisma.TransactionClient;

/**
 * Reserves `quantity` keys for the order, all or none, inside the caller's transaction. Rows other
 * orders are locking are skipped rather than waited for, so concurrent buyers never queue behind
 * each other. Idempotent: keys already held by the order are returned again.
 */
export async function reserveIn(tx: Tx, { orderNo, sku, quantity, lowStockThreshold = 0 }: ReserveRequest, at: Date): Promise<Reservation> {
  const held = await tx.cardKey.findMany({
    where: { orderNo, status: { in: ['RESERVED', 'SOLD'] } },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  const needed = quantity - held.length;
  if (needed <= 0) return { ok: true, keyIds: held.map((k) => k.id), remaining: -1 };
  const free = await tx.$queryRaw<Array<{ id: number }>>`
    SELECT "id" FROM "CardKey"
    WHERE "sku" = ${sku} AND "status" = 'AVAILABLE'
    ORDER BY "id"
    LIMIT ${needed}
    FOR UPDATE SKIP LOCKED`;
  if (free.length < needed) return { ok: false, available: free.length + held.length };
  const ids = free.map((row) => row.id);
  // The keys and their timeline event in one statement (the rows are locked above).
  await tx.$executeRaw`
    WITH reserved AS (
      UPDATE "CardKey" SET "status" = 'RESERVED', "orderNo" = ${orderNo}, "reservedAt" = ${at}
      WHERE "id" IN (${Prisma.join(ids)}) AND "status" = 'AVAILABLE'
      RETURNING "id"
    )
    INSERT INTO "OrderEvent" ("orderNo", "type", "actor", "message", "createdAt")
    SELECT ${orderNo}, 'KEYS_RESERVED', 'system', ${reservedMessage(quantity)}, ${at}
    WHERE EXISTS (SELECT 1 FROM reserved)`;
  const remaining = lowStockThreshold > 0 ? await countAvailableUpTo(tx, sku, lowStockThreshold) : -1;
  return { ok: true, keyIds: [...held.map((k) => k.id), ...ids].sort((a, b) => a - b), remaining };
}

/** Sells the order's reserved keys and marks it DELIVERED, inside the caller's transaction. */
export async function issueIn(tx: Tx, { orderNo, keyIds }: IssueRequest, at: Date): Promise<void> {
  const { count } = await tx.cardKey.updateMany({
    where: { id: { in: keyIds }, orderNo, status: 'RESERVED' },
    data: { status: 'SOLD', soldAt: at },
  });
  // Fewer than asked: a re-run (some already SOLD to this order) or a key taken away.
  const sold = count === keyIds.length ? count : await tx.cardKey.count({ where: { id: { in: keyIds }, orderNo, status: 'SOLD' } });
  if (sold !== keyIds.length) {
    // Rolls back: a key this order reserved was taken away, which must never happen silently.
    throw new KeysNotSellableError(`order ${orderNo}: expected ${keyIds.length} sold keys, found ${sold}`);
  }
  await transitionOrder(tx, {
    orderNo,
    to: 'DELIVERED',
    from: ['PAID', 'AWAITING_STOCK', 'NEEDS_REVIEW'],
    actor: 'system',
    type: 'DELIVERED',
    message: issuedMessage(keyIds.length),
    stamp: 'deliveredAt',
    at,
  });
}

/** The timeline's words for keys reserved for an order. */
export function reservedMessage(quantity: number): string {
  return `${quantity} key(s) reserved`;
}

/** The timeline's words for an order's keys sold to it. */
export function issuedMessage(count: number): string {
  return `${count} key(s) issued`;
}
