import { Prisma } from '../generated/prisma/client';

/**
 * A delivered order whose delivery email is still owed: not sent, and its address not refused for
 * good (EMAIL_REJECTED). `o` is the order row's alias. Postgres's partial index
 * `Order_delivered_unemailed` matches the first two conditions.
 */
export const DELIVERY_EMAIL_OWED = Prisma.sql`o."status" = 'DELIVERED' AND o."emailedAt" IS NULL
  AND NOT EXISTS (SELECT 1 FROM "OrderEvent" e WHERE e."orderNo" = o."orderNo" AND e."type" = 'EMAIL_REJECTED')`;
