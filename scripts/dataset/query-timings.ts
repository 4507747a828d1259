// How long the queries buyers, staff and reconciliation run often take on a generated history.
import type { Db } from '../../src/db/client';
import { searchOrders } from '../../src/orders/order-search';
import { shopSummary } from '../../src/orders/shop-summary';
import { loadOrderSnapshot } from '../../src/api/order-view';
import { createReconciliationActivities, DATABASE_STEPS, type ReconcileThresholds } from '../../src/activities/reconciliation';
import type { ActivityDeps } from '../../src/activities/deps';
import { createLogger } from '../../src/logging';
import { DeferredEmailSender } from '../../src/degrade/deferred-emails';
import { countDeliveryEmailsOwed, DELIVERY_EMAIL_HORIZON_MS } from '../../src/db/delivery-email-owed';
import type { Config } from '../../src/config';
import type { Client } from '@temporalio/client';

export interface QueryTiming {
  name: string;
  p50: number;
  p99: number;
  max: number;
}

const DAY = 86_400_000;

/**
 * Each query `runs` times with varied arguments (orders, buyers, statuses and days of the generated
 * set), one at a time. `archived`: how many of the oldest orders were moved to the archive; the
 * order page and the lookup are then timed for a hot order and for an archived one apart.
 */
export async function timeQueries(db: Db, { runs, orders, archived = 0 }: { runs: number; orders: number; archived?: number }): Promise<QueryTiming[]> {
  const now = new Date();
  const pick = (n: number) => Math.floor(Math.random() * n);
  // Generated order numbers count up with time, so the archived ones are the lowest.
  const orderNo = (from = 0, to = orders) => `G${String(from + pick(to - from)).padStart(12, '0')}`;
  const hotOrderNo = () => orderNo(archived);
  const archivedOrderNo = () => orderNo(0, archived);
  const email = () => `buyer${pick(Math.max(Math.floor(orders / 4), 1))}@example.com`;
  const statuses = ['DELIVERED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'FAILED', 'AWAITING_PAYMENT'] as const;
  const reconciliation = createReconciliationActivities({
    db,
    clock: () => now,
    logger: createLogger('query-timings', 'silent'),
    channels: new Map(),
    orders: {},
  } as unknown as ActivityDeps);
  // Every generated delivery has its email out, so the sender never asks Temporal about open runs.
  const sender = () =>
    new DeferredEmailSender({
      db,
      temporal: {} as Client,
      config: {} as Config,
      clock: () => now,
      logger: createLogger('query-timings', 'silent'),
      intervalMs: 0,
    });
  const thresholds: ReconcileThresholds = { createdGraceMs: 60_000, deliverySlaMs: 120_000, pageSize: 100, rejectedRetentionMs: 30 * DAY };
  /** The buyer's order page and lookup, for an order `someOrderNo` picks; `kind` names which in the report. */
  const buyerQueries = (kind: string, someOrderNo: () => string): Array<[string, () => Promise<unknown>]> => [
    [
      `buyer: order page (view, timeline, keys)${kind}`,
      async () => {
        const no = someOrderNo();
        await loadOrderSnapshot(db, no);
        await db.cardKey.findMany({ where: { orderNo: no, status: 'SOLD' }, select: { secret: true } });
      },
    ],
    // What requestOrderLink reads: the hot row, else the archived one.
    [
      `buyer: lookup by order number and email${kind}`,
      async () => {
        const no = someOrderNo();
        return (
          (await db.order.findUnique({ where: { orderNo: no }, select: { email: true, status: true } })) ??
          db.orderArchive.findUnique({ where: { orderNo: no }, select: { email: true, status: true } })
        );
      },
    ],
  ];
  const queries: Array<[string, () => Promise<unknown>]> = [
    ...buyerQueries('', hotOrderNo),
    ...(archived > 0 ? buyerQueries(', archived', archivedOrderNo) : []),
    ['staff: search by email', () => searchOrders(db, { email: email(), limit: 50 })],
    ['staff: search by status', () => searchOrders(db, { status: statuses[pick(statuses.length)], limit: 50 })],
    [
      'staff: search by date (one day)',
      () => {
        const from = new Date(now.getTime() - (1 + pick(700)) * DAY);
        return searchOrders(db, { from, to: new Date(from.getTime() + DAY), limit: 50 });
      },
    ],
    ['staff: newest orders', () => searchOrders(db, { limit: 50 })],
    ["console: today's dashboard", () => shopSummary(db, now)],
    ['worker: deferred-email step (a week back)', () => sender().step()],
    [
      'metrics: late delivery emails (a week back)',
      () => countDeliveryEmailsOwed(db, { after: new Date(now.getTime() - DELIVERY_EMAIL_HORIZON_MS), before: new Date(now.getTime() - 5 * 60_000) }),
    ],
    ...DATABASE_STEPS.map((step): [string, () => Promise<unknown>] => [`reconciliation: ${step}`, () => reconciliation[step](thresholds)]),
  ];
  const timings: QueryTiming[] = [];
  for (const [name, run] of queries) {
    await run(); // the first run reads the pages in; the figures are for a warm cache
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await run();
      ms.push(performance.now() - started);
    }
    ms.sort((a, b) => a - b);
    const at = (q: number) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)];
    timings.push({ name, p50: at(0.5), p99: at(0.99), max: ms[ms.length - 1] });
  }
  return timings;
}
