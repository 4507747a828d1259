import type { ActivityDeps } from './deps';
import { ARCHIVED_STATUSES } from '../db/archived-order';

export interface ArchiveStep {
  /** Settled orders untouched for longer than this move out (ARCHIVE_AFTER). */
  olderThanMs: number;
  batchSize: number;
}

export interface ArchiveResult {
  archived: number;
  /** A full batch: there may be more. */
  more: boolean;
}

export function createArchiveActivities({ db, clock }: Pick<ActivityDeps, 'db' | 'clock'>) {
  return {
    /**
     * Moves one batch of settled orders older than the cutoff into OrderArchive, in one short
     * transaction: one JSON record per order (its row, events, payments, refunds, notifications),
     * its unique keys into ArchivedKey, then the hot rows out. Its card keys stay in CardKey, still
     * naming the order (a sold key never changes owner; its fingerprint keeps refusing a re-import).
     */
    async archiveSettledOrders({ olderThanMs, batchSize }: ArchiveStep): Promise<ArchiveResult> {
      const cutoff = new Date(clock().getTime() - olderThanMs);
      return db.$transaction(async (tx) => {
        const picked = await tx.$queryRaw<Array<{ orderNo: string }>>`
          SELECT "orderNo" FROM "Order"
          WHERE "createdAt" < ${cutoff} AND "updatedAt" < ${cutoff} AND "status"::text = ANY(${ARCHIVED_STATUSES})
          ORDER BY "createdAt" LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`;
        if (picked.length === 0) return { archived: 0, more: false };
        const orderNos = picked.map((p) => p.orderNo);
        await tx.$executeRaw`
          INSERT INTO "OrderArchive" ("orderNo", "email", "sku", "status", "createdAt", "archivedAt", "record")
          SELECT o."orderNo", o."email", o."sku", o."status", o."createdAt", ${clock()}, jsonb_build_object(
            'order', to_jsonb(o) - 'requestHash',
            'events', COALESCE((SELECT jsonb_agg(to_jsonb(e) ORDER BY e."id") FROM "OrderEvent" e WHERE e."orderNo" = o."orderNo"), '[]'),
            'payments', COALESCE((SELECT jsonb_agg(to_jsonb(p) ORDER BY p."id") FROM "Payment" p WHERE p."orderNo" = o."orderNo"), '[]'),
            'refunds', COALESCE((SELECT jsonb_agg(to_jsonb(r) ORDER BY r."id") FROM "Refund" r WHERE r."orderNo" = o."orderNo"), '[]'),
            'notifications', COALESCE((SELECT jsonb_agg(to_jsonb(n) ORDER BY n."id") FROM "PaymentNotification" n WHERE n."orderNo" = o."orderNo"), '[]'))
          FROM "Order" o WHERE o."orderNo" = ANY(${orderNos})`;
        await tx.$executeRaw`
          INSERT INTO "ArchivedKey" ("kind", "key")
          SELECT 'order', "orderNo" FROM "Order" WHERE "orderNo" = ANY(${orderNos})
          UNION ALL SELECT 'idempotency', "email" || ' ' || "idempotencyKey" FROM "Order" WHERE "orderNo" = ANY(${orderNos}) AND "idempotencyKey" IS NOT NULL
          UNION ALL SELECT 'trade', "channel" || ' ' || "tradeNo" FROM "Payment" WHERE "orderNo" = ANY(${orderNos})
          UNION ALL SELECT 'event', "channel" || ' ' || "verifiedEventKey" FROM "PaymentNotification" WHERE "orderNo" = ANY(${orderNos}) AND "verifiedEventKey" IS NOT NULL
          ON CONFLICT DO NOTHING`;
        await tx.$executeRaw`DELETE FROM "PaymentNotification" WHERE "orderNo" = ANY(${orderNos})`;
        await tx.$executeRaw`DELETE FROM "Payment" WHERE "orderNo" = ANY(${orderNos})`;
        await tx.$executeRaw`DELETE FROM "Refund" WHERE "orderNo" = ANY(${orderNos})`;
        await tx.$executeRaw`DELETE FROM "OrderEvent" WHERE "orderNo" = ANY(${orderNos})`;
        await tx.$executeRaw`DELETE FROM "Order" WHERE "orderNo" = ANY(${orderNos})`;
        return { archived: orderNos.length, more: orderNos.length >= batchSize };
      });
    },
  };
}
