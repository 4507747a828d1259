import { createHash } from 'node:crypto';
import { createSkuWithKeys, inboxDeps, paymentSignals, placeOrder, request, startStack, waitFor, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { paidNotification } from '../support/epay-recipe';
import { relayInbox } from '../../src/payments/inbox';

const notification = paidNotification;

describe('GET|POST /api/payments/epay/notify', () => {
  let stack: Stack;
  const notify = (params: Record<string, string>) => request('GET', `${stack.api.url}/api/payments/epay/notify?${new URLSearchParams(params)}`);
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  it('acknowledges a verified payment with "success" and delivers', async () => {
    const sku = uniqueSku('ntf');
    await createSkuWithKeys(stack, sku, ['N-1'], 1000);
    const order = await placeOrder(stack, sku);
    const response = await notify(notification(order.orderNo, 'T-OK-1', '10.00'));
    expect(response.status).toBe(200);
    expect(response.text).toBe('success');
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    const inbox = await stack.db.paymentNotification.findFirstOrThrow({ where: { orderNo: order.orderNo } });
    expect(inbox).toMatchObject({ verdict: 'VERIFIED', paid: true, verifiedEventKey: 'T-OK-1', amountCents: 1000 });
    expect(inbox.signalledAt).not.toBeNull();
  });

  it('accepts the same notification as a form POST', async () => {
    const sku = uniqueSku('post');
    await createSkuWithKeys(stack, sku, ['P-1'], 1000);
    const order = await placeOrder(stack, sku);
    const response = await request('POST', `${stack.api.url}/api/payments/epay/notify`, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(notification(order.orderNo, 'T-POST-1', '10.00')).toString(),
    });
    expect(response.text).toBe('success');
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
  });

  it('answers a forged notification with fail/400, stores it as rejected, and lets the real one through after', async () => {
    const sku = uniqueSku('forge');
    await createSkuWithKeys(stack, sku, ['F-1'], 1000);
    const order = await placeOrder(stack, sku);
    const forged = notification(order.orderNo, 'T-REAL-1', '10.00', {});
    forged.sign = createHash('md5').update('forged').digest('hex');
    const response = await notify(forged);
    expect(response.status).toBe(400);
    expect(response.text).toBe('fail');
    const wrongKey = await notify(notification(order.orderNo, 'T-REAL-1', '10.00', {}, 'guessed-key-0123456789'));
    expect(wrongKey.status).toBe(400);
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).status).toBe('AWAITING_PAYMENT');
    const rejected = await stack.db.paymentNotification.findMany({ where: { orderNo: order.orderNo } });
    expect(rejected).toHaveLength(2);
    expect(rejected.every((r) => r.verdict === 'REJECTED' && r.verifiedEventKey === null && r.reason === 'signature mismatch')).toBe(true);
    expect(JSON.stringify(rejected.map((r) => r.payload))).not.toContain(forged.sign);

    expect((await notify(notification(order.orderNo, 'T-REAL-1', '10.00'))).text).toBe('success');
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    // The forgeries reached nothing: the order heard of one payment, the real one.
    expect(await paymentSignals(stack, order.orderNo)).toBe(1);
  });

  it.each([
    ['no parameters', {}],
    ['garbage', { foo: 'bar', sign: 'x' }],
  ])('answers %s with fail/400 without a server error', async (_name, params) => {
    const response = await notify(params as Record<string, string>);
    expect(response.status).toBe(400);
    expect(response.text).toBe('fail');
  });

  it('never delivers a tampered amount: acknowledged, NEEDS_REVIEW with the reason', async () => {
    const sku = uniqueSku('amt');
    await createSkuWithKeys(stack, sku, ['A-1'], 1000);
    const order = await placeOrder(stack, sku);
    const response = await notify(notification(order.orderNo, 'T-AMT-1', '0.01'));
    expect(response.text).toBe('success');
    const review = await waitForStatus(stack.db, order.orderNo, 'NEEDS_REVIEW');
    expect(review.statusReason).toMatch(/amount mismatch: paid 1, order is 1000/);
    expect(await stack.db.cardKey.count({ where: { sku, status: 'AVAILABLE' } })).toBe(1);
  });

  it('delivers once when the channel repeats a notification five times concurrently', async () => {
    const sku = uniqueSku('dup');
    await createSkuWithKeys(stack, sku, ['D-1', 'D-2'], 1000);
    const order = await placeOrder(stack, sku);
    const params = notification(order.orderNo, 'T-DUP-5', '10.00');
    const answers = await Promise.all(Array.from({ length: 5 }, () => notify(params)));
    expect(answers.map((a) => a.text)).toEqual(Array(5).fill('success'));
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    expect(await stack.db.paymentNotification.count({ where: { verifiedEventKey: 'T-DUP-5' } })).toBe(1);
    expect(await stack.db.cardKey.count({ where: { orderNo: order.orderNo } })).toBe(1);
  });

  it('acknowledges a verified payment for an unknown order, flags it, and creates nothing', async () => {
    const response = await notify(notification('NOSUCHORDER42', 'T-UNKNOWN-1', '10.00'));
    expect(response.text).toBe('success');
    const row = await waitFor(
      () => stack.db.paymentNotification.findFirst({ where: { verifiedEventKey: 'T-UNKNOWN-1', reason: { not: null } } }),
      'the unknown-order flag on the inbox row',
    );
    expect(row.reason).toMatch(/no such order/);
    expect(row.signalledAt).toBeNull();
    expect(await stack.db.order.findUnique({ where: { orderNo: 'NOSUCHORDER42' } })).toBeNull();
  });

  it('answers 404 for a channel that is not enabled', async () => {
    const response = await request('GET', `${stack.api.url}/api/payments/paypal/notify?x=1`);
    expect(response.status).toBe(404);
  });

  it('is notified by the sandbox gateway itself, which records each attempt', async () => {
    const sku = uniqueSku('retry');
    await createSkuWithKeys(stack, sku, ['R-1'], 1000);
    const order = await placeOrder(stack, sku);
    await fetch(order.payUrl);
    // The sandbox notifies the shop itself, retrying on its (scaled-down) schedule until "success".
    const paid = await request('POST', `${stack.sandboxUrl}/api/trades/${order.orderNo}/pay`);
    expect(paid.body.acknowledged).toBe(true);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    const trade = await request('GET', `${stack.sandboxUrl}/api/trades/${order.orderNo}`);
    expect(trade.body).toMatchObject({ status: 'PAID', outTradeNo: order.orderNo });
    expect(trade.body.notifications[0]).toMatchObject({ attempt: 1, acknowledged: true });
  });

  it('relays a stored payment whose signal failed once the workflow can take it', async () => {
    const sku = uniqueSku('relay');
    await createSkuWithKeys(stack, sku, ['RL-1'], 1000);
    const order = await placeOrder(stack, sku);
    // Simulate a signal that never happened: a verified inbox row with no signalledAt.
    const row = await stack.db.paymentNotification.create({
      data: {
        channel: 'epay',
        eventKey: 'T-RELAY-1',
        verifiedEventKey: 'T-RELAY-1',
        verdict: 'VERIFIED',
        paid: true,
        orderNo: order.orderNo,
        tradeNo: 'T-RELAY-1',
        amountCents: 1000,
        payload: { currency: 'CNY' },
        signalError: 'UNAVAILABLE',
      },
    });
    const result = await relayInbox(inboxDeps(stack));
    expect(result.signalled).toBeGreaterThanOrEqual(1);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    const after = await stack.db.paymentNotification.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.signalledAt).not.toBeNull();
    expect(after.signalError).toBeNull();
    // A relayed row is done: the next relay leaves it alone.
    await relayInbox(inboxDeps(stack));
    const later = await stack.db.paymentNotification.findUniqueOrThrow({ where: { id: row.id } });
    expect(later.signalledAt).toEqual(after.signalledAt);
  });
});

