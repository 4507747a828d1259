import { createHash } from 'node:crypto';
import { adminHeaders, createSkuWithKeys, payInSandbox, placeOrder, request, startStack, waitFor, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { paidNotification } from '../support/epay-recipe';
import { reconcileWorkflow } from '../../src/workflows/reconcile';
import { reconcileInput } from '../../src/temporal/schedules';
import { RejectionLog } from '../../src/payments/rejected-notifications';
import { requestOrderLink } from '../../src/orders/order-link';

describe('placing orders: a per-client rate and a cap on open orders per email, refused before payment', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ORDER_RATE_LIMIT_PER_IP: '3', MAX_OPEN_ORDERS_PER_EMAIL: '2' } });
  });
  afterAll(() => stack.stop());

  const place = (sku: string, client: string, email: string, extra: Record<string, string> = {}) =>
    request('POST', `${stack.api.url}/api/orders`, {
      headers: { 'X-Forwarded-For': client, ...extra },
      json: { sku, quantity: 1, email, channel: 'epay' },
    });

  it('the fourth order a minute from one client is a 429 rate_limited with Retry-After, and nothing is asked of the channel', async () => {
    const sku = uniqueSku('rate');
    await createSkuWithKeys(stack, sku, ['R1', 'R2', 'R3', 'R4', 'R5']);
    for (let i = 0; i < 3; i++) expect((await place(sku, '203.0.113.7', `rate${i}@example.com`)).status).toBe(201);
    const trades = (await request('GET', `${stack.sandboxUrl}/api/trades`)).body.length;
    const refused = await place(sku, '203.0.113.7', 'rate9@example.com');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'rate_limited', retryAfterSeconds: expect.any(Number) });
    expect(refused.body.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.body.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(refused.headers.get('retry-after')).toBe(String(refused.body.retryAfterSeconds));
    expect((await request('GET', `${stack.sandboxUrl}/api/trades`)).body.length).toBe(trades);
    // Another client is not affected; an idempotent replay of an order already placed is not counted.
    expect((await place(sku, '203.0.113.8', 'other@example.com')).status).toBe(201);
  });

  it('a third unpaid order for one email is a 429 too_many_open_orders until one is paid; the order of checks is 400, 404, limits, 409', async () => {
    const sku = uniqueSku('open');
    // One key more than the orders below hold: stock holds (429 held) are not what this checks.
    await createSkuWithKeys(stack, sku, ['O1', 'O2', 'O3', 'O4']);
    const first = await place(sku, '198.51.100.1', 'open@example.com');
    expect((await place(sku, '198.51.100.2', 'open@example.com')).status).toBe(201);
    const refused = await place(sku, '198.51.100.3', 'open@example.com');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'too_many_open_orders' });
    expect(refused.body.retryAfterSeconds).toBeGreaterThan(30);
    // The same idempotency key and body is the same request, not a new order: never refused for the cap.
    const keyed = await place(sku, '198.51.100.4', 'keyed@example.com', { 'Idempotency-Key': 'open-cap-1' });
    expect(keyed.status).toBe(201);
    expect((await place(sku, '198.51.100.4', 'keyed@example.com', { 'Idempotency-Key': 'open-cap-1' })).body.orderNo).toBe(keyed.body.orderNo);
    // Unknown SKU is a 404 before any limit; with the limit reached, no stock is 409 only after it.
    expect((await place('no-such-sku', '198.51.100.3', 'open@example.com')).status).toBe(404);
    const empty = uniqueSku('empty');
    await createSkuWithKeys(stack, empty, []);
    expect((await place(empty, '198.51.100.3', 'open@example.com')).status).toBe(429);
    expect((await place(empty, '198.51.100.5', 'fresh@example.com')).status).toBe(409);
    // Paying one frees a place.
    await payInSandbox(stack, first.body);
    await waitForStatus(stack.db, first.body.orderNo, 'DELIVERED');
    expect((await place(sku, '198.51.100.3', 'open@example.com')).status).toBe(201);
  });

  it("an idempotency key is the buyer's own: the same key from another email is another order, never the first buyer's token", async () => {
    const sku = uniqueSku('idem');
    await createSkuWithKeys(stack, sku, ['I1', 'I2']);
    const mine = await place(sku, '192.0.2.1', 'mine@example.com', { 'Idempotency-Key': 'shared-key-123' });
    const theirs = await place(sku, '192.0.2.2', 'theirs@example.com', { 'Idempotency-Key': 'shared-key-123' });
    expect(theirs.status).toBe(201);
    expect(theirs.body.orderNo).not.toBe(mine.body.orderNo);
    expect(theirs.body.accessToken).not.toBe(mine.body.accessToken);
  });
});

