import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createDb, type Db } from '../../src/db/client';
import { ensureDatabase } from '../../src/db/database';
import { migrate } from '../../src/db/migrator';
import { MIGRATIONS_DIR } from '../../src/paths';
import { startReadSide, type ReadSide } from '../../src/api/read-side';
import { loadBuyerOrderView } from '../../src/api/order-view';
import { CardKeyCipher } from '../../src/crypto/card-key-cipher';
import { registry } from '../../src/observability/metrics';
import { createLogger } from '../../src/logging';
import { createPrivatePostgres, createStreamingReplica, type PrivatePostgres } from '../../src/dev/private-postgres';
import { freePort } from '../../src/dev/launcher/free-port';
import { testConfig, uniqueSku } from '../support/config';

// The read side against real parts: Postgres announcing changes (LISTEN/NOTIFY), Redis as the shared
// level, and a streaming replica made with pg_basebackup on a private cluster.

const logger = createLogger('read-side-test', 'silent');
const REDIS_URL = 'redis://127.0.0.1:6379';

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

async function placeOrder(db: Db, status: 'AWAITING_PAYMENT' | 'PAID' = 'AWAITING_PAYMENT'): Promise<string> {
  const sku = uniqueSku('read');
  await db.sku.create({ data: { sku, name: 'Read test key', priceCents: 500, currency: 'CNY' } });
  const orderNo = `KF${randomBytes(6).toString('hex').toUpperCase()}`;
  await db.order.create({
    data: {
      orderNo,
      sku,
      quantity: 1,
      unitPriceCents: 500,
      amountCents: 500,
      currency: 'CNY',
      email: 'buyer@example.com',
      channel: 'epay',
      status,
      payUrl: 'https://pay.example/1',
      expiresAt: new Date(Date.now() + 600_000),
    },
  });
  // The insert announces itself after commit; let that land, so it does not drop what a test caches next.
  await new Promise((r) => setTimeout(r, 300));
  return orderNo;
}

