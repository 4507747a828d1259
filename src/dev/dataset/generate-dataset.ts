import { statfsSync } from 'node:fs';
import { Client } from 'pg';

export interface DatasetPlan {
  orders: number;
  /** Orders are spread evenly over this many days up to now. */
  days: number;
  /** Orders per INSERT batch (one transaction each). */
  batch?: number;
  now?: Date;
  /** The stored secret of every generated key: one real ciphertext, so the shop starts and shows them with its key. */
  keyCiphertext: string;
  onProgress?: (done: number, total: number) => void;
}

/**
 * What one generated order takes on disk with its rows and index entries (order, ~5 events, a
 * payment, a notification, a key): about 2,300 bytes measured on a 200,000-order set, with margin.
 */
export const BYTES_PER_ORDER = 3_200;
/**
 * What archiving adds per order: its JSON record and index entries, while the space its hot rows
 * leave is only reused, not returned (1.96 KB measured moving 1.75 million orders, with margin).
 */
export const ARCHIVED_BYTES_PER_ORDER = 2_600;
/** Free space kept beyond the estimate: WAL, checkpoints, the query tests' temporary files. */
const HEADROOM_BYTES = 2 * 2 ** 30;

export class NotEnoughDiskError extends Error {}

/**
 * Refuses, saying how much is needed and free, when the dataset would not fit where the cluster
 * keeps its files; `archiving`: most of it will be moved to the archive too.
 */
export function checkDiskFor(orders: number, dir: string, { archiving = false } = {}): { neededBytes: number; freeBytes: number } {
  const stats = statfsSync(dir);
  const freeBytes = stats.bavail * stats.bsize;
  const neededBytes = orders * (BYTES_PER_ORDER + (archiving ? ARCHIVED_BYTES_PER_ORDER : 0)) + HEADROOM_BYTES;
  if (freeBytes < neededBytes) {
    const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
    throw new NotEnoughDiskError(
      `${orders.toLocaleString('en')} orders need about ${gib(neededBytes)} free at ${dir}, and ${gib(freeBytes)} is: generate fewer (--orders) or free some space`,
    );
  }
  return { neededBytes, freeBytes };
}

/**
 * Fills a migrated database with a shop's history: SKUs, and `orders` orders over `days` days, most
 * delivered (with their events, payment, verified notification and sold key), some expired,
 * cancelled, refunded or failed, none left open, so reconciliation finds nothing to repair. Written
 * with INSERT … SELECT in batches, triggers off (the change notifications would queue one per row).
 */
