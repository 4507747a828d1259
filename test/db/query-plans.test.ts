import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../src/generated/prisma/client';
import { generateDataset } from '../../src/dev/dataset/generate-dataset';
import { CardKeyCipher } from '../../src/crypto/card-key-cipher';
import { searchOrders } from '../../src/orders/order-search';
import { shopSummary } from '../../src/orders/shop-summary';
import { loadOrderSnapshot } from '../../src/api/order-view';
import { listCatalogue } from '../../src/catalogue/skus';
import { createReconciliationActivities, DATABASE_STEPS, type ReconcileThresholds } from '../../src/activities/reconciliation';
import type { ActivityDeps } from '../../src/activities/deps';
import { createArchiveActivities } from '../../src/activities/archive';
import { createLogger } from '../../src/logging';
import { countDeliveryEmailsOwed, deliveryEmailsOwed } from '../../src/db/delivery-email-owed';

// On a generated shop history (large enough that the planner prefers an index wherever one fits),
// every query buyers, staff and reconciliation run often is EXPLAINed exactly as Prisma sends it,
// and none may read a big table from end to end.

const ORDERS = 40_000;
const BIG_TABLES = new Set(['Order', 'OrderEvent', 'Payment', 'PaymentNotification', 'CardKey', 'OrderArchive']);
/** Archived orders written straight into OrderArchive (their records hold what a search lists). */
const ARCHIVED = 40_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, visit: (n: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

describe('query plans on a generated history', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const captured: Array<{ query: string; params: unknown[] }> = [];
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 2 }), log: [{ emit: 'event', level: 'query' }] });
  db.$on('query', (e) => captured.push({ query: e.query, params: JSON.parse(e.params) as unknown[] }));
  const admin = new pg.Client({ connectionString: databaseUrl });
  const now = new Date();

  beforeAll(async () => {
    await admin.connect();
    const cipher = new CardKeyCipher(Buffer.alloc(32, 7));
    await generateDataset(databaseUrl, { orders: ORDERS, days: 730, now, keyCiphertext: cipher.encrypt('GENERATED-KEY') });
    await admin.query(
      `INSERT INTO "OrderArchive" ("orderNo", "email", "sku", "status", "createdAt", "archivedAt", "record")
       SELECT o."orderNo", o."email", o."sku", o."status", o."createdAt", now(),
              jsonb_build_object('order', jsonb_build_object('orderNo', o."orderNo", 'email', o."email", 'sku', o."sku", 'status', o."status",
                'quantity', 1, 'amountCents', 1000, 'currency', 'CNY', 'channel', 'epay', 'statusReason', null,
                'createdAt', o."createdAt", 'paidAt', o."createdAt", 'deliveredAt', o."createdAt", 'workflowId', null))
       FROM (SELECT 'A' || lpad(i::text, 12, '0') AS "orderNo", 'old' || (i % 5000) || '@example.com' AS "email", 'old-' || (i % 10) AS "sku",
                    (CASE WHEN i % 50 = 0 THEN 'REFUNDED' ELSE 'DELIVERED' END)::"OrderStatus" AS "status",
                    $1::timestamp - make_interval(mins => i * 20) - interval '100 days' AS "createdAt"
             FROM generate_series(1, ${ARCHIVED}) AS i) o`,
      [now],
    );
    await admin.query('ANALYZE "OrderArchive"');
  }, 300_000);
  afterAll(async () => {
    await admin.end();
    await db.$disconnect();
  });

  /** Runs `use`, then EXPLAINs each statement it sent with its own parameters; returns the indexes used. */
  async function plansOf(what: string, use: () => Promise<unknown>): Promise<string[]> {
    captured.length = 0;
    await use();
    const statements = captured.filter((c) => /^\s*(SELECT|WITH|DELETE|UPDATE|INSERT)/i.test(c.query));
    expect(statements.length).toBeGreaterThan(0);
    const indexes: string[] = [];
    for (const { query, params } of statements) {
      const { rows } = await admin.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${query}`, params);
      walk(rows[0]['QUERY PLAN'][0].Plan, (node) => {
        if (node['Node Type'] === 'Seq Scan' && BIG_TABLES.has(node['Relation Name'] ?? '')) {
          throw new Error(`${what}: a sequential scan of "${node['Relation Name']}" in\n${query}`);
        }
        if (node['Index Name']) indexes.push(node['Index Name']);
      });
    }
    return indexes;
  }

  const day = 86_400_000;
  it.each([
    ['by email', { email: 'buyer17@example.com', limit: 50 }, 'Order_email_'],
    ['by status', { status: 'EXPIRED' as const, limit: 50 }, 'Order_status_createdAt_idx'],
    ['by date', { from: new Date(now.getTime() - 40 * day), to: new Date(now.getTime() - 39 * day), limit: 50 }, 'Order_createdAt_orderNo_idx'],
    ['newest first, unfiltered', { limit: 50 }, 'Order_createdAt_orderNo_idx'],
    ['by SKU and status', { sku: 'gen-3', status: 'DELIVERED' as const, limit: 50 }, undefined],
    ['the next page', { status: 'DELIVERED' as const, limit: 50, cursor: 'G000000030000' }, undefined],
  ])('staff search %s uses an index', async (what, query, index) => {
    const indexes = await plansOf(`search ${what}`, () => searchOrders(db, query));
    if (index) expect(indexes.filter((name) => name.startsWith(index))).not.toEqual([]);
  });

  it("the buyer's order page (view, timeline, keys) reads by key", async () => {
    const indexes = await plansOf('order page', async () => {
      await loadOrderSnapshot(db, 'G000000012345');
      await db.cardKey.findMany({ where: { orderNo: 'G000000012345', status: 'SOLD' }, select: { secret: true } });
    });
    expect(indexes).toEqual(expect.arrayContaining(['Order_pkey', 'OrderEvent_orderNo_id_idx', 'CardKey_orderNo_idx']));
  });

  it("the console's dashboard counts today from indexes, payments by paidAt", async () => {
    const indexes = await plansOf('dashboard', () => shopSummary(db, now));
    expect(indexes).toEqual(expect.arrayContaining(['Payment_paidAt_idx', 'Order_createdAt_orderNo_idx', 'Order_deliveredAt_idx']));
  });

  it('the catalogue counts stock through the (sku, status, id) index', async () => {
    expect(await plansOf('catalogue', () => listCatalogue(db))).toContain('CardKey_sku_status_id_idx');
  });

  it('every reconciliation query uses an index (and finds nothing to repair in a settled history)', async () => {
    const deps = { db, clock: () => now, logger: createLogger('plans', 'silent'), channels: new Map(), orders: {} } as unknown as ActivityDeps;
    const activities = createReconciliationActivities(deps);
    const thresholds: ReconcileThresholds = { createdGraceMs: 60_000, deliverySlaMs: 120_000, pageSize: 100, rejectedRetentionMs: 30 * day };
    for (const step of DATABASE_STEPS) {
      let result: { findings: unknown[] } | undefined;
      await plansOf(step, async () => (result = await activities[step](thresholds)));
      expect({ step, findings: result!.findings }).toEqual({ step, findings: [] });
    }
  });

  it('the delivery emails still owed (the deferred sender, the late-email gauge) are read through partial indexes, in a mail outage too', async () => {
    // A mail outage: none of the last week's deliveries has had its email.
    const weekAgo = new Date(now.getTime() - 7 * day);
    await admin.query(`UPDATE "Order" SET "emailedAt" = NULL WHERE "status" = 'DELIVERED' AND "deliveredAt" > $1`, [weekAgo]);
    await admin.query('ANALYZE "Order"');
    try {
      let owed = 0;
      const indexes = await plansOf('delivery emails owed', async () => {
        owed = await countDeliveryEmailsOwed(db, { after: weekAgo, before: now });
        await deliveryEmailsOwed(db, { after: weekAgo, before: now, limit: 200 });
      });
      expect(owed).toBeGreaterThan(100);
      expect(indexes).toEqual(expect.arrayContaining(['Order_delivered_unemailed', 'OrderEvent_email_address']));
    } finally {
      await admin.query(`UPDATE "Order" SET "emailedAt" = "deliveredAt" WHERE "status" = 'DELIVERED' AND "emailedAt" IS NULL AND "deliveredAt" > $1`, [
        weekAgo,
      ]);
    }
  });

  it.each([
    ['by email', { email: 'old17@example.com', limit: 50 }, 'OrderArchive_email_'],
    ['by status', { status: 'REFUNDED' as const, limit: 50 }, 'OrderArchive_status_createdAt_idx'],
    ['by SKU', { sku: 'old-3', limit: 50 }, undefined],
    ['by date', { from: new Date(now.getTime() - 500 * day), to: new Date(now.getTime() - 499 * day), limit: 50 }, 'OrderArchive_createdAt_orderNo_idx'],
    ['the next page', { limit: 50, cursor: 'A000000020000' }, 'OrderArchive_createdAt_orderNo_idx'],
  ])('staff search %s reaches archived orders through an index', async (what, query, index) => {
    const indexes = await plansOf(`archive search ${what}`, () => searchOrders(db, query));
    if (index) expect(indexes.filter((name) => name.startsWith(index))).not.toEqual([]);
    const found = await searchOrders(db, query);
    expect(found.orders.length).toBeGreaterThan(0);
  });

  // Last: it moves rows out of the set the tests above read.
  it('archiving picks its batch by date and moves each order by key', async () => {
    const archive = createArchiveActivities({ db, clock: () => now });
    let moved = 0;
    const indexes = await plansOf('archive', async () => (moved = (await archive.archiveSettledOrders({ olderThanMs: 90 * day, batchSize: 200 })).archived));
    expect(moved).toBe(200);
    expect(indexes).toContain('Order_createdAt_orderNo_idx');
    expect(await db.orderArchive.count()).toBe(200 + ARCHIVED);
  });
});
