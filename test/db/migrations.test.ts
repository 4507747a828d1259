import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { createDb, type Db } from '../../src/db/client';
import { dropDatabase, ensureDatabase } from '../../src/db/database';
import { migrate, readMigrations } from '../../src/db/migrator';
import { MIGRATIONS_DIR, PROJECT_ROOT } from '../../src/paths';
import { Prisma } from '../../src/generated/prisma/client';

// A database of this file's own, so migrations run from empty.
const url = new URL(process.env.DATABASE_URL!);
url.pathname = `${url.pathname}_migrations`;
const databaseUrl = url.toString();

const schemaText = readFileSync(path.join(PROJECT_ROOT, 'prisma', 'schema.prisma'), 'utf8');

/** model → scalar field names and whether they are optional, read from schema.prisma itself. */
function schemaModels(): Map<string, Map<string, { optional: boolean; type: string }>> {
  const models = new Map<string, Map<string, { optional: boolean; type: string }>>();
  for (const match of schemaText.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const fields = new Map<string, { optional: boolean; type: string }>();
    for (const line of match[2].split('\n')) {
      const field = /^\s+(\w+)\s+(\w+)(\??)(\[\])?(\s|$)/.exec(line);
      if (!field || field[4] || line.includes('@relation')) continue;
      fields.set(field[1], { optional: field[3] === '?', type: field[2] });
    }
    models.set(match[1], fields);
  }
  return models;
}

