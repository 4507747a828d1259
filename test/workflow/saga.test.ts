import { Client as PgClient } from 'pg';
import {
  adminHeaders,
  createSkuWithKeys,
  deliveredAndClosed,
  payInSandbox,
  placeOrder,
  request,
  startStack,
  setTradeFaults,
  waitFor,
  waitForStatus,
  type Stack,
} from '../support/stack';
import { uniqueSku } from '../support/config';
import { checkInvariants } from '../../src/invariants/check';
import { performOrderAction } from '../../src/orders/support-actions';

describe('saga compensations and support actions', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { RESTOCK_WAIT: '4s', PAYMENT_DEADLINE: '30s' } });
  });
  afterAll(() => stack.stop());

  /** Paid with no key left to sell and the refund refused by the channel: the live run waits in NEEDS_REVIEW. */
  async function inReviewAfterRefusedRefund(sku: string) {
    await createSkuWithKeys(stack, sku, [`${sku}-0`]);
    const order = await placeOrder(stack, sku);
    await stack.db.cardKey.updateMany({ where: { sku }, data: { status: 'VOID' } });
    await setTradeFaults(stack, order.orderNo, { refuseRefunds: true });
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'NEEDS_REVIEW', 20_000);
    return order;
  }
  /** The sandbox gateway's protocol side down (503) or back. */
  const gateway = (down: boolean) => request('PUT', `${stack.sandboxUrl}/api/faults`, { json: { down } });

  const admin = (orderNo: string, action: string, note?: string) =>
    request('POST', `${stack.api.url}/api/admin/orders/${orderNo}/${action}`, { headers: adminHeaders(), json: note ? { note } : {} });

  it('waits for stock and delivers when keys are imported in time', async () => {
    const sku = uniqueSku('restock');
    await createSkuWithKeys(stack, sku, ['RS-0']);
    const order = await placeOrder(stack, sku);
    await stack.db.cardKey.updateMany({ where: { sku }, data: { status: 'VOID' } });
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'AWAITING_STOCK');
    const imported = await request('POST', `${stack.api.url}/api/admin/skus/${sku}/keys`, {
      headers: { ...adminHeaders(), 'Content-Type': 'text/plain' },
      body: 'RS-1',
    });
    expect(imported.body.wokenOrders).toBe(1);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    const view = await request('GET', `${stack.api.url}/api/orders/${order.orderNo}?token=${order.accessToken}`);
    expect(view.body.cardKeys).toEqual(['RS-1']);
  });

  it('refunds through the channel and tells the buyer when no stock arrives', async () => {
    const sku = uniqueSku('norestock');
    await createSkuWithKeys(stack, sku, ['NR-0']);
    const order = await placeOrder(stack, sku, 1, 'norestock@example.com');
    await stack.db.cardKey.updateMany({ where: { sku }, data: { status: 'VOID' } });
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'AWAITING_STOCK');
    const refunded = await waitForStatus(stack.db, order.orderNo, 'REFUNDED', 20_000);
    expect(refunded.statusReason).toMatch(/out of stock/);
    const trade = await request('GET', `${stack.sandboxUrl}/api/trades/${order.orderNo}`);
    expect(trade.body.status).toBe('REFUNDED');
    const refund = await stack.db.refund.findFirstOrThrow({ where: { orderNo: order.orderNo } });
    expect(refund).toMatchObject({
      status: 'SUCCEEDED',
      idempotencyKey: `refund-${order.orderNo}-${trade.body.tradeNo}`,
      channelRefundNo: trade.body.refundNo,
    });
    await waitFor(async () => stack.sink.messages().find((m) => m.to === 'norestock@example.com' && m.subject.includes('refunded')), 'refund email');
  });

  it('keys the database refuses to sell: the payment is kept, the order waits for a restock, then is refunded; no key leaves stock', async () => {
    const sku = uniqueSku('issuefail');
    await createSkuWithKeys(stack, sku, ['IF-1', 'IF-2']);
    const order = await placeOrder(stack, sku);
    // A failing-on-purpose dependency: the database refuses to sell this SKU's keys.
    const pg = new PgClient({ connectionString: stack.config.databaseUrl });
    await pg.connect();
    const fn = `refuse_sale_${sku.replace(/-/g, '_')}`;
    await pg.query(
      `CREATE FUNCTION ${fn}() RETURNS trigger AS $$ BEGIN IF NEW.status = 'SOLD' AND NEW.sku = '${sku}' THEN RAISE EXCEPTION 'sale refused for the test'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql`,
    );
    await pg.query(`CREATE TRIGGER ${fn} BEFORE UPDATE ON "CardKey" FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
    try {
      await payInSandbox(stack, order);
      const refunded = await waitForStatus(stack.db, order.orderNo, 'REFUNDED', 30_000);
      expect(refunded.statusReason).toMatch(/^keys could not be issued: .*sale refused for the test/);
      expect(await stack.db.cardKey.count({ where: { sku, status: 'AVAILABLE' } })).toBe(2);
      const events = await stack.db.orderEvent.findMany({ where: { orderNo: order.orderNo }, orderBy: { id: 'asc' } });
      // The failed sale's transaction rolled back; the payment was then recorded on its own.
      expect(events.map((e) => e.type).filter((t) => t !== 'EMAIL_REFUND_SENT')).toEqual([
        'CREATED',
        'PAYMENT_REQUESTED',
        'PAID',
        'AWAITING_STOCK',
        'REFUNDING',
        'REFUNDED',
      ]);
      expect(await stack.db.payment.count({ where: { orderNo: order.orderNo } })).toBe(1);
      expect(await stack.db.refund.count({ where: { orderNo: order.orderNo, status: 'SUCCEEDED' } })).toBe(1);
    } finally {
      await pg.query(`DROP TRIGGER ${fn} ON "CardKey"`);
      await pg.query(`DROP FUNCTION ${fn}()`);
      await pg.end();
    }
  });

  it('a refused refund goes to NEEDS_REVIEW; staff approve it after a restock', async () => {
    const sku = uniqueSku('refused');
    const order = await inReviewAfterRefusedRefund(sku);
    const review = await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } });
    expect(review.statusReason).toMatch(/refund failed: Epay refused the refund/);

    const tooEarly = await admin(order.orderNo, 'approve', 'try without stock');
    expect(tooEarly.status).toBe(200);
    expect(tooEarly.body).toMatchObject({ status: 'NEEDS_REVIEW', reason: expect.stringMatching(/only 0 of 1/) });

    await createSkuWithKeys(stack, sku, ['RF-1']);
    const approved = await admin(order.orderNo, 'approve', 'restocked, deliver');
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('DELIVERED');
    const again = await admin(order.orderNo, 'approve', 'twice');
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('DELIVERED');
    const events = await stack.db.orderEvent.findMany({ where: { orderNo: order.orderNo, type: 'APPROVED' } });
    expect(events.map((e) => [e.actor, e.message])).toEqual([
      ['staff:admin', 'try without stock'],
      ['staff:admin', 'restocked, deliver'],
    ]);
  });

  it('a refused refund goes to NEEDS_REVIEW; staff refund it once the channel agrees', async () => {
    const order = await inReviewAfterRefusedRefund(uniqueSku('refund2'));
    await setTradeFaults(stack, order.orderNo, {});
    const refunded = await admin(order.orderNo, 'refund', 'buyer asked');
    expect(refunded.body.status).toBe('REFUNDED');
    const repeated = await admin(order.orderNo, 'refund', 'again');
    expect(repeated.status).toBe(200);
    expect(repeated.body.status).toBe('REFUNDED');
    expect(await stack.db.refund.count({ where: { orderNo: order.orderNo, status: 'SUCCEEDED' } })).toBe(1);
  });

  it('a staff refund on a live run that is still retrying when staff stop waiting answers pending, and finishes on its own', async () => {
    const order = await inReviewAfterRefusedRefund(uniqueSku('pending-live'));
    await setTradeFaults(stack, order.orderNo, {});
    await gateway(true);
    try {
      const outcome = await performOrderAction({ ...stack, clock: () => new Date() }, order.orderNo, 'refund', { actor: 'staff:alice' }, { waitMs: 1_500 });
      expect(outcome).toMatchObject({ pending: true, workflowId: `order-${order.orderNo}` });
    } finally {
      await gateway(false);
    }
    await waitForStatus(stack.db, order.orderNo, 'REFUNDED', 30_000);
  });

  it('staff refund a delivered order as a follow-up run: keys become VOID', async () => {
    const sku = uniqueSku('refdel');
    await createSkuWithKeys(stack, sku, ['RD-1']);
    const order = await deliveredAndClosed(stack, sku);
    const refunded = await request('POST', `${stack.api.url}/api/admin/orders/${order.orderNo}/refund`, {
      headers: adminHeaders('test-support-token-0123456789'),
      json: { note: 'wrong product' },
    });
    expect(refunded.status).toBe(200);
    expect(refunded.body).toMatchObject({ status: 'REFUNDED', workflowId: expect.stringMatching(new RegExp(`^order-${order.orderNo}-refund-`)) });
    expect(await stack.db.cardKey.findFirstOrThrow({ where: { sku } })).toMatchObject({ status: 'VOID', orderNo: order.orderNo });
    const event = await stack.db.orderEvent.findFirstOrThrow({ where: { orderNo: order.orderNo, type: 'REFUND_REQUESTED' } });
    expect(event).toMatchObject({ actor: 'staff:alice', message: 'wrong product' });
    const view = await request('GET', `${stack.api.url}/api/orders/${order.orderNo}?token=${order.accessToken}`);
    expect(view.body.cardKeys).toBeUndefined();
  });

  it('a follow-up run still at work when staff stop waiting answers pending with the state so far, and finishes on its own', async () => {
    const sku = uniqueSku('pending');
    await createSkuWithKeys(stack, sku, ['PD-1']);
    const order = await deliveredAndClosed(stack, sku);
    // The channel is down: the refund is retried, and the staff member is answered before it succeeds.
    await gateway(true);
    try {
      const outcome = await performOrderAction(
        { ...stack, clock: () => new Date() },
        order.orderNo,
        'refund',
        { actor: 'staff:alice', note: 'slow channel' },
        { waitMs: 1_500 },
      );
      expect(outcome).toMatchObject({ pending: true, workflowId: expect.stringMatching(new RegExp(`^order-${order.orderNo}-refund-`)) });
      expect(['DELIVERED', 'REFUNDING']).toContain(outcome.status);
    } finally {
      await gateway(false);
    }
    await waitForStatus(stack.db, order.orderNo, 'REFUNDED', 30_000);
    expect(await stack.db.refund.count({ where: { orderNo: order.orderNo, status: 'SUCCEEDED' } })).toBe(1);
  });

  it('refuses to refund a delivered order when REFUND_DELIVERED=false', async () => {
    const gated = await startStack({ env: { REFUND_DELIVERED: 'false' } });
    try {
      const sku = uniqueSku('gated');
      await createSkuWithKeys(gated, sku, ['G-1']);
      const order = await placeOrder(gated, sku);
      await payInSandbox(gated, order);
      await waitForStatus(gated.db, order.orderNo, 'DELIVERED');
      const response = await request('POST', `${gated.api.url}/api/admin/orders/${order.orderNo}/refund`, { headers: adminHeaders(), json: { note: 'no' } });
      expect(response.status).toBe(409);
      expect(response.body.message).toContain('REFUND_DELIVERED=false');
      expect((await gated.db.cardKey.findFirstOrThrow({ where: { sku } })).status).toBe('SOLD');
    } finally {
      await gated.stop();
    }
  });

  it('resends the delivery email of a closed order', async () => {
    const sku = uniqueSku('resend');
    await createSkuWithKeys(stack, sku, ['RSD-1']);
    const order = await placeOrder(stack, sku, 1, 'resend@example.com');
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    const resent = await admin(order.orderNo, 'resend', 'buyer lost it');
    expect(resent.body.status).toBe('DELIVERED');
    const mails = stack.sink.messages().filter((m) => m.to === 'resend@example.com');
    expect(mails).toHaveLength(2);
    expect(mails.every((m) => m.text.includes('RSD-1'))).toBe(true);
  });

  it('resends to an address the buyer gave support when theirs was refused; a refused address is a refusal to staff, and only resend takes one', async () => {
    const sku = uniqueSku('resend-to');
    await createSkuWithKeys(stack, sku, ['RTO-1']);
    const order = await placeOrder(stack, sku, 1, 'typo@mailbox.invalid');
    await payInSandbox(stack, order);
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    const send = (json: object) => request('POST', `${stack.api.url}/api/admin/orders/${order.orderNo}/resend`, { headers: adminHeaders(), json });
    // Another refused address: staff are told, nothing is sent, the order's own refusal stays the only one.
    const refused = await send({ to: 'still-wrong@mailbox.invalid', note: 'buyer called' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('refuses that address for good');
    // An address the server finds malformed (a bare 501, valid to the API's schema) is refused at once too, not retried.
    const label = 'a'.repeat(63);
    const malformed = await send({ to: `0@${label}.${label}.${label}.${'a'.repeat(60)}` });
    expect([malformed.status, malformed.body.message]).toEqual([409, expect.stringContaining('refuses that address for good')]);
    expect(await stack.db.orderEvent.count({ where: { orderNo: order.orderNo, type: 'EMAIL_REJECTED' } })).toBe(1);
    const resent = await send({ to: 'Right@Example.com', note: 'buyer called with the right address' });
    expect(resent.status).toBe(200);
    const mail = stack.sink.messages().find((m) => m.to === 'right@example.com');
    expect(mail?.text).toContain('RTO-1');
    const events = await stack.db.orderEvent.findMany({ where: { orderNo: order.orderNo, type: 'EMAIL_RESENT' } });
    expect(events.map((e) => e.message)).toEqual(['resend email sent to right@example.com']);
    // The order's own address is unchanged; only a resend takes another.
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).email).toBe('typo@mailbox.invalid');
    const wrongAction = await request('POST', `${stack.api.url}/api/admin/orders/${order.orderNo}/refund`, {
      headers: adminHeaders(),
      json: { to: 'x@example.com' },
    });
    expect(wrongAction.status).toBe(400);
    expect((await send({ to: 'not an address' })).status).toBe(400);
  });

  it('lets the buyer cancel before paying, not after; a repeated cancel is a no-op', async () => {
    const sku = uniqueSku('cancel');
    await createSkuWithKeys(stack, sku, ['C-1', 'C-2']);
    const unpaid = await placeOrder(stack, sku);
    const cancel = (o: { orderNo: string; accessToken: string }, token = o.accessToken) =>
      request('POST', `${stack.api.url}/api/orders/${o.orderNo}/cancel`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await cancel(unpaid, 'wrong-token')).status).toBe(404);
    const cancelled = await cancel(unpaid);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect((await cancel(unpaid)).body.status).toBe('CANCELLED');
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: unpaid.orderNo } })).status).toBe('CANCELLED');

    const paid = await placeOrder(stack, sku);
    await payInSandbox(stack, paid);
    await waitForStatus(stack.db, paid.orderNo, 'DELIVERED');
    const late = await cancel(paid);
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/only an unpaid order can be cancelled/);
    const staffLate = await admin(paid.orderNo, 'cancel');
    expect(staffLate.status).toBe(409);
  });

  it('answers 404 for an action on an unknown order, 401 without a token', async () => {
    expect((await admin('NOSUCHORDER7', 'refund')).status).toBe(404);
    expect((await request('POST', `${stack.api.url}/api/admin/orders/NOSUCHORDER7/refund`, { json: {} })).status).toBe(401);
    expect((await admin('NOSUCHORDER7', 'explode')).status).toBe(404);
  });

  it('lists orders for staff by status, email and SKU, paged', async () => {
    const sku = uniqueSku('list');
    await createSkuWithKeys(stack, sku, ['L-1', 'L-2', 'L-3']);
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await placeOrder(stack, sku, 1, 'lister@example.com'));
    const first = await request('GET', `${stack.api.url}/api/admin/orders?sku=${sku}&limit=2`, { headers: adminHeaders() });
    expect(first.status).toBe(200);
    expect(first.body.orders).toHaveLength(2);
    const second = await request('GET', `${stack.api.url}/api/admin/orders?sku=${sku}&limit=2&cursor=${first.body.nextCursor}`, { headers: adminHeaders() });
    expect(second.body.orders).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const all = [...first.body.orders, ...second.body.orders].map((o: { orderNo: string }) => o.orderNo).sort();
    expect(all).toEqual(orders.map((o) => o.orderNo).sort());
    const byEmail = await request('GET', `${stack.api.url}/api/admin/orders?email=LISTER@example.com&status=AWAITING_PAYMENT&sku=${sku}`, {
      headers: adminHeaders(),
    });
    expect(byEmail.body.orders).toHaveLength(3);
    const bad = await request('GET', `${stack.api.url}/api/admin/orders?status=LOST`, { headers: adminHeaders() });
    expect(bad.status).toBe(400);
  });

  it("mails the order link only to the order's own address, answering the same either way", async () => {
    const sku = uniqueSku('link');
    await createSkuWithKeys(stack, sku, ['LK-1']);
    const order = await placeOrder(stack, sku, 1, 'owner@example.com');
    const wrong = await request('POST', `${stack.api.url}/api/orders/resend-link`, { json: { orderNo: order.orderNo, email: 'attacker@example.com' } });
    const right = await request('POST', `${stack.api.url}/api/orders/resend-link`, { json: { orderNo: order.orderNo, email: 'Owner@Example.com' } });
    expect(wrong.status).toBe(202);
    expect(right.status).toBe(202);
    expect(right.body).toEqual(wrong.body);
    const mail = await waitFor(async () => stack.sink.messages().find((m) => m.to === 'owner@example.com' && m.subject.includes('order link')), 'link email');
    expect(mail.text).toContain(`/orders/${order.orderNo}?token=${encodeURIComponent(order.accessToken)}`);
    expect(stack.sink.messages().some((m) => m.to === 'attacker@example.com')).toBe(false);
  });

  it('a delivered order whose refund the channel refuses waits for staff with its keys still sold, and that breaks no invariant', async () => {
    const sku = uniqueSku('refund-delivered');
    await createSkuWithKeys(stack, sku, ['RD-0', 'RD-1']);
    const order = await placeOrder(stack, sku);
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await setTradeFaults(stack, order.orderNo, { refuseRefunds: true });
    const refused = await admin(order.orderNo, 'refund', 'buyer asked');
    expect(refused.body).toMatchObject({ status: 'NEEDS_REVIEW', reason: expect.stringMatching(/refund failed/) });
    // The buyer has the key: it stays SOLD until a refund goes through (found by npm run fuzz).
    expect(await stack.db.cardKey.count({ where: { orderNo: order.orderNo, status: 'SOLD' } })).toBe(1);
    expect((await checkInvariants(stack.db, { graceMs: 60_000 })).filter((v) => v.orderNo === order.orderNo)).toEqual([]);
  });

  it('keeps every invariant after all of the above', async () => {
    expect(await checkInvariants(stack.db, { graceMs: 60_000 })).toEqual([]);
  });
});
