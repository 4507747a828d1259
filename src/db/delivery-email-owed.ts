import { Prisma } from '../generated/prisma/client';
import type { Db } from './client';

/** A delivery email older than this is for staff to resend: no batch sends it, the late-email gauge does not count it. */
export const DELIVERY_EMAIL_HORIZON_MS = 7 * 24 * 3_600_000;

/**
 * A delivered order whose delivery email is still owed: not sent, and its address not refused for
 * good (EMAIL_REJECTED) since staff last changed it (EMAIL_CHANGED). Two partial indexes keep this
 * cheap when a mail outage leaves thousands owed: `Order_delivered_unemailed` holds only the orders
 * the first two conditions leave, and `OrderEvent_email_address` only those two kinds of timeline
 * line (without it each read scanned the whole timeline table: 140 ms at 400,000 orders).
 */
/** The refusal `e` (an EMAIL_REJECTED line) still stands: no address change came after it. */
const REFUSAL_STANDS = Prisma.sql`NOT EXISTS (SELECT 1 FROM "OrderEvent" c WHERE c."orderNo" = e."orderNo" AND c."type" = 'EMAIL_CHANGED' AND c."id" > e."id")`;

const OWED = Prisma.sql`o."status" = 'DELIVERED' AND o."emailedAt" IS NULL
  AND NOT EXISTS (SELECT 1 FROM "OrderEvent" e WHERE e."orderNo" = o."orderNo" AND e."type" = 'EMAIL_REJECTED' AND ${REFUSAL_STANDS})`;

/** The orders delivered between `after` and `before` still owed their delivery email, oldest first. */
export function deliveryEmailsOwed(db: Db, { after, before, limit }: { after: Date; before: Date; limit: number }) {
  return db.$queryRaw<Array<{ orderNo: string; workflowId: string | null }>>`
    SELECT o."orderNo", o."workflowId" FROM "Order" o
    WHERE ${OWED} AND o."deliveredAt" < ${before} AND o."deliveredAt" > ${after}
    ORDER BY o."deliveredAt" LIMIT ${limit}`;
}

/** How many orders delivered between `after` and `before` are still owed their delivery email. */
export async function countDeliveryEmailsOwed(db: Db, { after, before }: { after: Date; before: Date }): Promise<number> {
  const [{ owed }] = await db.$queryRaw<Array<{ owed: number }>>`
    SELECT count(*)::int AS owed FROM "Order" o WHERE ${OWED} AND o."deliveredAt" < ${before} AND o."deliveredAt" > ${after}`;
  return owed;
}

/**
 * Orders whose own address the mail server refused for good since `after`, and which staff have not
 * given another address since: the buyers support should reach some other way. Newest first. Read
 * through `OrderEvent_email_address`, which holds only those two kinds of line.
 */
export function refusedAddresses(db: Db, { after, limit }: { after: Date; limit: number }) {
  return db.$queryRaw<Array<{ orderNo: string; status: string; refusedAt: Date }>>`
    SELECT e."orderNo", o."status", max(e."createdAt") AS "refusedAt"
    FROM "OrderEvent" e JOIN "Order" o ON o."orderNo" = e."orderNo"
    WHERE e."type" = 'EMAIL_REJECTED' AND e."createdAt" > ${after} AND ${REFUSAL_STANDS}
    GROUP BY e."orderNo", o."status" ORDER BY "refusedAt" DESC LIMIT ${limit}`;
}
