import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSkuWithKeys, payInSandbox, placeOrder, request, startStack, waitFor, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { paidNotification } from '../support/epay-recipe';

const SECRET = 'operator-webhook-secret-0123456789';

describe('operator webhook', () => {
  let stack: Stack;
  let server: http.Server;
  const received: Array<{ body: Record<string, string>; valid: boolean }> = [];
  let failuresLeft = 2;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          res.writeHead(500).end();
          return;
        }
        // Verified by the documented recipe, independently of Keyflow's signer.
        const header = String(req.headers['x-keyflow-signature'] ?? '');
        const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) ?? [];
        const expected = t ? createHmac('sha256', SECRET).update(`${t}.${raw}`).digest('hex') : '';
        received.push({ body: JSON.parse(raw), valid: Boolean(v1) && v1 === expected && Math.abs(Date.now() / 1000 - Number(t)) < 300 });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    stack = await startStack({ env: { OPERATOR_WEBHOOK_URL: url, OPERATOR_WEBHOOK_SECRET: SECRET, RESTOCK_WAIT: '0', LOW_STOCK_THRESHOLD: '2' } });
  });
  afterAll(async () => {
    await stack.stop();
    server.close();
  });

  it('tells the operator about NEEDS_REVIEW, refunds and low stock, signed, retried, without holding the order', async () => {
    // Plenty left (3 of threshold 2 after the sale): no low-stock notice for this one.
    const plentySku = uniqueSku('ops-plenty');
    await createSkuWithKeys(stack, plentySku, ['PLENTY-1', 'PLENTY-2', 'PLENTY-3', 'PLENTY-4']);
    const plenty = await placeOrder(stack, plentySku);
    await payInSandbox(stack, plenty);
    await waitForStatus(stack.db, plenty.orderNo, 'DELIVERED');

    const sku = uniqueSku('ops');
    await createSkuWithKeys(stack, sku, ['OPS-1', 'OPS-2']);

    const review = await placeOrder(stack, sku);
    // A validly signed notification for the wrong amount: kept, never delivered, staff decide.
    await request('GET', `${stack.api.url}/api/payments/epay/notify?${new URLSearchParams(paidNotification(review.orderNo, 'T-OPS-1', '0.01'))}`);
    await waitForStatus(stack.db, review.orderNo, 'NEEDS_REVIEW');

    const lowStock = await placeOrder(stack, sku);
    await payInSandbox(stack, lowStock);
    await waitForStatus(stack.db, lowStock.orderNo, 'DELIVERED');

    const refunded = await placeOrder(stack, sku);
    await stack.db.cardKey.updateMany({ where: { sku, status: 'AVAILABLE' }, data: { status: 'VOID' } });
    await payInSandbox(stack, refunded);
    await waitForStatus(stack.db, refunded.orderNo, 'REFUNDED');

    await waitFor(async () => received.length >= 3, 'three operator notices', 30_000);
    expect(received.every((r) => r.valid)).toBe(true);
    expect(received.map((r) => [r.body.event, r.body.orderNo])).toEqual(
      expect.arrayContaining([
        ['order.needs_review', review.orderNo],
        ['stock.low', lowStock.orderNo],
        ['order.refunded', refunded.orderNo],
      ]),
    );
    expect(received.find((r) => r.body.event === 'order.needs_review')!.body.detail).toMatch(/amount mismatch/);
    expect(received.find((r) => r.body.event === 'stock.low')!.body.detail).toBe(`1 key(s) of ${sku} left`);
    expect(received.filter((r) => r.body.orderNo === plenty.orderNo)).toEqual([]);
    expect(failuresLeft).toBe(0);
  });
});
