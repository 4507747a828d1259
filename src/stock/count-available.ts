import type { Prisma } from '../generated/prisma/client';
import type { Db } from '../db/client';

/**
 * Available keys of a SKU, counted only up to `limit`: every caller only asks "at least n?", and a
 * full count would read the whole stock on every order (100,000 keys → 100,000 index entries).
 */
export async function countAvailableUpTo(db: Db | Prisma.TransactionClient, sku: string, limit: number): Promise<number> {
  const [{ available }] = await db.$queryRaw<Array<{ available: number }>>`
    SELECT count(*)::int AS "available"
    FROM (SELECT 1 FROM "CardKey" WHERE "sku" = ${sku} AND "status" = 'AVAILABLE' LIMIT ${limit}) AS up_to_limit`;
  return available;
}