describe('what buyers see and where their token goes', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { LINK_RESEND_COOLDOWN: '10m', REJECTED_NOTIFICATION_RETENTION: '1h' } });
  });
  afterAll(() => stack.stop());

  it('the access token never travels in a URL handed to the channel; the return URL carries a one-time code that trades for a cookie', async () => {
    const sku = uniqueSku('token');
    await createSkuWithKeys(stack, sku, ['TOKEN-1']);
    const order = await placeOrder(stack, sku);
    expect(order.payUrl).not.toContain(order.accessToken);
    expect(decodeURIComponent(order.payUrl)).not.toContain(order.accessToken);
    const returnUrl = new URL(new URL(order.payUrl).searchParams.get('return_url')!);
    expect(returnUrl.pathname).toBe(`/orders/${order.orderNo}/return`);
    const first = await fetch(`${stack.api.url}${returnUrl.pathname}${returnUrl.search}`, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe(`/orders/${order.orderNo}`);
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const page = await fetch(`${stack.api.url}/orders/${order.orderNo}`, { headers: { cookie: cookie.split(';')[0] } });
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain(order.orderNo);
    // The code is spent: a second use (from an aggregator's log, say) finds nothing.
    expect((await fetch(`${stack.api.url}${returnUrl.pathname}${returnUrl.search}`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${stack.api.url}/orders/${order.orderNo}/return?code=forged.code.here`, { redirect: 'manual' })).status).toBe(404);
  });

  it("staff can reissue a buyer's link: the new one works, the old one stops working", async () => {
    const sku = uniqueSku('reissue');
    await createSkuWithKeys(stack, sku, ['REISSUE-1']);
    const order = await placeOrder(stack, sku, 1, 'reissue@example.com');
    expect((await request('GET', `${stack.api.url}/api/orders/${order.orderNo}?token=${order.accessToken}`)).status).toBe(200);
    const reissued = await request('POST', `${stack.api.url}/api/admin/orders/${order.orderNo}/reissue-link`, {
      headers: adminHeaders(),
      json: { note: 'buyer forwarded it' },
    });
    expect(reissued.status).toBe(200);
    expect((await request('GET', `${stack.api.url}/api/orders/${order.orderNo}?token=${order.accessToken}`)).status).toBe(404);
    const mail = await waitFor(
      async () => stack.sink.messages().find((m) => m.to === 'reissue@example.com' && m.subject.includes(order.orderNo)),
      'the new link',
    );
    const token = /token=([\w-]+)/.exec(mail.text)![1];
    expect(token).not.toBe(order.accessToken);
    expect((await request('GET', `${stack.api.url}/api/orders/${order.orderNo}?token=${token}`)).status).toBe(200);
  });

  it('buyers never see staff names or internal notes', async () => {
    const sku = uniqueSku('notes');
    await createSkuWithKeys(stack, sku, ['NOTES-1']);
    const order = await placeOrder(stack, sku);
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    await request('POST', `${stack.api.url}/api/admin/orders/${order.orderNo}/refund`, {
      headers: adminHeaders(),
      json: { note: 'chargeback filed by Mallory, see ticket 4411' },
    });
    const view = await request('GET', `${stack.api.url}/api/orders/${order.orderNo}?token=${order.accessToken}`);
    expect(view.body.status).toBe('REFUNDED');
    const shown = JSON.stringify(view.body);
    expect(shown).not.toMatch(/staff|admin|Mallory|4411|chargeback/);
    expect(view.body.reason).toBe('the shop refunded the order');
    const mail = await waitFor(async () => stack.sink.messages().find((m) => m.subject.includes(`${order.orderNo} was refunded`)), 'the refund email');
    expect(mail.text).not.toMatch(/staff|admin|Mallory|4411/);
  });

  it('link requests that arrive together for one order are recorded once (the API answers before they run)', async () => {
    const sku = uniqueSku('resend-race');
    await createSkuWithKeys(stack, sku, ['RR-1', 'RR-2', 'RR-3']);
    const deps = { db: stack.db, temporal: stack.temporal, config: stack.config, clock: () => new Date() };
    // Three addresses, thirty requests at once for each one's order: a race shows in one of them at least.
    for (const buyer of ['together1', 'together2', 'together3']) {
      const order = await placeOrder(stack, sku, 1, `${buyer}@example.com`);
      const outcomes = await Promise.all(Array.from({ length: 30 }, () => requestOrderLink(deps, order.orderNo, `${buyer}@example.com`)));
      expect(outcomes.filter((o) => o === 'sent')).toHaveLength(1);
      expect(await stack.db.orderEvent.count({ where: { type: 'LINK_REQUESTED', orderNo: order.orderNo } })).toBe(1);
    }
  });

  it('resend-link answers at once and alike; mails only an order with something to show, once per cooldown per order and at most three per address', async () => {
    const sku = uniqueSku('resend');
    await createSkuWithKeys(stack, sku, ['RS-1', 'RS-2', 'RS-3', 'RS-4', 'RS-5']);
    const orders = [];
    for (let i = 0; i < 5; i++) orders.push(await placeOrder(stack, sku, 1, 'resend@example.com'));
    const ask = (orderNo: string, email = 'resend@example.com') => request('POST', `${stack.api.url}/api/orders/resend-link`, { json: { orderNo, email } });
    const answers = [
      await ask(orders[0].orderNo),
      await ask(orders[0].orderNo),
      await ask(orders[0].orderNo, 'someone-else@example.com'),
      await ask('KNOORDER0000'),
    ];
    expect(answers.map((a) => [a.status, a.body.status])).toEqual(Array(4).fill([202, 'accepted']));
    for (let i = 1; i < 5; i++) await ask(orders[i].orderNo);
    await waitFor(
      async () => (await stack.db.orderEvent.count({ where: { type: 'LINK_REQUESTED', order: { email: 'resend@example.com' } } })) >= 3,
      'three link requests',
    );
    await waitFor(
      async () => (await stack.db.orderEvent.count({ where: { type: 'EMAIL_LINK_SENT', order: { email: 'resend@example.com' } } })) >= 3,
      'three link emails',
    );
    // Once for the first order (the repeat is within its cooldown), then two more orders: three for the address.
    expect(await stack.db.orderEvent.count({ where: { type: 'LINK_REQUESTED', orderNo: orders[0].orderNo } })).toBe(1);
    expect(await stack.db.orderEvent.count({ where: { type: 'LINK_REQUESTED', order: { email: 'resend@example.com' } } })).toBe(3);
    expect(stack.sink.messages().filter((m) => m.to === 'someone-else@example.com')).toHaveLength(0);
  });

  it('rejected notifications: a bounded excerpt and a digest are kept, staff read them a page at a time, and they go after the retention', async () => {
    const sku = uniqueSku('rejected');
    await createSkuWithKeys(stack, sku, ['REJ-1']);
    const order = await placeOrder(stack, sku);
    const junk = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`field${i}`, 'x'.repeat(1000)]));
    for (let i = 0; i < 3; i++) {
      const forged = { ...paidNotification(order.orderNo, `T-JUNK-${i}`, '10.00'), ...junk, sign: createHash('md5').update(`junk${i}`).digest('hex') };
      const answer = await fetch(`${stack.api.url}/api/payments/epay/notify`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(forged),
      });
      expect(answer.status).toBe(400);
    }
    const rows = await stack.db.paymentNotification.findMany({ where: { orderNo: order.orderNo, verdict: 'REJECTED' } });
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(JSON.stringify(row.payload).length).toBeLessThanOrEqual(2048);
      expect(Object.keys(row.payload as object).length).toBeLessThanOrEqual(20);
      expect(row.digest).toMatch(/^[0-9a-f]{64}$/);
    }
    const page = await request('GET', `${stack.api.url}/api/admin/orders/${order.orderNo}?notifications=2`, { headers: adminHeaders() });
    expect(page.body.notifications).toHaveLength(2);
    const next = await request(
      'GET',
      `${stack.api.url}/api/admin/orders/${order.orderNo}?notifications=2&notificationsBefore=${page.body.notificationsNextBefore}`,
      { headers: adminHeaders() },
    );
    expect(next.body.notifications).toHaveLength(1);
    expect(next.body.notificationsNextBefore).toBeNull();

    await stack.db.paymentNotification.updateMany({
      where: { orderNo: order.orderNo, verdict: 'REJECTED' },
      data: { receivedAt: new Date(Date.now() - 2 * 3_600_000) },
    });
    await stack.temporal.workflow.execute(reconcileWorkflow, {
      workflowId: `prune-${order.orderNo}`,
      taskQueue: stack.config.temporal.taskQueue,
      args: [reconcileInput(stack.config)],
    });
    expect(await stack.db.paymentNotification.count({ where: { orderNo: order.orderNo, verdict: 'REJECTED' } })).toBe(0);
  });

  it('the catalogue counts stock only up to a display threshold', async () => {
    const sku = uniqueSku('plenty');
    await createSkuWithKeys(
      stack,
      sku,
      Array.from({ length: 150 }, (_, i) => `PLENTY-${i}`),
    );
    const few = uniqueSku('few');
    await createSkuWithKeys(stack, few, ['FEW-1', 'FEW-2']);
    const { skus } = (await request('GET', `${stack.api.url}/api/skus`)).body as { skus: Array<{ sku: string; available: number; availableCapped: boolean }> };
    expect(skus.find((s) => s.sku === sku)).toMatchObject({ available: 100, availableCapped: true });
    expect(skus.find((s) => s.sku === few)).toMatchObject({ available: 2, availableCapped: false });
  });
});

describe('the rejection log', () => {
  it('logs the first ten rejections a minute per channel, then one line with how many more', () => {
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const logger = { warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) } as never;
    let now = 0;
    const log = new RejectionLog(logger, 10, () => now);
    for (let i = 0; i < 500; i++) log.warn('epay', { reason: 'signature mismatch' });
    expect(lines).toHaveLength(10);
    now = 61_000;
    log.warn('epay', { reason: 'signature mismatch' });
    expect(lines.slice(10).map((l) => l.fields.suppressed ?? l.message)).toEqual([490, 'payment notification rejected']);
  });
});
