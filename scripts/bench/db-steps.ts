// `npm run bench:steps`: what one delivered order costs the worker, activity by activity, with no
// Temporal in the way: SQL statements and CPU milliseconds per activity, on a fresh database and the
// local SMTP sink, for both delivery paths: one step (deliverPayment, then the email: every usable
// payment) and paid first (record the payment, then reserve and issue, then the email: a restock wait
// or a recovery); and before them, placing an order: its insert alone (STOCK_HOLDS=off) and under the
// SKU's lock, checked against the open orders (the default). Prints a table; the figures feed docs/performance.md. Compare rows of one run, not runs on
// different days.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDb } from '../../src/db/client';
import { dropDatabase, ensureDatabase } from '../../src/db/database';
import { migrate } from '../../src/db/migrator';
import { MIGRATIONS_DIR } from '../../src/paths';
import { createActivities } from '../../src/activities';
import { CardKeyCipher } from '../../src/crypto/card-key-cipher';
import { AccessTokens } from '../../src/crypto/access-token';
import { createSmtpMailer } from '../../src/mail/mailer';
import { createLogger } from '../../src/logging';
import { startSmtpSink } from '../../src/dev/sandbox/smtp-sink';
import type { ActivityDeps } from '../../src/activities';
import { insertOrder, insertOrderWithinStock, type NewOrder } from '../../src/orders/insert-order';

const { values: flags } = parseArgs({ options: { orders: { type: 'string', default: '300' } } });
const ORDERS = Number(flags.orders);

// Counts statements at the driver, whatever Prisma compiles them into.
let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements += 1;
  if (process.env.STEPS_LOG) console.log(String((args[0] as any)?.text ?? args[0]).slice(0, 160));
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

async function main() {
  const url = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/keyflow_steps_${randomBytes(3).toString('hex')}`;
  const databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl, MIGRATIONS_DIR);
  const sink = await startSmtpSink(0);
  const key = randomBytes(32);
  const db = createDb(databaseUrl);
  const deps = {
    db,
    cipher: new CardKeyCipher(key),
    accessTokens: new AccessTokens(key),
    mailer: createSmtpMailer(`smtp://127.0.0.1:${sink.port}`, 'shop@example.com'),
    channels: { get: () => undefined, all: () => [] },
    publicBaseUrl: 'http://127.0.0.1',
    clock: () => new Date(),
    logger: createLogger('steps', 'warn'),
  } as unknown as ActivityDeps;
  const acts = createActivities(deps);
  try {
    await db.sku.create({ data: { sku: 'steps', name: 'Step key', priceCents: 100, currency: 'CNY' } });
    await db.cardKey.createMany({
      data: Array.from({ length: ORDERS * 2 }, (_, i) => ({ sku: 'steps', secret: deps.cipher.encrypt(`K-${i}`), fingerprint: `f${i}` })),
    });
    const placement = await measurePlacement(db);
    const payment = (orderNo: string) => ({ channel: 'epay', tradeNo: `T-${orderNo}`, amountCents: 100, currency: 'CNY', source: 'callback' as const });
    const request = (orderNo: string) => ({ orderNo, sku: 'steps', quantity: 1, lowStockThreshold: 5 });
    // Each payment arrives as a stored, verified callback (the common case): delivery checks it against the inbox.
    const notificationIds = new Map<string, number>();
    const proof = (orderNo: string) => ({ kind: 'inbox' as const, notificationId: notificationIds.get(orderNo)! });
    type Step = (orderNo: string) => Promise<unknown>;
    const paths: Record<string, Record<string, Step>> = {
      'one step': {
        deliverPayment: (orderNo) => acts.deliverPayment({ ...request(orderNo), payment: payment(orderNo), proof: proof(orderNo) }),
        sendBuyerEmail: (orderNo) => acts.sendBuyerEmail({ orderNo, kind: 'delivery' }),
      },
      'paid first': {
        recordPayment: (orderNo) => acts.recordPayment({ orderNo, payment: payment(orderNo), proof: proof(orderNo) }),
        reserveAndIssue: (orderNo) => acts.reserveAndIssue(request(orderNo)),
        sendBuyerEmail: (orderNo) => acts.sendBuyerEmail({ orderNo, kind: 'delivery' }),
      },
    };
    const orderNos = Object.fromEntries(
      Object.keys(paths).map((name, p) => [name, Array.from({ length: ORDERS }, (_, i) => `STEP${p}${String(i).padStart(8, '0')}`)]),
    );
    await db.order.createMany({
      data: Object.values(orderNos)
        .flat()
        .map((orderNo) => ({
          orderNo,
          sku: 'steps',
          quantity: 1,
          unitPriceCents: 100,
          amountCents: 100,
          currency: 'CNY',
          email: 'b@example.com',
          channel: 'epay',
          status: 'AWAITING_PAYMENT' as const,
          expiresAt: new Date(Date.now() + 3_600_000),
        })),
    });

    const stored = await db.paymentNotification.createManyAndReturn({
      data: Object.values(orderNos)
        .flat()
        .map((orderNo) => ({
          channel: 'epay',
          eventKey: `T-${orderNo}`,
          verifiedEventKey: `T-${orderNo}`,
          verdict: 'VERIFIED' as const,
          paid: true,
          orderNo,
          tradeNo: `T-${orderNo}`,
          amountCents: 100,
          payload: { currency: 'CNY' },
        })),
      select: { id: true, orderNo: true },
    });
    for (const row of stored) notificationIds.set(row.orderNo!, row.id);

    // Orders of the two paths alternate, so a busy moment on the machine weighs on both alike.
    const totals = Object.fromEntries(
      Object.entries(paths).map(([path, steps]) => [path, Object.fromEntries(Object.keys(steps).map((s) => [s, { statements: 0, cpuMs: 0, wallMs: 0 }]))]),
    );
    for (let i = 0; i < ORDERS; i++) {
      for (const [path, steps] of Object.entries(paths)) {
        const orderNo = orderNos[path][i];
        for (const [name, step] of Object.entries(steps)) {
          const before = { statements, cpu: process.cpuUsage(), wall: performance.now() };
          await step(orderNo);
          const cpu = process.cpuUsage(before.cpu);
          const t = totals[path][name];
          t.statements += statements - before.statements;
          t.cpuMs += (cpu.user + cpu.system) / 1000;
          t.wallMs += performance.now() - before.wall;
        }
      }
    }
    const delivered = await db.order.count({ where: { status: 'DELIVERED', emailedAt: { not: null } } });
    if (delivered !== ORDERS * 2) throw new Error(`only ${delivered} of ${ORDERS * 2} orders were delivered and emailed`);
    console.log(`${ORDERS} orders placed both ways, delivered and emailed on each path; per order:`);
    console.log('placing:');
    console.log(`  ${'insert'.padEnd(24)}${'statements'.padStart(12)}${'CPU ms'.padStart(10)}${'wall ms'.padStart(10)}`);
    for (const [name, t] of Object.entries(placement)) row(name, t);
    for (const [path, steps] of Object.entries(totals)) {
      console.log(`${path}:`);
      console.log(`  ${'activity'.padEnd(24)}${'statements'.padStart(12)}${'CPU ms'.padStart(10)}${'wall ms'.padStart(10)}`);
      for (const [name, t] of Object.entries(steps)) row(name, t);
      row(
        'total',
        Object.values(steps).reduce((a, t) => ({ statements: a.statements + t.statements, cpuMs: a.cpuMs + t.cpuMs, wallMs: a.wallMs + t.wallMs })),
      );
    }
  } finally {
    deps.mailer.close();
    await db.$disconnect();
    await sink.close();
    await dropDatabase(databaseUrl);
  }
}

