import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { adminHeaders, createSkuWithKeys, placeOrder, request, startStack, waitFor, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { checkInvariants } from '../../src/invariants/check';
import { PROJECT_ROOT } from '../../src/paths';

describe('120 buyers racing for 30 keys', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Without stock holds every buyer gets an order and pays: the race is on the keys themselves.
    stack = await startStack({ env: { RESTOCK_WAIT: '0', MAX_QUANTITY: '1', STOCK_HOLDS: 'false' } });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('delivers exactly 30, refunds the other 90, and every invariant holds', async () => {
    const sku = uniqueSku('race');
    await createSkuWithKeys(
      stack,
      sku,
      Array.from({ length: 30 }, (_, i) => `RACE-${String(i).padStart(3, '0')}`),
    );
    const orders = [];
    // Forty at a time: as many buyers as keys and more are in flight together, on a machine that also runs the test.
    for (let batch = 0; batch < 3; batch++) {
      orders.push(...(await Promise.all(Array.from({ length: 40 }, (_, i) => placeOrder(stack, sku, 1, `racer${batch * 40 + i}@example.com`)))));
    }
    // Every buyer pays at once: open the pay page, then press Pay.
    await Promise.all(orders.map((o) => fetch(o.payUrl).then((r) => r.text())));
    await Promise.all(orders.map((o) => request('POST', `${stack.sandboxUrl}/api/trades/${o.orderNo}/pay`)));

    const settled = await waitFor(
      async () => {
        const groups = await stack.db.order.groupBy({ by: ['status'], where: { sku }, _count: { _all: true } });
        const counts = Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
        return (counts.DELIVERED ?? 0) + (counts.REFUNDED ?? 0) === 120 ? counts : undefined;
      },
      'all 120 orders to settle',
      150_000,
    );
    expect(settled).toEqual({ DELIVERED: 30, REFUNDED: 90 });
    expect(await stack.db.cardKey.count({ where: { sku, status: 'SOLD' } })).toBe(30);
    expect(await stack.db.refund.count({ where: { order: { sku }, status: 'SUCCEEDED' } })).toBe(90);
    expect(await checkInvariants(stack.db, { graceMs: 0 })).toEqual([]);
  }, 240_000);

  it('`npm run check:invariants` passes here and names the order when a rule breaks', async () => {
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      CARD_KEY_ENCRYPTION_KEY: '11'.repeat(32),
      PAYLOAD_ENCRYPTION_KEYS: `t=${'22'.repeat(32)}`,
      ADMIN_TOKEN: 'x'.repeat(16),
      EPAY_PID: '1',
      EPAY_KEY: 'y'.repeat(16),
    };
    const run = () => spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/invariants/main.ts')], { env, encoding: 'utf8' });
    const ok = run();
    expect({ status: ok.status, out: ok.stdout }).toEqual({ status: 0, out: expect.stringContaining('all invariants hold') });

    const delivered = await stack.db.order.findFirstOrThrow({ where: { status: 'DELIVERED' } });
    // Its keys sold, but the order never delivered and in review without a reason.
    await stack.db.order.update({ where: { orderNo: delivered.orderNo }, data: { status: 'NEEDS_REVIEW', statusReason: null, deliveredAt: null } });
    const broken = run();
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain(
      `every SOLD key belongs to a delivered order (DELIVERED, or delivered and now REFUNDING or NEEDS_REVIEW): order ${delivered.orderNo}`,
    );
    expect(broken.stdout).toContain(`NEEDS_REVIEW always says why: order ${delivered.orderNo}`);
    await stack.db.order.update({ where: { orderNo: delivered.orderNo }, data: { status: 'DELIVERED', deliveredAt: delivered.deliveredAt } });

    // A second payment kept on a delivered order, past the grace period: the money and the state disagree.
    await stack.db.order.update({ where: { orderNo: delivered.orderNo }, data: { updatedAt: new Date(Date.now() - 3_600_000) } });
    const extra = await stack.db.payment.create({
      data: { orderNo: delivered.orderNo, channel: 'epay', tradeNo: 'T-KEPT-TWICE', amountCents: delivered.amountCents, currency: 'CNY' },
    });
    const kept = run();
    expect(kept.status).toBe(1);
    expect(kept.stdout).toContain(`payments minus refunds agree with the order state: order ${delivered.orderNo}`);
    await stack.db.payment.delete({ where: { id: extra.id } });
    expect(run().status).toBe(0);
  });
});

