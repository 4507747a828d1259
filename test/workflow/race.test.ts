import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createSkuWithKeys, placeOrder, request, startStack, waitFor, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { checkInvariants } from '../../src/invariants/check';
import { PROJECT_ROOT } from '../../src/paths';

describe('200 buyers racing for 50 keys', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { RESTOCK_WAIT: '0', MAX_QUANTITY: '1' } });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('delivers exactly 50, refunds the other 150, and every invariant holds', async () => {
    const sku = uniqueSku('race');
    await createSkuWithKeys(
      stack,
      sku,
      Array.from({ length: 50 }, (_, i) => `RACE-${String(i).padStart(3, '0')}`),
    );
    const orders = [];
    for (let batch = 0; batch < 4; batch++) {
      orders.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => placeOrder(stack, sku, 1, `racer${batch * 50 + i}@example.com`)))));
    }
    // Every buyer pays at once: open the pay page, then press Pay.
    await Promise.all(orders.map((o) => fetch(o.payUrl).then((r) => r.text())));
    await Promise.all(orders.map((o) => request('POST', `${stack.sandboxUrl}/api/trades/${o.orderNo}/pay`)));

    const settled = await waitFor(
      async () => {
        const groups = await stack.db.order.groupBy({ by: ['status'], where: { sku }, _count: { _all: true } });
        const counts = Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
        return (counts.DELIVERED ?? 0) + (counts.REFUNDED ?? 0) === 200 ? counts : undefined;
      },
      'all 200 orders to settle',
      120_000,
    );
    expect(settled).toEqual({ DELIVERED: 50, REFUNDED: 150 });
    expect(await stack.db.cardKey.count({ where: { sku, status: 'SOLD' } })).toBe(50);
    expect(await stack.db.refund.count({ where: { order: { sku }, status: 'SUCCEEDED' } })).toBe(150);
    expect(await checkInvariants(stack.db, { graceMs: 0 })).toEqual([]);
  }, 180_000);

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
    await stack.db.order.update({ where: { orderNo: delivered.orderNo }, data: { status: 'NEEDS_REVIEW', statusReason: null } });
    const broken = run();
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain(`every SOLD key belongs to a DELIVERED order: order ${delivered.orderNo}`);
    expect(broken.stdout).toContain(`NEEDS_REVIEW always says why: order ${delivered.orderNo}`);
    await stack.db.order.update({ where: { orderNo: delivered.orderNo }, data: { status: 'DELIVERED' } });

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
