import { createSkuWithKeys, payInSandbox, placeOrder, request, startStack, setTradeFaults, waitFor, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { paidNotification } from '../support/epay-recipe';
import { startOrderWorkflow } from '../../src/orders/order-runs';
import { checkInvariants } from '../../src/invariants/check';

describe('confirming every payment exactly once, whatever the channel does', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { PAYMENT_POLL_INTERVAL: '500ms', PAYMENT_DEADLINE: '3s', RESTOCK_WAIT: '0' } });
  });
  afterAll(() => stack.stop());

  it('completes an order by polling when every callback is lost', async () => {
    const sku = uniqueSku('lost');
    await createSkuWithKeys(stack, sku, ['LOST-1']);
    const order = await placeOrder(stack, sku);
    await setTradeFaults(stack, order.orderNo, { dropNotifications: true });
    const paid = await payInSandbox(stack, order);
    expect(paid.acknowledged).toBe(false);
    const delivered = await waitForStatus(stack.db, order.orderNo, 'DELIVERED', 10_000);
    expect(delivered.deliveredAt).not.toBeNull();
    const events = await stack.db.orderEvent.findMany({ where: { orderNo: order.orderNo, type: 'PAID' } });
    expect(events[0].message).toContain('(poll)');
    expect(await stack.db.paymentNotification.count({ where: { orderNo: order.orderNo } })).toBe(0);
  });

  it('delivers once when the gateway sends each notification five times at once', async () => {
    const sku = uniqueSku('dup5');
    await createSkuWithKeys(stack, sku, ['DUP-1', 'DUP-2']);
    const order = await placeOrder(stack, sku);
    await setTradeFaults(stack, order.orderNo, { duplicateNotifications: 5 });
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    expect(await stack.db.cardKey.count({ where: { orderNo: order.orderNo } })).toBe(1);
    expect(await stack.db.payment.count({ where: { orderNo: order.orderNo } })).toBe(1);
    expect(await stack.db.paymentNotification.count({ where: { orderNo: order.orderNo, verdict: 'VERIFIED' } })).toBe(1);
  });

  it('ignores corrupt-signed notifications (stored as rejected) and still completes by polling', async () => {
    const sku = uniqueSku('corrupt');
    await createSkuWithKeys(stack, sku, ['COR-1']);
    const order = await placeOrder(stack, sku);
    await setTradeFaults(stack, order.orderNo, { corruptSignature: true });
    const paid = await payInSandbox(stack, order);
    expect(paid.acknowledged).toBe(false);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED', 10_000);
    const rejected = await stack.db.paymentNotification.findMany({ where: { orderNo: order.orderNo } });
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    expect(rejected.every((r) => r.verdict === 'REJECTED' && r.reason === 'signature mismatch')).toBe(true);
  });

  it('delivers a callback that arrives before the create request returned (order still CREATED)', async () => {
    const sku = uniqueSku('early');
    await createSkuWithKeys(stack, sku, ['EARLY-1']);
    const skuRow = await stack.db.sku.findUniqueOrThrow({ where: { sku } });
    const orderNo = `EARLY${Date.now()}`;
    const order = await stack.db.order.create({
      data: {
        orderNo,
        sku,
        quantity: 1,
        unitPriceCents: skuRow.priceCents,
        amountCents: skuRow.priceCents,
        currency: 'CNY',
        email: 'early@example.com',
        channel: 'epay',
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    await startOrderWorkflow({ db: stack.db, temporal: stack.temporal, config: stack.config, clock: () => new Date() }, order, skuRow.name);
    const fields = paidNotification(orderNo, `T-${orderNo}`, '10.00');
    const response = await request('GET', `${stack.api.url}/api/payments/epay/notify?${new URLSearchParams(fields)}`);
    expect(response.text).toBe('success');
    await waitForStatus(stack.db, orderNo, 'DELIVERED');
    // The API's own "CREATED → AWAITING_PAYMENT" step is conditional and cannot undo this.
    await stack.db.order.updateMany({ where: { orderNo, status: 'CREATED' }, data: { status: 'AWAITING_PAYMENT' } });
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe('DELIVERED');
  });

  it('delivers a payment made after expiry when stock allows (LATE_PAYMENT_POLICY=fulfil)', async () => {
    const sku = uniqueSku('latefulfil');
    await createSkuWithKeys(stack, sku, ['LF-1']);
    const order = await placeOrder(stack, sku);
    await fetch(order.payUrl);
    await setTradeFaults(stack, order.orderNo, { dropNotifications: true });
    await waitForStatus(stack.db, order.orderNo, 'EXPIRED', 10_000);
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    await setTradeFaults(stack, order.orderNo, {});
    await request('POST', `${stack.sandboxUrl}/api/trades/${order.orderNo}/pay`);
    const delivered = await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    expect(delivered.workflowId).toMatch(/-late-epay-/);
    const timeline = await stack.db.orderEvent.findMany({ where: { orderNo: order.orderNo }, orderBy: { id: 'asc' } });
    expect(timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['EXPIRED', 'PAID', 'DELIVERED']));
  });

  it('refunds a payment made after expiry when no stock is left (policy fulfil)', async () => {
    const sku = uniqueSku('latenostock');
    await createSkuWithKeys(stack, sku, ['LN-1']);
    const order = await placeOrder(stack, sku);
    await fetch(order.payUrl);
    await waitForStatus(stack.db, order.orderNo, 'EXPIRED', 10_000);
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    await stack.db.cardKey.updateMany({ where: { sku }, data: { status: 'VOID' } });
    await request('POST', `${stack.sandboxUrl}/api/trades/${order.orderNo}/pay`);
    const refunded = await waitForStatus(stack.db, order.orderNo, 'REFUNDED');
    expect(refunded.statusReason).toMatch(/out of stock/);
    expect((await request('GET', `${stack.sandboxUrl}/api/trades/${order.orderNo}`)).body.status).toBe('REFUNDED');
  });

  it('keeps every invariant', async () => {
    await waitFor(async () => (await checkInvariants(stack.db, { graceMs: 30_000 })).length === 0, 'invariants');
  });
});

