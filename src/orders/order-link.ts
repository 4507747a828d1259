import { Prisma } from '../generated/prisma/client';
import type { OrderRunDeps } from './order-runs';
import { startOrderLinkMail } from './order-runs';

/** At most this many link emails to one address per cooldown, whichever of its orders they are for. */
const LINKS_PER_ADDRESS = 3;

export type LinkRequestOutcome = 'sent' | 'no-match' | 'nothing-to-send' | 'cooling-down';

/**
 * A buyer asks for their order link again. Mailed only to the order's own address, only for an
 * order that has something to show (not one that never started), and not more often than
 * LINK_RESEND_COOLDOWN per order, nor more than three per address in that time; archived orders
 * too, as a buyer may want a key again long after buying it. The API answers before this runs, the
 * same way whatever the outcome, so nobody learns whether an order exists.
 */
export async function requestOrderLink(deps: OrderRunDeps, orderNo: string, email: string): Promise<LinkRequestOutcome> {
  const now = deps.clock();
  const since = new Date(now.getTime() - deps.config.limits.linkResendCooldownMs);
  const hot = await deps.db.order.findUnique({ where: { orderNo }, select: { email: true, status: true } });
  const order = hot ?? (await deps.db.orderArchive.findUnique({ where: { orderNo }, select: { email: true, status: true } }));
  if (!order || order.email !== email) return 'no-match';
  if (order.status === 'CREATED' || order.status === 'FAILED') return 'nothing-to-send';
  // The request is recorded only when it is due; a request at the limit changes nothing. Requests
  // for one address take turns (the API answers before this runs, so they arrive together), and
  // the write, a statement after the lock, sees what the one before it committed. Requests for hot
  // orders are timeline events; an archived order has no timeline, so its row keeps the last one.
  const requestsForAddress = Prisma.sql`
    (SELECT count(*) FROM "OrderEvent" e JOIN "Order" o ON o."orderNo" = e."orderNo"
     WHERE o."email" = ${email} AND e."type" = 'LINK_REQUESTED' AND e."createdAt" > ${since})
    + (SELECT count(*) FROM "OrderArchive" WHERE "email" = ${email} AND "linkRequestedAt" > ${since})`;
  const [, recorded] = await deps.db.$transaction([
    deps.db.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`order-link:${email}`}))`,
    hot
      ? deps.db.$executeRaw`
        INSERT INTO "OrderEvent" ("orderNo", "type", "actor", "message", "createdAt")
        SELECT ${orderNo}, 'LINK_REQUESTED', 'buyer', 'order link requested by email', ${now}
        WHERE NOT EXISTS (SELECT 1 FROM "OrderEvent" WHERE "orderNo" = ${orderNo} AND "type" = 'LINK_REQUESTED' AND "createdAt" > ${since})
          AND ${requestsForAddress} < ${LINKS_PER_ADDRESS}`
      : deps.db.$executeRaw`
        UPDATE "OrderArchive" SET "linkRequestedAt" = ${now}
        WHERE "orderNo" = ${orderNo} AND ("linkRequestedAt" IS NULL OR "linkRequestedAt" <= ${since}) AND ${requestsForAddress} < ${LINKS_PER_ADDRESS}`,
  ]);
  if (recorded === 0) return 'cooling-down';
  await startOrderLinkMail(deps, orderNo);
  return 'sent';
}

/**
 * Staff give the buyer a new link: the token version moves on (every earlier link and token stops
 * working) and the new link is mailed to the order's own address.
 */
export async function reissueOrderLink(deps: OrderRunDeps, orderNo: string, staff: string, note?: string): Promise<boolean> {
  const now = deps.clock();
  const moved = await deps.db.$executeRaw`
    WITH reissued AS (
      UPDATE "Order" SET "tokenVersion" = "tokenVersion" + 1, "updatedAt" = ${now} WHERE "orderNo" = ${orderNo} RETURNING "orderNo"
    )
    INSERT INTO "OrderEvent" ("orderNo", "type", "actor", "message", "createdAt")
    SELECT "orderNo", 'LINK_REISSUED', ${staff}, ${note ?? 'order link reissued; earlier links stop working'}, ${now} FROM reissued`;
  if (moved === 0) return false;
  await startOrderLinkMail(deps, orderNo);
  return true;
}