type Totals = { statements: number; cpuMs: number; wallMs: number };

function row(name: string, t: Totals): void {
  console.log(
    `  ${name.padEnd(24)}${(t.statements / ORDERS).toFixed(1).padStart(12)}${(t.cpuMs / ORDERS).toFixed(2).padStart(10)}${(t.wallMs / ORDERS).toFixed(2).padStart(10)}`,
  );
}

/** Orders inserted both ways, alternating, each way on its own SKU (the held ones see every open order before them, as in a sale). */
async function measurePlacement(db: ReturnType<typeof createDb>): Promise<Record<string, Totals>> {
  await db.sku.createMany({ data: ['place-plain', 'place-held'].map((sku) => ({ sku, name: 'Placed key', priceCents: 100, currency: 'CNY' })) });
  await db.cardKey.createMany({ data: Array.from({ length: ORDERS + 1 }, (_, i) => ({ sku: 'place-held', secret: `P-${i}`, fingerprint: `p${i}` })) });
  const order = (sku: string, i: number): NewOrder => {
    const now = new Date();
    return {
      ...{ orderNo: `PLACE${sku.at(-1)}${String(i).padStart(8, '0')}`, sku, skuName: 'Placed key', quantity: 1, unitPriceCents: 100, currency: 'CNY' },
      ...{ email: `b${i}@example.com`, channel: 'epay', payType: null, idempotencyKey: `${sku}-${i}`, requestHash: 'h', clientIp: '127.0.0.1' },
      ...{ expiresAt: new Date(now.getTime() + 3_600_000), createdAt: now, traceParent: null, locale: null, queryPasswordHash: null },
    };
  };
  const ways: Record<string, (i: number) => Promise<unknown>> = {
    insertOrder: (i) => insertOrder(db, order('place-plain', i)),
    insertOrderWithinStock: async (i) => {
      if (!(await insertOrderWithinStock(db, order('place-held', i)))) throw new Error(`order ${i} did not fit ${ORDERS + 1} keys`);
    },
  };
  const totals = Object.fromEntries(Object.keys(ways).map((name) => [name, { statements: 0, cpuMs: 0, wallMs: 0 }]));
  for (let i = 0; i < ORDERS; i++) {
    for (const [name, way] of Object.entries(ways)) {
      const before = { statements, cpu: process.cpuUsage(), wall: performance.now() };
      await way(i);
      const cpu = process.cpuUsage(before.cpu);
      totals[name].statements += statements - before.statements;
      totals[name].cpuMs += (cpu.user + cpu.system) / 1000;
      totals[name].wallMs += performance.now() - before.wall;
    }
  }
  return totals;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