describe('a verified payment for an order whose workflow has closed', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  it('is acknowledged and settled by a follow-up run (late-payment policy), never silently kept', async () => {
    const sku = uniqueSku('late');
    await createSkuWithKeys(stack, sku, ['L-1'], 1000);
    const order = await placeOrder(stack, sku);
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).terminate('closed for the test');
    const response = await request('GET', `${stack.api.url}/api/payments/epay/notify?${new URLSearchParams(notification(order.orderNo, 'T-LATE-1', '10.00'))}`);
    expect(response.text).toBe('success');
    const row = await waitFor(
      () => stack.db.paymentNotification.findFirst({ where: { verifiedEventKey: 'T-LATE-1', reason: { not: null } } }),
      'the late-payment reason on the inbox row',
    );
    expect(row.reason).toBe(`late payment: settled by order-${order.orderNo}-late-epay-T-LATE-1`);
    expect(row.signalledAt).not.toBeNull();
    // Default policy "fulfil": stock allows, so the late payment is delivered.
    const delivered = await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    expect(delivered.workflowId).toBe(`order-${order.orderNo}-late-epay-T-LATE-1`);
    const relay = await relayInbox(inboxDeps(stack));
    expect(relay.latePayments).toBe(0);
  });
});

describe('/metrics', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  it('counts callbacks, times acknowledgements and deliveries, and shows what waits', async () => {
    const sku = uniqueSku('metrics');
    await createSkuWithKeys(stack, sku, ['M-1'], 1000);
    const order = await placeOrder(stack, sku);
    await fetch(order.payUrl);
    await request('POST', `${stack.sandboxUrl}/api/trades/${order.orderNo}/pay`);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await request('GET', `${stack.api.url}/api/payments/epay/notify?pid=1&sign=x`);
    const text = (await request('GET', stack.api.metricsUrl)).text;
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    expect(value(/^keyflow_callbacks_total\{channel="epay",verdict="verified"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^keyflow_callbacks_total\{channel="epay",verdict="rejected"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    // Answered after the signal or before it (CALLBACK_SIGNAL_WAIT), the signal itself is timed too.
    expect(value(/^keyflow_callback_ack_seconds_count\{channel="epay",outcome="(?:signalled|signal-pending)"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^keyflow_callback_signal_seconds_count\{channel="epay",outcome="signalled"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^keyflow_order_paid_to_delivered_seconds_count\{channel="epay"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^keyflow_orders_final_total\{state="DELIVERED",channel="epay"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^keyflow_activity_duration_seconds_count\{activity="deliverPayment",result="ok"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^keyflow_orders_awaiting_payment \d+/m);
    expect(text).not.toContain('M-1');
  });

  it('counts delivered orders whose email is late, leaving out addresses refused for good', async () => {
    const waiting = async () => Number(/^keyflow_delivery_emails_waiting (\d+)/m.exec((await request('GET', stack.api.metricsUrl)).text)?.[1] ?? NaN);
    const sku = uniqueSku('late-mail');
    await createSkuWithKeys(stack, sku, []);
    const before = await waiting();
    const late = async (orderNo: string, minutesAgo: number) => {
      const at = new Date(Date.now() - minutesAgo * 60_000);
      await stack.db.order.create({
        data: {
          ...{ orderNo, sku, quantity: 1, unitPriceCents: 100, amountCents: 100, currency: 'CNY', email: 'late@example.com', channel: 'epay' },
          ...{ status: 'DELIVERED', expiresAt: at, paidAt: at, deliveredAt: at },
        },
      });
    };
    const stamp = String(Date.now()).slice(-8);
    await late(`LATEA${stamp}`, 10);
    await late(`LATEB${stamp}`, 10);
    await late(`LATEC${stamp}`, 1); // not late yet
    expect(await waiting()).toBe(before + 2);
    await stack.db.orderEvent.create({ data: { orderNo: `LATEB${stamp}`, type: 'EMAIL_REJECTED', actor: 'system', createdAt: new Date() } });
    await stack.db.order.update({ where: { orderNo: `LATEA${stamp}` }, data: { emailedAt: new Date() } });
    expect(await waiting()).toBe(before);
  });
});

describe('a callback answered before its signal (CALLBACK_SIGNAL_WAIT=0)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { CALLBACK_SIGNAL_WAIT: '0' } });
  });
  afterAll(() => stack.stop());

  it('still signals, delivers, and says in /metrics that the answer went first', async () => {
    const sku = uniqueSku('early');
    await createSkuWithKeys(stack, sku, ['E-1'], 1000);
    const order = await placeOrder(stack, sku);
    const response = await request(
      'GET',
      `${stack.api.url}/api/payments/epay/notify?${new URLSearchParams(notification(order.orderNo, 'T-EARLY-1', '10.00'))}`,
    );
    expect(response.text).toBe('success');
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    const text = (await request('GET', stack.api.metricsUrl)).text;
    expect(text).toMatch(/^keyflow_callback_ack_seconds_count\{channel="epay",outcome="signal-pending"\} [1-9]/m);
    expect(text).toMatch(/^keyflow_callback_signal_seconds_count\{channel="epay",outcome="signalled"\} [1-9]/m);
  });

  it('finishes the signals it still owes before the API shuts down', async () => {
    const sku = uniqueSku('drain');
    await createSkuWithKeys(stack, sku, ['DR-1', 'DR-2', 'DR-3'], 1000);
    const orders = await Promise.all([1, 2, 3].map(() => placeOrder(stack, sku)));
    const answers = await Promise.all(
      orders.map((order, i) =>
        request('GET', `${stack.api.url}/api/payments/epay/notify?${new URLSearchParams(notification(order.orderNo, `T-DRAIN-${i}`, '10.00'))}`),
      ),
    );
    expect(answers.map((a) => a.text)).toEqual(['success', 'success', 'success']);
    await stack.api.close();
    const rows = await stack.db.paymentNotification.findMany({ where: { verifiedEventKey: { in: ['T-DRAIN-0', 'T-DRAIN-1', 'T-DRAIN-2'] } } });
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.signalledAt !== null && row.signalError === null)).toBe(true);
    for (const order of orders) await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
  });
});