function schemaEnums(): Map<string, string[]> {
  const enums = new Map<string, string[]>();
  for (const match of schemaText.matchAll(/^enum (\w+) \{([\s\S]*?)^\}/gm)) {
    enums.set(
      match[1],
      match[2]
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
  }
  return enums;
}

describe('migrations', () => {
  let pg: Client;
  beforeAll(async () => {
    await dropDatabase(databaseUrl);
    await ensureDatabase(databaseUrl);
    pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
  });
  afterAll(async () => {
    await pg.end();
    await dropDatabase(databaseUrl);
  });

  it('apply once under concurrency and are recorded the way Prisma records them', async () => {
    const results = await Promise.all([migrate(databaseUrl, MIGRATIONS_DIR), migrate(databaseUrl, MIGRATIONS_DIR), migrate(databaseUrl, MIGRATIONS_DIR)]);
    const files = readMigrations(MIGRATIONS_DIR);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(files.map((f) => f.name));
    const { rows } = await pg.query(
      'SELECT migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count, r.rolled_back_at])).toEqual(files.map((f) => [f.name, f.checksum, 1, null]));
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
    expect(await migrate(databaseUrl, MIGRATIONS_DIR)).toEqual({ applied: [], alreadyApplied: files.map((f) => f.name) });
  });

  it('create every table, column, nullability and enum that schema.prisma declares', async () => {
    const { rows: columns } = await pg.query<{ table_name: string; column_name: string; is_nullable: string }>(
      `SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const actual = new Map<string, Map<string, boolean>>();
    for (const c of columns) {
      if (!actual.has(c.table_name)) actual.set(c.table_name, new Map());
      actual.get(c.table_name)!.set(c.column_name, c.is_nullable === 'YES');
    }
    const models = schemaModels();
    expect(models.size).toBeGreaterThanOrEqual(7);
    for (const [model, fields] of models) {
      const table = actual.get(model);
      expect({ model, exists: Boolean(table) }).toEqual({ model, exists: true });
      for (const [field, { optional }] of fields) {
        expect({ model, field, nullable: table!.get(field) }).toEqual({ model, field, nullable: optional });
      }
      // Nothing in the table that the schema does not know about.
      expect([...table!.keys()].sort()).toEqual([...fields.keys()].sort());
    }
    const { rows: enumRows } = await pg.query<{ typname: string; labels: string[] }>(
      `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    const dbEnums = new Map(enumRows.map((r) => [r.typname, r.labels]));
    for (const [name, values] of schemaEnums()) expect({ name, values: dbEnums.get(name) }).toEqual({ name, values });
  });

  it('create the unique constraints and indexes that schema.prisma declares', async () => {
    const { rows } = await pg.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`);
    const names = new Set(rows.map((r) => r.indexname));
    for (const match of schemaText.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
      for (const index of match[2].matchAll(/@@(unique|index)\(\[([^\]]+)\]\)/g)) {
        const columns = index[2].split(',').map((c) => c.trim());
        const name = `${match[1]}_${columns.join('_')}_${index[1] === 'unique' ? 'key' : 'idx'}`;
        expect({ name, exists: names.has(name) }).toEqual({ name, exists: true });
      }
    }
  });

  describe('through the generated client', () => {
    let db: Db;
    beforeAll(() => {
      db = createDb(databaseUrl, { max: 2 });
    });
    afterAll(() => db.$disconnect());

    it('writes and reads every model and field', async () => {
      const now = new Date();
      await db.sku.create({ data: { sku: 'mig-sku', name: 'n', priceCents: 100, currency: 'CNY', active: false } });
      await db.order.create({
        data: {
          orderNo: 'MIGORDER1',
          sku: 'mig-sku',
          quantity: 1,
          unitPriceCents: 100,
          amountCents: 100,
          currency: 'CNY',
          email: 'a@b.co',
          channel: 'epay',
          payType: 'alipay',
          status: 'DELIVERED',
          statusReason: 'r',
          idempotencyKey: 'ik',
          requestHash: 'rh',
          payUrl: 'http://x',
          expiresAt: now,
          paidAt: now,
          deliveredAt: now,
          closedAt: now,
          emailedAt: now,
        },
      });
      await db.cardKey.create({ data: { sku: 'mig-sku', secret: 's', fingerprint: 'f', status: 'SOLD', orderNo: 'MIGORDER1', reservedAt: now, soldAt: now } });
      await db.payment.create({ data: { orderNo: 'MIGORDER1', channel: 'epay', tradeNo: 't1', amountCents: 100, currency: 'CNY', paidAt: now } });
      await db.paymentNotification.create({
        data: {
          channel: 'epay',
          eventKey: 'e',
          verifiedEventKey: 'e',
          verdict: 'VERIFIED',
          paid: true,
          reason: null,
          orderNo: 'MIGORDER1',
          tradeNo: 't1',
          amountCents: 100,
          payload: { a: 1 },
          signalledAt: now,
          signalError: 'x',
        },
      });
      await db.refund.create({
        data: { orderNo: 'MIGORDER1', idempotencyKey: 'rk', amountCents: 100, status: 'SUCCEEDED', reason: 'r', channelRefundNo: 'c' },
      });
      await db.orderEvent.create({ data: { orderNo: 'MIGORDER1', type: 'T', actor: 'alice', message: 'm', data: { k: 'v' } } });
      const order = await db.order.findUniqueOrThrow({
        where: { orderNo: 'MIGORDER1' },
        include: { payments: true, refunds: true, events: true, skuRef: true },
      });
      expect(await db.cardKey.findMany({ where: { orderNo: 'MIGORDER1' } })).toMatchObject([{ status: 'SOLD' }]);
      expect(order).toMatchObject({
        status: 'DELIVERED',
        skuRef: { active: false },
        payments: [{ tradeNo: 't1' }],
        refunds: [{ status: 'SUCCEEDED' }],
        events: [{ data: { k: 'v' } }],
      });
      expect(await db.paymentNotification.findFirstOrThrow({ where: { orderNo: 'MIGORDER1' } })).toMatchObject({ payload: { a: 1 }, paid: true });
    });

    it('lets a forged notification never occupy the real event key', async () => {
      for (let i = 0; i < 2; i++) {
        await db.paymentNotification.create({ data: { channel: 'epay', eventKey: 'REAL-1', verdict: 'REJECTED', payload: {} } });
      }
      await db.paymentNotification.create({ data: { channel: 'epay', eventKey: 'REAL-1', verifiedEventKey: 'REAL-1', verdict: 'VERIFIED', payload: {} } });
      await expect(
        db.paymentNotification.create({ data: { channel: 'epay', eventKey: 'REAL-1', verifiedEventKey: 'REAL-1', verdict: 'VERIFIED', payload: {} } }),
      ).rejects.toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    });

    it('make selling one key to two orders impossible in the database itself', async () => {
      await db.order.create({
        data: {
          orderNo: 'MIGORDER2',
          sku: 'mig-sku',
          quantity: 1,
          unitPriceCents: 100,
          amountCents: 100,
          currency: 'CNY',
          email: 'a@b.co',
          channel: 'epay',
          expiresAt: new Date(),
        },
      });
      const key = await db.cardKey.findFirstOrThrow({ where: { orderNo: 'MIGORDER1' } });
      await expect(pg.query(`UPDATE "CardKey" SET "orderNo" = 'MIGORDER2' WHERE id = $1`, [key.id])).rejects.toThrow(/sold to order MIGORDER1/);
      await expect(pg.query(`UPDATE "CardKey" SET status = 'AVAILABLE', "orderNo" = NULL WHERE id = $1`, [key.id])).rejects.toThrow(/cannot be reassigned/);
      await expect(pg.query(`INSERT INTO "CardKey" (sku, secret, fingerprint, status) VALUES ('mig-sku', 's', 'f2', 'SOLD')`)).rejects.toThrow(
        /CardKey_owner_matches_status/,
      );
      await expect(pg.query(`INSERT INTO "CardKey" (sku, secret, fingerprint) VALUES ('mig-sku', 's', 'f')`)).rejects.toThrow(/CardKey_sku_fingerprint_key/);
      await pg.query(`UPDATE "CardKey" SET status = 'VOID', "voidedAt" = now() WHERE id = $1`, [key.id]);
      await expect(pg.query(`UPDATE "CardKey" SET status = 'AVAILABLE', "orderNo" = NULL WHERE id = $1`, [key.id])).rejects.toThrow(/void/);
    });
  });

  it('refuse to run when an applied migration was edited', async () => {
    await pg.query(`UPDATE "_prisma_migrations" SET checksum = 'edited' WHERE migration_name = $1`, [readMigrations(MIGRATIONS_DIR)[0].name]);
    await expect(migrate(databaseUrl, MIGRATIONS_DIR)).rejects.toThrow(/edited after it was applied/);
  });
});