export async function generateDataset(databaseUrl: string, plan: DatasetPlan): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const batch = plan.batch ?? 100_000;
  const now = (plan.now ?? new Date()).getTime();
  const spanMs = plan.days * 86_400_000;
  try {
    await client.query(`SET session_replication_role = replica`);
    await client.query(`
      INSERT INTO "Sku" ("sku", "name", "priceCents", "currency", "category", "sortOrder", "updatedAt")
      SELECT 'gen-' || i, 'Generated item ' || i, 500 + i * 100, 'CNY', 'Generated', i, now() FROM generate_series(1, 20) i
      ON CONFLICT DO NOTHING`);
    for (let from = 0; from < plan.orders; from += batch) {
      const to = Math.min(plan.orders, from + batch) - 1;
      await client.query('BEGIN');
      // i / total of the span ago, so the newest order is now; a buyer orders about four times.
      await client.query(
        `CREATE TEMP TABLE gen ON COMMIT DROP AS
         SELECT 'G' || lpad(i::text, 12, '0') AS "orderNo",
                'gen-' || (1 + i % 20) AS "sku",
                600 + (i % 20) * 100 AS "cents",
                'buyer' || (i % greatest($3::int / 4, 1)) || '@example.com' AS "email",
                CASE WHEN i % 5 = 0 THEN 'epay-backup' ELSE 'epay' END AS "channel",
                CASE WHEN i % 100 < 90 THEN 'DELIVERED' WHEN i % 100 < 96 THEN 'EXPIRED' WHEN i % 100 < 98 THEN 'CANCELLED'
                     WHEN i % 100 < 99 THEN 'REFUNDED' ELSE 'FAILED' END::"OrderStatus" AS "status",
                to_timestamp(($4::float8 - $5::float8 * ($3::int - i) / $3::int) / 1000) AS "createdAt"
         FROM generate_series($1::int, $2::int) i`,
        [from, to, plan.orders, now, spanMs],
      );
      await client.query(`
        INSERT INTO "Order" ("orderNo", "sku", "quantity", "unitPriceCents", "amountCents", "currency", "email", "channel", "status",
                             "statusReason", "expiresAt", "createdAt", "updatedAt", "paidAt", "deliveredAt", "closedAt", "emailedAt", "workflowId", "locale")
        SELECT "orderNo", "sku", 1, "cents", "cents", 'CNY', "email", "channel", "status",
               CASE "status" WHEN 'EXPIRED' THEN 'not paid in time' WHEN 'FAILED' THEN 'payment channel unavailable' END,
               "createdAt" + interval '15 minutes', "createdAt", "createdAt" + interval '40 seconds',
               CASE WHEN "status" IN ('DELIVERED', 'REFUNDED') THEN "createdAt" + interval '30 seconds' END,
               CASE WHEN "status" IN ('DELIVERED', 'REFUNDED') THEN "createdAt" + interval '31 seconds' END,
               "createdAt" + interval '40 seconds',
               CASE WHEN "status" = 'DELIVERED' THEN "createdAt" + interval '32 seconds' END,
               'order-' || "orderNo", CASE WHEN "cents" % 200 = 0 THEN 'zh-CN' END
        FROM gen`);
      await client.query(`
        INSERT INTO "OrderEvent" ("orderNo", "type", "actor", "createdAt")
        SELECT g."orderNo", e."type", 'workflow', g."createdAt" + e."after"
        FROM gen g CROSS JOIN LATERAL (VALUES
          ('CREATED', interval '0', true), ('PAYMENT_REQUESTED', interval '1 second', true),
          ('PAID', interval '30 seconds', g."status" IN ('DELIVERED', 'REFUNDED')),
          ('DELIVERED', interval '31 seconds', g."status" IN ('DELIVERED', 'REFUNDED')),
          ('EMAIL_SENT', interval '32 seconds', g."status" = 'DELIVERED'),
          ('REFUNDED', interval '1 day', g."status" = 'REFUNDED'),
          ('EXPIRED', interval '15 minutes', g."status" = 'EXPIRED'),
          ('CANCELLED', interval '5 minutes', g."status" = 'CANCELLED'),
          ('FAILED', interval '2 seconds', g."status" = 'FAILED')
        ) AS e("type", "after", "happened")
        WHERE e."happened"`);
      await client.query(`
        INSERT INTO "Payment" ("orderNo", "channel", "tradeNo", "amountCents", "currency", "paidAt", "createdAt", "settles")
        SELECT "orderNo", "channel", 'T' || "orderNo", "cents", 'CNY', "createdAt" + interval '30 seconds', "createdAt" + interval '30 seconds', true
        FROM gen WHERE "status" IN ('DELIVERED', 'REFUNDED')`);
      await client.query(`
        INSERT INTO "PaymentNotification" ("channel", "eventKey", "verifiedEventKey", "verdict", "paid", "orderNo", "tradeNo", "amountCents",
                                           "payload", "receivedAt", "signalledAt", "digest")
        SELECT "channel", 'T' || "orderNo", 'T' || "orderNo", 'VERIFIED', true, "orderNo", 'T' || "orderNo", "cents",
               '{"trade_status":"TRADE_SUCCESS"}'::jsonb, "createdAt" + interval '30 seconds', "createdAt" + interval '30 seconds', md5("orderNo")
        FROM gen WHERE "status" IN ('DELIVERED', 'REFUNDED')`);
      await client.query(
        `
        INSERT INTO "CardKey" ("sku", "secret", "fingerprint", "status", "orderNo", "soldAt", "voidedAt", "createdAt")
        SELECT "sku", $1, md5('key' || "orderNo"), CASE WHEN "status" = 'REFUNDED' THEN 'VOID' ELSE 'SOLD' END::"CardKeyStatus",
               "orderNo", "createdAt" + interval '31 seconds', CASE WHEN "status" = 'REFUNDED' THEN "createdAt" + interval '1 day' END,
               "createdAt" - interval '1 day'
        FROM gen WHERE "status" IN ('DELIVERED', 'REFUNDED')`,
        [plan.keyCiphertext],
      );
      await client.query('COMMIT');
      plan.onProgress?.(to + 1, plan.orders);
    }
    await client.query(`SET session_replication_role = origin`);
    await client.query('ANALYZE');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