// A deadline of its own, far beyond the polls: with the suite's 3 s one, a loaded machine could let
// the deadline's last look fall inside the failures and the order expire.
describe('polling through a failing channel', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { PAYMENT_POLL_INTERVAL: '500ms', PAYMENT_DEADLINE: '60s' } });
  });
  afterAll(() => stack.stop());

  it('keeps polling through query errors and slow answers', async () => {
    const sku = uniqueSku('flaky');
    await createSkuWithKeys(stack, sku, ['FLAKY-1']);
    const order = await placeOrder(stack, sku);
    await setTradeFaults(stack, order.orderNo, { dropNotifications: true, queryError: true });
    await payInSandbox(stack, order);
    // The workflow asked twice and was refused twice: still unpaid, as far as the shop can tell.
    await waitFor(async () => (await request('GET', `${stack.sandboxUrl}/api/trades/${order.orderNo}`)).body.queries >= 2, 'two failed polls');
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).status).toBe('AWAITING_PAYMENT');
    await setTradeFaults(stack, order.orderNo, { dropNotifications: true, queryDelayMs: 200 });
    // The polls back off (0.5, 1.5, 3.5, 7.5 s…): the next one finds the payment.
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED', 20_000);
  });
});

describe('LATE_PAYMENT_POLICY=refund', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { PAYMENT_POLL_INTERVAL: '0', PAYMENT_DEADLINE: '2s', LATE_PAYMENT_POLICY: 'refund' } });
  });
  afterAll(() => stack.stop());

  it('always refunds a payment made after the order expired, and says why', async () => {
    const sku = uniqueSku('lateref');
    await createSkuWithKeys(stack, sku, ['LR-1']);
    const order = await placeOrder(stack, sku, 1, 'late@example.com');
    await fetch(order.payUrl);
    await waitForStatus(stack.db, order.orderNo, 'EXPIRED', 10_000);
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    await request('POST', `${stack.sandboxUrl}/api/trades/${order.orderNo}/pay`);
    const refunded = await waitForStatus(stack.db, order.orderNo, 'REFUNDED');
    expect(refunded.statusReason).toBe('late payment (policy: refund)');
    expect(await stack.db.cardKey.count({ where: { sku, status: 'AVAILABLE' } })).toBe(1);
    await waitFor(async () => stack.sink.messages().find((m) => m.to === 'late@example.com' && m.subject.includes('refunded')), 'refund email');
  });
});

describe('notifications out of order', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { PAYMENT_POLL_INTERVAL: '0' } });
  });
  afterAll(() => stack.stop());

  it('delivers both orders when the second payment is notified before the first', async () => {
    const sku = uniqueSku('reorder');
    await createSkuWithKeys(stack, sku, ['RO-1', 'RO-2']);
    const first = await placeOrder(stack, sku);
    const second = await placeOrder(stack, sku);
    await request('PUT', `${stack.sandboxUrl}/api/faults`, { json: { reorderNotifications: true } });
    await Promise.all([fetch(first.payUrl), fetch(second.payUrl)]);
    const firstPay = request('POST', `${stack.sandboxUrl}/api/trades/${first.orderNo}/pay`);
    await new Promise((r) => setTimeout(r, 200));
    await request('POST', `${stack.sandboxUrl}/api/trades/${second.orderNo}/pay`);
    await firstPay;
    await request('PUT', `${stack.sandboxUrl}/api/faults`, { json: {} });
    await waitForStatus(stack.db, first.orderNo, 'DELIVERED');
    await waitForStatus(stack.db, second.orderNo, 'DELIVERED');
    const [a, b] = await Promise.all([first, second].map(async (o) => (await request('GET', `${stack.sandboxUrl}/api/trades/${o.orderNo}`)).body));
    expect(Date.parse(b.notifications[0].at)).toBeLessThan(Date.parse(a.notifications[0].at));
    expect(Date.parse(a.paidAt)).toBeLessThan(Date.parse(b.paidAt));
  });
});
