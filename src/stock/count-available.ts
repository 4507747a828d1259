import { Prisma } from '../generated/prisma/client';
import type { Db } from '../db/client';

/**
 * Available keys of a SKU, counted only up to `limit`: every caller only asks "at least n?", and a
 * full count would read the whole stock on every order (100,000 keys → 100,000 index entries).
 * A scalar subquery, for statements that need the count beside other things; `limit` may be SQL.
 */
export function availableUpToSql(sku: string, limit: number | Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(SELECT count(*)::int FROM (
    SELECT 1 FROM "CardKey" WHERE "sku" = ${sku} AND "status" = 'AVAILABLE' LIMIT ${limit}) AS up_to_limit)`;
}

export async function countAvailableUpTo(db: Db | Prisma.TransactionClient, sku: string, limit: number): Promise<number> {
  const [{ available }] = await db.$queryRaw<Array<{ available: number }>>`SELECT ${availableUpToSql(sku, limit)} AS "available"`;
  return available;
}
