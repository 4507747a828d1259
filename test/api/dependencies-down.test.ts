import { startApiServer, type RunningApi } from '../../src/api/server';
import { createOrderWorker } from '../../src/worker/worker';
import { DependencyError } from '../../src/db/errors';
import { startTemporalDevServer, type DevServer } from '../../src/dev/launcher/temporal-dev-server';
import { createDb, type Db } from '../../src/db/client';
import { CardKeyCipher } from '../../src/crypto/card-key-cipher';
import { importKeys } from '../../src/stock/import-keys';
import { CardKeyMismatchError } from '../../src/crypto/verify-card-key';
import { freePort } from '../../src/dev/launcher/free-port';
import { testConfig, uniqueSku } from '../support/config';
import { paidNotification } from '../support/epay-recipe';
import { request, waitFor } from '../support/stack';

describe('when a dependency is down', () => {
  it('start-up names Temporal, its address and what to do', async () => {
    const port = await freePort();
    const config = testConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    const error = await startApiServer(config).catch((e) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toContain(`Temporal is not reachable at 127.0.0.1:${port}`);
    expect(error.message).toContain('npm start');
    const workerError = await createOrderWorker(config).catch((e) => e);
    expect(workerError).toBeInstanceOf(DependencyError);
    expect(workerError.message).toContain('Temporal is not reachable');
  });

  it('start-up names Postgres, its address and what to do, without the password', async () => {
    const port = await freePort();
    const config = testConfig({ DATABASE_URL: `postgresql://postgres:hunter2@127.0.0.1:${port}/keyflow` });
    const error = await startApiServer(config).catch((e) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toContain(`Postgres is not reachable at 127.0.0.1:${port}/keyflow`);
    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).not.toContain('hunter2');
  });

  it('start-up says when the server is there but the database is not, and how to create it', async () => {
    const url = new URL(testConfig().databaseUrl);
    url.pathname = '/keyflow_never_created';
    const error = await startApiServer(testConfig({ DATABASE_URL: url.toString() })).catch((e) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toContain('database "keyflow_never_created" does not exist');
    expect(error.message).toContain('npm run db:migrate');
  });

  it('start-up refuses a card-key encryption key that cannot read the stock already stored', async () => {
    const config = testConfig();
    const db = createDb(config.databaseUrl, { max: 1 });
    const sku = uniqueSku('keycheck');
    await db.sku.create({ data: { sku, name: 'Key check', priceCents: 100, currency: 'CNY' } });
    await importKeys(db, new CardKeyCipher(config.cardKeyEncryptionKey), sku, 'KEYCHECK-1');
    await db.$disconnect();
    const error = await startApiServer(testConfig({ CARD_KEY_ENCRYPTION_KEY: '99'.repeat(32) })).catch((e) => e);
    expect(error).toBeInstanceOf(CardKeyMismatchError);
    expect(error.message).toContain('cannot decrypt the card keys already stored');
    expect(error.message).toContain('.keyflow/local-secrets.json');
  });

  describe('Temporal going away while the API runs', () => {
    let temporal: DevServer;
    let api: RunningApi;
    let db: Db;
    let ports: { port: number; uiPort: number };
    const sku = uniqueSku('down');

    beforeAll(async () => {
      ports = { port: await freePort(), uiPort: await freePort() };
      temporal = await startTemporalDevServer({ host: '127.0.0.1', ...ports, namespace: 'default' });
      const config = testConfig({ TEMPORAL_ADDRESS: temporal.address });
      api = await startApiServer(config);
      db = createDb(config.databaseUrl, { max: 2 });
      await db.sku.create({ data: { sku, name: 'Down', priceCents: 1000, currency: 'CNY' } });
      await importKeys(db, new CardKeyCipher(config.cardKeyEncryptionKey), sku, 'DOWN-1\nDOWN-2');
      await temporal.stop();
    });
    afterAll(async () => {
      await api.close();
      await db.$disconnect();
      await temporal.stop();
    });

    it('answers 503 for a new order, hands out no pay URL, and marks the order FAILED', async () => {
      const response = await request('POST', `${api.url}/api/orders`, { json: { sku, quantity: 1, email: 'down@example.com', channel: 'epay' } });
      expect(response.status).toBe(503);
      expect(response.body.error).toBe('unavailable');
      expect(response.body.payUrl).toBeUndefined();
      expect(response.headers.get('retry-after')).toBe('5');
      const order = await db.order.findFirstOrThrow({ where: { email: 'down@example.com' } });
      expect(order).toMatchObject({ status: 'FAILED', payUrl: null });
    });

    it('still stores and acknowledges a verified callback, to be relayed later', async () => {
      const order = await db.order.create({
        data: {
          orderNo: `DOWN${Date.now()}`,
          sku,
          quantity: 1,
          unitPriceCents: 1000,
          amountCents: 1000,
          currency: 'CNY',
          email: 'd@example.com',
          channel: 'epay',
          status: 'AWAITING_PAYMENT',
          expiresAt: new Date(Date.now() + 60_000),
        },
      });
      const fields = paidNotification(order.orderNo, 'T-DOWN-1', '10.00');
      const response = await request('GET', `${api.url}/api/payments/epay/notify?${new URLSearchParams(fields)}`);
      expect(response.status).toBe(200);
      expect(response.text).toBe('success');
      // The answer does not wait out the signal's deadline; the failure is recorded when it comes.
      const row = await waitFor(
        () => db.paymentNotification.findFirst({ where: { verifiedEventKey: 'T-DOWN-1', signalError: { not: null } } }),
        'the signal error on the inbox row',
      );
      // Not signalledAt: suites share the database, and another suite's reconciliation relay may
      // already have picked this row up (that is its job); the API's own attempt failed and said so.
      expect(row.signalError).toMatch(/\S/);
    });

    it('reports not ready', async () => {
      const response = await request('GET', `${api.url}/readyz`);
      expect(response.status).toBe(503);
      expect(response.body.checks.database).toBe('ok');
      expect(response.body.checks.temporal).toMatch(/^down/);
    });

    // Last: it brings Temporal back.
    it('starts a failed order again when the buyer retries with the same Idempotency-Key, once Temporal is back', async () => {
      const place = () =>
        request('POST', `${api.url}/api/orders`, {
          json: { sku, quantity: 1, email: 'retry@example.com', channel: 'epay' },
          headers: { 'Idempotency-Key': 'down-retry-1' },
        });
      const refused = await place();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      const failed = await db.order.findUniqueOrThrow({ where: { email_idempotencyKey: { email: 'retry@example.com', idempotencyKey: 'down-retry-1' } } });
      expect(failed).toMatchObject({ status: 'FAILED', payUrl: null });

      temporal = await startTemporalDevServer({ host: '127.0.0.1', ...ports, namespace: 'default' });
      // As a buyer following Retry-After would: the API's connection needs a moment to find Temporal again.
      const placed = await waitFor(
        async () => {
          const response = await place();
          return response.status === 201 ? response : undefined;
        },
        'a 201 for the retried order',
        60_000,
      );
      expect(placed.body).toMatchObject({ orderNo: failed.orderNo, status: 'AWAITING_PAYMENT', payUrl: expect.stringContaining(failed.orderNo) });
      const order = await db.order.findUniqueOrThrow({ where: { orderNo: failed.orderNo } });
      expect(order).toMatchObject({ status: 'AWAITING_PAYMENT', statusReason: null, payUrl: placed.body.payUrl, workflowId: `order-${failed.orderNo}` });
      const events = await db.orderEvent.findMany({ where: { orderNo: failed.orderNo }, orderBy: { id: 'asc' } });
      expect(events.map((e) => e.type).slice(-2)).toEqual(['RESTARTED', 'PAYMENT_REQUESTED']);
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['CREATED', 'FAILED']));

      // The same key again: the same order and pay URL, no new start.
      const again = await place();
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ orderNo: failed.orderNo, payUrl: placed.body.payUrl });
      expect(await db.orderEvent.count({ where: { orderNo: failed.orderNo } })).toBe(events.length);
    }, 90_000);
  });
});