describe('200 buyers for 50 keys with stock holds (the default)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { RESTOCK_WAIT: '0', MAX_QUANTITY: '1' } });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const attempt = (sku: string, email: string) => request('POST', `${stack.api.url}/api/orders`, { json: { sku, quantity: 1, email, channel: 'epay' } });

  it('takes 50 orders, refuses the other 150 before they pay (429 held, Retry-After), and refunds nobody', async () => {
    const sku = uniqueSku('held');
    await createSkuWithKeys(
      stack,
      sku,
      Array.from({ length: 50 }, (_, i) => `HELD-${i}`),
    );
    const answers = [];
    for (let batch = 0; batch < 4; batch++) {
      answers.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => attempt(sku, `holder${batch * 50 + i}@example.com`)))));
    }
    const placed = answers.filter((a) => a.status === 201).map((a) => a.body);
    const held = answers.filter((a) => a.status === 429);
    expect([placed.length, held.length]).toEqual([50, 150]);
    for (const refusal of held) {
      expect(refusal.body).toMatchObject({ error: 'held' });
      // Keys come back when the first open order's payment deadline (1 minute in these tests) passes.
      expect(Number(refusal.headers.get('retry-after'))).toBeGreaterThan(30);
      expect(Number(refusal.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(refusal.body.retryAfterSeconds).toBe(Number(refusal.headers.get('retry-after')));
    }
    expect(await stack.db.order.count({ where: { sku } })).toBe(50);

    await Promise.all(placed.map((o) => fetch(o.payUrl).then((r) => r.text())));
    await Promise.all(placed.map((o) => request('POST', `${stack.sandboxUrl}/api/trades/${o.orderNo}/pay`)));
    await waitFor(async () => (await stack.db.order.count({ where: { sku, status: 'DELIVERED' } })) === 50, 'all 50 delivered', 120_000);
    expect(await stack.db.refund.count({ where: { order: { sku } } })).toBe(0);

    // Every key sold: the next buyer is told so (409), not asked to wait.
    const late = await attempt(sku, 'late@example.com');
    expect([late.status, late.body.error]).toEqual([409, 'insufficient_stock']);
    // Sold out is remembered for a moment; a key import in this process forgets it at once.
    const imported = await request('POST', `${stack.api.url}/api/admin/skus/${sku}/keys`, {
      headers: { ...adminHeaders(), 'Content-Type': 'text/plain' },
      body: 'HELD-RESTOCK-1',
    });
    expect(imported.body.imported).toBe(1);
    expect((await attempt(sku, 'restocked@example.com')).status).toBe(201);
    expect(await checkInvariants(stack.db, { graceMs: 0 })).toEqual([]);
  }, 180_000);

  it('gives a held key to the next buyer once its order is cancelled', async () => {
    const sku = uniqueSku('hold-cancel');
    await createSkuWithKeys(stack, sku, ['HC-1']);
    const first = await attempt(sku, 'first-holder@example.com');
    expect(first.status).toBe(201);
    const second = await attempt(sku, 'second-holder@example.com');
    expect([second.status, second.body.error]).toEqual([429, 'held']);
    const cancelled = await request('POST', `${stack.api.url}/api/orders/${first.body.orderNo}/cancel`, {
      headers: { Authorization: `Bearer ${first.body.accessToken}` },
    });
    expect(cancelled.status).toBe(200);
    await waitFor(async () => (await stack.db.order.findUniqueOrThrow({ where: { orderNo: first.body.orderNo } })).status === 'CANCELLED', 'the cancel');
    // This process remembers a held refusal for a second; then the key is there again.
    const third = await waitFor(
      async () => {
        const answer = await attempt(sku, 'second-holder@example.com');
        return answer.status === 201 && answer;
      },
      'the freed key',
      3000,
    );
    expect(third.body.orderNo).toBeTruthy();
  });

  it('holds fewer keys for a SKU whose unpaid orders are rarely paid', async () => {
    const sku = uniqueSku('hold-learn');
    await createSkuWithKeys(stack, sku, ['HL-1', 'HL-2']);
    // 80 orders of this SKU ended unpaid today: with the prior of 20 paid, one in five is paid.
    const now = Date.now();
    await stack.db.order.createMany({
      data: Array.from({ length: 80 }, (_, i) => ({
        orderNo: `HL${String(now).slice(-8)}${String(i).padStart(3, '0')}`,
        sku,
        quantity: 1,
        unitPriceCents: 100,
        amountCents: 100,
        currency: 'CNY',
        email: `gone${i}@example.com`,
        channel: 'epay',
        status: 'EXPIRED' as const,
        expiresAt: new Date(now - 60_000),
        createdAt: new Date(now - 3_600_000),
      })),
    });
    // Two keys and a pay ratio of 0.2: up to 5 open orders are expected to take 1 key, leaving 1.
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push((await attempt(sku, `learn${i}@example.com`)).status);
    expect(answers).toEqual([201, 201, 201, 201, 201, 201, 429]);
  });
});