describe('read cache (local and Redis) with invalidation from Postgres', () => {
  const prefix = `kf-test-${randomBytes(4).toString('hex')}`;
  const config = testConfig({ REDIS_URL, REDIS_KEY_PREFIX: prefix });
  let db: Db;
  let reads: ReadSide;
  let redis: Redis;
  beforeAll(async () => {
    db = createDb(config.databaseUrl, { max: 4 });
    redis = new Redis(REDIS_URL, { keyPrefix: `${prefix}:` });
    reads = await startReadSide(config, db, logger);
  });
  afterAll(async () => {
    await reads?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys.map((k) => k.slice(prefix.length + 1)));
    redis.disconnect();
    await db?.$disconnect();
  });

  it('serves a repeated read from memory, shares it through Redis, and drops both when the order changes', async () => {
    const orderNo = await placeOrder(db);
    const missesBefore = await counter('keyflow_read_cache_total', { cache: 'order-view', result: 'miss' });
    const hitsBefore = await counter('keyflow_read_cache_total', { cache: 'order-view', result: 'hit' });
    expect((await reads.orderSnapshot(orderNo))?.view.status).toBe('AWAITING_PAYMENT');
    expect((await reads.orderSnapshot(orderNo))?.view.status).toBe('AWAITING_PAYMENT');
    expect(await counter('keyflow_read_cache_total', { cache: 'order-view', result: 'miss' })).toBe(missesBefore + 1);
    expect(await counter('keyflow_read_cache_total', { cache: 'order-view', result: 'hit' })).toBe(hitsBefore + 1);
    expect(JSON.parse((await redis.get(`order-view:${orderNo}`))!)).toMatchObject({ view: { orderNo, status: 'AWAITING_PAYMENT' } });

    // A change made outside this process (as a workflow's activity makes it) reaches both levels.
    await db.order.update({ where: { orderNo }, data: { status: 'PAID', paidAt: new Date() } });
    await until('the cached view to follow the change', async () => (await reads.orderSnapshot(orderNo))?.view.status === 'PAID', 2_000);
    expect(JSON.parse((await redis.get(`order-view:${orderNo}`)) ?? '{}')).not.toMatchObject({ view: { status: 'AWAITING_PAYMENT' } });
  });

  it('a second process finds the view in Redis, and a new order event drops it there too', async () => {
    // Started first: a process starting (or its change feed reconnecting) empties the shared level, whose entries may have missed changes.
    const other = await startReadSide(config, db, logger);
    const orderNo = await placeOrder(db);
    await reads.orderSnapshot(orderNo);
    try {
      const sharedBefore = await counter('keyflow_read_cache_total', { cache: 'order-view', result: 'shared' });
      expect((await other.orderSnapshot(orderNo))?.view.orderNo).toBe(orderNo);
      expect(await counter('keyflow_read_cache_total', { cache: 'order-view', result: 'shared' })).toBe(sharedBefore + 1);
      await db.orderEvent.create({ data: { orderNo, type: 'PAID', actor: 'test' } });
      await until('Redis to forget the view', async () => (await redis.exists(`order-view:${orderNo}`)) === 0, 2_000);
      await until('both processes to show the event', async () => {
        const [a, b] = await Promise.all([reads.orderSnapshot(orderNo), other.orderSnapshot(orderNo)]);
        return a!.view.timeline.length === 1 && b!.view.timeline.length === 1;
      });
    } finally {
      await other.close();
    }
  });

  it('never puts card keys in a cache: they are read from Postgres for each view', async () => {
    const orderNo = await placeOrder(db, 'PAID');
    const cipher = new CardKeyCipher(config.cardKeyEncryptionKey);
    const order = await db.order.findUniqueOrThrow({ where: { orderNo } });
    const secret = `SECRET-${randomBytes(6).toString('hex')}`;
    await db.cardKey.create({ data: { sku: order.sku, secret: cipher.encrypt(secret), fingerprint: secret, status: 'SOLD', orderNo, soldAt: new Date() } });
    await db.order.update({ where: { orderNo }, data: { status: 'DELIVERED', deliveredAt: new Date() } });
    const view = await until('the delivered view', async () => {
      const v = await loadBuyerOrderView(reads.orderSnapshot, db, cipher, orderNo, () => true);
      return v?.status === 'DELIVERED' && v;
    });
    expect(view.cardKeys).toEqual([secret]);
    await loadBuyerOrderView(reads.orderSnapshot, db, cipher, orderNo, () => true);
    const stored = (await redis.get(`order-view:${orderNo}`))!;
    expect(stored).toContain('DELIVERED');
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain('cardKeys');
    // A key voided after delivery is gone from the next view although the order row did not change.
    await db.cardKey.updateMany({ where: { orderNo }, data: { status: 'VOID', voidedAt: new Date() } });
    expect((await loadBuyerOrderView(reads.orderSnapshot, db, cipher, orderNo, () => true))?.cardKeys).toEqual([]);
  });

  it('reissuing a link takes effect in the cache: the old token version no longer matches', async () => {
    const orderNo = await placeOrder(db);
    expect((await reads.orderSnapshot(orderNo))?.tokenVersion).toBe(0);
    await db.order.update({ where: { orderNo }, data: { tokenVersion: { increment: 1 } } });
    await until('the new token version', async () => (await reads.orderSnapshot(orderNo))?.tokenVersion === 1, 2_000);
  });

  it('keeps the catalogue until stock changes, then counts again', async () => {
    const sku = uniqueSku('cat');
    await db.sku.create({ data: { sku, name: 'Catalogue key', priceCents: 100, currency: 'CNY' } });
    const available = async () => (await reads.catalogue(sku))[0]?.available;
    await until('the new SKU in the catalogue', async () => (await available()) === 0, 2_000);
    await db.cardKey.create({ data: { sku, secret: 'x', fingerprint: `fp-${sku}` } });
    await until('the imported key to count', async () => (await available()) === 1, 2_000);
  });

  it('bypasses the cache while the change feed is down, and uses it again once it is back', async () => {
    const orderNo = await placeOrder(db);
    await reads.orderSnapshot(orderNo);
    const admin = new pg.Client({ connectionString: config.databaseUrl });
    await admin.connect();
    try {
      const bypassBefore = await counter('keyflow_read_cache_total', { cache: 'order-view', result: 'bypass' });
      const { rowCount } = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN keyflow_order_changed%'`,
      );
      expect(rowCount).toBeGreaterThanOrEqual(1);
      // While nobody hears changes, a change is still seen at once: the read goes to the database.
      await until('the feed to notice', async () => {
        await reads.orderSnapshot(orderNo);
        return (await counter('keyflow_read_cache_total', { cache: 'order-view', result: 'bypass' })) > bypassBefore;
      });
      await admin.query(`UPDATE "Order" SET "status" = 'PAID' WHERE "orderNo" = $1`, [orderNo]);
      expect((await reads.orderSnapshot(orderNo))?.view.status).toBe('PAID');
      await until('the feed to reconnect and the cache to serve again', async () => {
        const hits = await counter('keyflow_read_cache_total', { cache: 'order-view', result: 'hit' });
        await reads.orderSnapshot(orderNo);
        await reads.orderSnapshot(orderNo);
        return (await counter('keyflow_read_cache_total', { cache: 'order-view', result: 'hit' })) > hits;
      });
      expect((await reads.orderSnapshot(orderNo))?.view.status).toBe('PAID');
    } finally {
      await admin.end();
    }
  });

  it('empties the shared level when a process starts hearing changes, since it cannot know what changed before', async () => {
    const orderNo = await placeOrder(db);
    await reads.orderSnapshot(orderNo);
    expect(await redis.exists(`order-view:${orderNo}`)).toBe(1);
    const other = await startReadSide(config, db, logger);
    await other.close();
    expect(await redis.exists(`order-view:${orderNo}`)).toBe(0);
  });

  it('stops start-up with what to do when REDIS_URL names a server that is not there', async () => {
    const port = await freePort();
    await expect(startReadSide(testConfig({ REDIS_URL: `redis://127.0.0.1:${port}` }), db, logger)).rejects.toThrow(
      new RegExp(`Redis is not reachable at 127.0.0.1:${port}[\\s\\S]*unset REDIS_URL`),
    );
  });
});

