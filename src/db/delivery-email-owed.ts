import { Prisma } from '../generated/prisma/client';

/**
 * A delivered order whose delivery email is still owed: not sent, and its address not refused for
 * good (EMAIL_REJECTED) since staff last changed it (EMAIL_CHANGED). `o` is the order row's alias.
 * Postgres's partial index `Order_delivered_unemailed` matches the first two conditions, so the
 * timeline is read only for the few orders those leave.
 */
export const DELIVERY_EMAIL_OWED = Prisma.sql`o."status" = 'DELIVERED' AND o."emailedAt" IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "OrderEvent" e WHERE e."orderNo" = o."orderNo" AND e."type" = 'EMAIL_REJECTED'
      AND NOT EXISTS (SELECT 1 FROM "OrderEvent" c WHERE c."orderNo" = o."orderNo" AND c."type" = 'EMAIL_CHANGED' AND c."id" > e."id"))`;
