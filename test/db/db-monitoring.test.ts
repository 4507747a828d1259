import pg from 'pg';
import { createDb, type Db } from '../../src/db/client';
import { registerDbGauges } from '../../src/observability/db-gauges';
import { registry } from '../../src/observability/metrics';
import { formatDatabaseReport, readDatabaseReport } from '../../src/db/report';
import { countSlowStatements } from '../../src/db/statement-stats';
import { ensureDatabase } from '../../src/db/database';
import { createPrivatePostgres, type PrivatePostgres } from '../../src/dev/private-postgres';
import { freePort } from '../../src/dev/launcher/free-port';

async function gauge(name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values[0].value;
}

describe('database monitoring on a real Postgres', () => {
  let db: Db;
  beforeAll(async () => {
    db = createDb(process.env.DATABASE_URL!, { max: 2 });
    await db.sku.create({ data: { sku: 'locked', name: 'Locked', priceCents: 100, currency: 'CNY' } });
    registerDbGauges(db);
  });
  afterAll(() => db.$disconnect());

  it('shows a session waiting for a lock, and for how long, while it waits', async () => {
    expect(await gauge('keyflow_db_lock_waiting_sessions')).toBe(0);
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    const waiter = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    await waiter.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`UPDATE "Sku" SET name = 'held' WHERE sku = 'locked'`);
      const waiting = waiter.query(`UPDATE "Sku" SET name = 'waited' WHERE sku = 'locked'`);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await gauge('keyflow_db_lock_waiting_sessions')).toBe(1);
      expect(await gauge('keyflow_db_longest_lock_wait_seconds')).toBeGreaterThanOrEqual(1);
      expect(await gauge('keyflow_db_longest_statement_seconds')).toBeGreaterThanOrEqual(1);
      await holder.query('COMMIT');
      await waiting;
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await gauge('keyflow_db_lock_waiting_sessions')).toBe(0);
      expect(await gauge('keyflow_db_longest_lock_wait_seconds')).toBe(0);
    } finally {
      await holder.end();
      await waiter.end();
    }
  });

  it('reports table sizes, indexes never scanned, and why top statements need pg_stat_statements', async () => {
    const report = await readDatabaseReport(db);
    expect(report.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['Order', 'CardKey', 'PaymentNotification']));
    expect(report.tables.find((t) => t.name === 'Sku')!.bytes).toBeGreaterThan(0);
    // A fresh copy of the template: its non-unique indexes have not been scanned; unique ones never appear.
    expect(report.unusedIndexes.map((i) => i.name)).toContain('Order_status_createdAt_idx');
    expect(report.unusedIndexes.map((i) => i.name)).not.toContain('Order_pkey');
    const text = formatDatabaseReport(report);
    expect(text).toMatch(/^ {2}Order +\d+ KiB {2}\d+ rows$/m);
    // The machine's shared server does not preload it; the report says what to do instead of failing.
    expect(report.topStatements).toEqual({ unavailable: expect.stringContaining('shared_preload_libraries') });
    expect(text).toContain('CREATE EXTENSION pg_stat_statements');
    // And the slow-statement gauge is absent rather than a misleading 0.
    expect((await registry.getSingleMetric('keyflow_db_slow_statements')!.get()).values).toEqual([]);
  });
});

describe('with pg_stat_statements (a private cluster that preloads it)', () => {
  let cluster: PrivatePostgres | undefined;
  let db: Db;
  beforeAll(async () => {
    cluster = createPrivatePostgres(await freePort(), { shared_preload_libraries: 'pg_stat_statements' });
    await ensureDatabase(cluster.url('keyflow'));
    db = createDb(cluster.url('keyflow'), { max: 1 });
    await db.$executeRaw`CREATE EXTENSION pg_stat_statements`;
  }, 60_000);
  afterAll(async () => {
    await db?.$disconnect();
    cluster?.remove();
  });

  it('counts the statements slow on average and puts the heaviest first in the report', async () => {
    const before = (await countSlowStatements(db))!;
    expect(before).toBeGreaterThanOrEqual(0);
    await db.$executeRaw`SELECT pg_sleep(0.3)`;
    expect(await countSlowStatements(db)).toBe(before + 1);
    const report = await readDatabaseReport(db, 3);
    if ('unavailable' in report.topStatements) throw new Error(report.topStatements.unavailable);
    expect(report.topStatements.find((s) => s.query.includes('pg_sleep'))).toMatchObject({ calls: 1, meanMs: expect.any(Number) });
    expect(report.topStatements.find((s) => s.query.includes('pg_sleep'))!.meanMs).toBeGreaterThanOrEqual(300);
    expect(formatDatabaseReport(report)).toMatch(/ms total .* 1 calls {2}SELECT pg_sleep\(\$1\)/);
  });
});