describe('read replicas (a streaming replica of a private cluster)', () => {
  let primary: PrivatePostgres | undefined;
  let replica: PrivatePostgres | undefined;
  let db: Db;
  let reads: ReadSide;
  let replicaAdmin: pg.Client;
  const inRecovery = (d: Db) => d.$queryRaw<Array<{ r: boolean }>>`SELECT pg_is_in_recovery() AS r`.then(([row]) => row.r);

  beforeAll(async () => {
    const primaryPort = await freePort();
    primary = createPrivatePostgres(primaryPort);
    const url = primary.url('keyflow');
    await ensureDatabase(url);
    await migrate(url, MIGRATIONS_DIR);
    const replicaPort = await freePort();
    replica = createStreamingReplica(primaryPort, replicaPort);
    replicaAdmin = new pg.Client({ connectionString: replica.url('keyflow') });
    await replicaAdmin.connect();
    db = createDb(url, { max: 4 });
    reads = await startReadSide(testConfig({ DATABASE_URL: url, DATABASE_REPLICA_URLS: replica.url('keyflow'), REPLICA_MAX_LAG: '3s' }), db, logger);
  }, 120_000);
  afterAll(async () => {
    await reads?.close();
    await replicaAdmin?.end().catch(() => undefined);
    await db?.$disconnect();
    replica?.remove();
    primary?.remove();
  });

  it('sends staff lists to the replica', async () => {
    const routed = await counter('keyflow_read_route_total', { target: 'replica' });
    expect(await until('a caught-up replica', () => reads.list(inRecovery))).toBe(true);
    expect(await counter('keyflow_read_route_total', { target: 'replica' })).toBeGreaterThan(routed);
  });

  it('reads an order the replica has not replayed yet from the primary, and from the replica once it has', async () => {
    const orderNo = await placeOrder(db);
    await until('the order on the replica', async () => (await reads.orderSnapshot(orderNo)) !== null);
    await replicaAdmin.query('SELECT pg_wal_replay_pause()');
    try {
      const lagging = await counter('keyflow_read_route_total', { target: 'primary-lagging' });
      await db.order.update({ where: { orderNo }, data: { status: 'PAID', paidAt: new Date() } });
      // The replica still shows the old status, but no reader is given it.
      const { rows } = await replicaAdmin.query('SELECT status FROM "Order" WHERE "orderNo" = $1', [orderNo]);
      expect(rows[0].status).toBe('AWAITING_PAYMENT');
      await until('the status the buyer is shown to follow', async () => (await reads.orderSnapshot(orderNo))?.view.status === 'PAID', 2_000);
      expect(await counter('keyflow_read_route_total', { target: 'primary-lagging' })).toBeGreaterThan(lagging);
      // Lists may be a moment old, but not more than REPLICA_MAX_LAG: past it they go to the primary too.
      await new Promise((r) => setTimeout(r, 3_500));
      expect(await reads.list(inRecovery)).toBe(false);
    } finally {
      await replicaAdmin.query('SELECT pg_wal_replay_resume()');
    }
    expect(await until('lists back on the replica', () => reads.list(inRecovery))).toBe(true);
  });

  it('falls back to the primary when the replica is down', async () => {
    await replicaAdmin.end();
    replica!.stop();
    const orderNo = await placeOrder(db);
    expect(await reads.list(inRecovery)).toBe(false);
    expect((await reads.orderSnapshot(orderNo))?.view.orderNo).toBe(orderNo);
  });
});
