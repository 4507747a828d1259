import { archiveWorkflow } from '../../src/workflows/archive';
import { isUniqueViolation } from '../../src/db/errors';
import { adminHeaders, createSkuWithKeys, formPost, payInSandbox, placeOrder, request, startStack, waitFor, waitForStatus, type Stack } from '../support/stack';
import { paidNotification } from '../support/epay-recipe';
import { uniqueSku } from '../support/config';

const DAY = 86_400_000;

describe('archiving settled orders after ARCHIVE_AFTER', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { PAYMENT_POLL_INTERVAL: '0' } });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const archive = (batchSize: number) =>
    stack.temporal.workflow.execute(archiveWorkflow, {
      workflowId: `archive-test-${Date.now()}`,
      taskQueue: stack.config.temporal.taskQueue,
      args: [{ olderThanMs: 90 * DAY, batchSize }],
    });
  /** As if it had been settled this many days ago. */
  const age = (orderNo: string, days: number) =>
    stack.db
      .$executeRaw`UPDATE "Order" SET "createdAt" = now() - make_interval(days => ${days}), "updatedAt" = now() - make_interval(days => ${days}) WHERE "orderNo" = ${orderNo}`;

  it('moves old settled orders out of the hot tables; buyers and staff still read them, and their keys stay unique', async () => {
    const sku = uniqueSku('arc');
    await createSkuWithKeys(stack, sku, ['ARC-1', 'ARC-2', 'ARC-3', 'ARC-4', 'ARC-5', 'ARC-6']);
    const idempotencyKey = `arc-${sku}`;
    const placed = await request('POST', `${stack.api.url}/api/orders`, {
      headers: { 'Idempotency-Key': idempotencyKey },
      json: { sku, quantity: 1, email: 'archive@example.com', channel: 'epay', queryPassword: 'correct horse' },
    });
    expect(placed.status).toBe(201);
    const old = placed.body as { orderNo: string; accessToken: string; payUrl: string };
    const { tradeNo } = await payInSandbox(stack, old as Parameters<typeof payInSandbox>[1]);
    const oldAlso = await placeOrder(stack, sku);
    await payInSandbox(stack, oldAlso);
    const recent = await placeOrder(stack, sku);
    await payInSandbox(stack, recent);
    const unpaid = await placeOrder(stack, sku);
    for (const o of [old, oldAlso, recent]) await waitForStatus(stack.db, o.orderNo, 'DELIVERED');
    // Their runs finish their last step (the email, which touches the row) before the orders are made old.
    await waitFor(
      async () => (await stack.db.order.count({ where: { orderNo: { in: [old.orderNo, oldAlso.orderNo, recent.orderNo] }, emailedAt: { not: null } } })) === 3,
      'the delivery emails',
    );
    const before = (await request('GET', `${stack.api.url}/api/orders/${old.orderNo}`, { headers: { Authorization: `Bearer ${old.accessToken}` } })).body;
    for (const orderNo of [old.orderNo, oldAlso.orderNo, unpaid.orderNo]) await age(orderNo, 120);
    await age(recent.orderNo, 30);

    // One order a batch: the run goes on until nothing old and settled is left.
    expect(await archive(1)).toEqual({ archived: 2 });
    const hot = await stack.db.order.findMany({
      where: { orderNo: { in: [old.orderNo, oldAlso.orderNo, recent.orderNo, unpaid.orderNo] } },
      select: { orderNo: true },
    });
    expect(hot.map((o) => o.orderNo).sort()).toEqual([recent.orderNo, unpaid.orderNo].sort());
    expect(await stack.db.orderEvent.count({ where: { orderNo: old.orderNo } })).toBe(0);
    expect(await stack.db.payment.count({ where: { orderNo: old.orderNo } })).toBe(0);
    expect(await stack.db.paymentNotification.count({ where: { orderNo: old.orderNo } })).toBe(0);
    // The sold key stays in stock's table, still naming its order (its fingerprint still refuses a re-import).
    expect(await stack.db.cardKey.count({ where: { status: 'SOLD', orderNo: { in: [old.orderNo, oldAlso.orderNo] } } })).toBe(2);
    const reimport = await request('POST', `${stack.api.url}/api/admin/skus/${sku}/keys`, {
      headers: { ...adminHeaders(), 'Content-Type': 'text/plain' },
      body: 'ARC-1',
    });
    expect(reimport.body).toMatchObject({ imported: 0 });

    // The buyer's link still opens it, keys and all, as it was.
    const after = await request('GET', `${stack.api.url}/api/orders/${old.orderNo}`, { headers: { Authorization: `Bearer ${old.accessToken}` } });
    expect(after.status).toBe(200);
    // (createdAt is the date this test made old.)
    expect(after.body).toEqual({ ...before, createdAt: expect.any(String) });
    expect((after.body as { cardKeys: string[] }).cardKeys).toHaveLength(1);
    expect((await request('GET', `${stack.api.url}/api/orders/${old.orderNo}`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(404);
    // So does the order password, on the shop's lookup page.
    const byPassword = await formPost(`${stack.api.url}/lookup`, { orderNo: old.orderNo, password: 'correct horse' });
    expect(byPassword.status).toBe(303);
    const opened = await request('GET', `${stack.api.url}/orders/${old.orderNo}`, { headers: { cookie: byPassword.headers.get('set-cookie')!.split(';')[0] } });
    expect(opened.text).toContain('ARC-');
    expect((await formPost(`${stack.api.url}/lookup`, { orderNo: old.orderNo, password: 'wrong horse' })).status).toBe(404);
    // "Mail me my link" reaches it too: a link that opens it, to the order's own address, once per cooldown.
    const linkMails = () => stack.sink.messages().filter((m) => m.to === 'archive@example.com' && m.subject === `Your order link for ${old.orderNo}`);
    const askLink = () => request('POST', `${stack.api.url}/api/orders/resend-link`, { json: { orderNo: old.orderNo, email: 'archive@example.com' } });
    expect((await askLink()).status).toBe(202);
    await waitFor(async () => linkMails().length === 1, 'the link email of an archived order');
    const mailedLink = /https?:\/\/\S+/.exec(linkMails()[0].text.slice(linkMails()[0].text.indexOf('http')))![0];
    const token = new URL(mailedLink).searchParams.get('token') ?? '';
    const byMailedLink = await request('GET', `${stack.api.url}/api/orders/${old.orderNo}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(byMailedLink.status).toBe(200);
    expect((await askLink()).status).toBe(202);
    await waitFor(async () => (await stack.db.orderArchive.findUnique({ where: { orderNo: old.orderNo } }))?.linkRequestedAt !== null, 'the request noted');
    await new Promise((r) => setTimeout(r, 1000));
    expect(linkMails()).toHaveLength(1);

    // Staff see it whole, marked archived.
    const staff = await request('GET', `${stack.api.url}/api/admin/orders/${old.orderNo}`, { headers: adminHeaders() });
    expect(staff.status).toBe(200);
    expect(staff.body).toMatchObject({ orderNo: old.orderNo, archived: true, status: 'DELIVERED', payments: [{ tradeNo }], cardKeys: [{ status: 'SOLD' }] });
    expect((staff.body as { events: Array<{ type: string }> }).events.map((e) => e.type)).toEqual(expect.arrayContaining(['CREATED', 'PAID', 'DELIVERED']));
    expect(staff.body).not.toHaveProperty('idempotencyKey');
    expect((await request('GET', `${stack.api.url}/api/admin/orders/${recent.orderNo}`, { headers: adminHeaders() })).body).toMatchObject({ archived: false });

    // Staff search finds hot and archived orders together, newest first, a page at a time.
    const search = async (filters: string) => {
      const found: Array<{ orderNo: string; archived: boolean }> = [];
      let cursor: string | null = null;
      do {
        const page = await request('GET', `${stack.api.url}/api/admin/orders?${filters}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
          headers: adminHeaders(),
        });
        expect(page.status).toBe(200);
        const body = page.body as { orders: typeof found; nextCursor: string | null };
        found.push(...body.orders.map((o) => ({ orderNo: o.orderNo, archived: o.archived })));
        cursor = body.nextCursor;
      } while (cursor);
      return found;
    };
    // (Made old one after another: the first is the oldest.)
    expect(await search(`sku=${sku}`)).toEqual([
      { orderNo: recent.orderNo, archived: false },
      { orderNo: unpaid.orderNo, archived: false },
      { orderNo: oldAlso.orderNo, archived: true },
      { orderNo: old.orderNo, archived: true },
    ]);
    expect(await search('email=archive%40example.com')).toEqual([{ orderNo: old.orderNo, archived: true }]);
    expect((await search(`sku=${sku}&status=DELIVERED`)).map((o) => o.orderNo)).toEqual([recent.orderNo, oldAlso.orderNo, old.orderNo]);
    expect(await search(`sku=${sku}&status=AWAITING_PAYMENT`)).toEqual([{ orderNo: unpaid.orderNo, archived: false }]);
    const archivedRow = (await request('GET', `${stack.api.url}/api/admin/orders?email=archive%40example.com`, { headers: adminHeaders() })).body as {
      orders: Array<Record<string, unknown>>;
    };
    expect(archivedRow.orders[0]).toMatchObject({ orderNo: old.orderNo, status: 'DELIVERED', amountCents: 1000, createdAt: expect.any(String) });
    expect(archivedRow.orders[0]).not.toHaveProperty('idempotencyKey');

    // The same request again with its old Idempotency-Key makes no second order.
    const again = await request('POST', `${stack.api.url}/api/orders`, {
      headers: { 'Idempotency-Key': idempotencyKey },
      json: { sku, quantity: 1, email: 'archive@example.com', channel: 'epay', queryPassword: 'correct horse' },
    });
    expect({ status: again.status, body: again.body }).toMatchObject({
      status: 422,
      body: { error: 'idempotency_key_reused', message: expect.stringContaining('archived') },
    });
    // The channel repeating its old notification is a duplicate: answered success, nothing stored or delivered.
    const ordersBefore = await stack.db.order.count();
    const replay = await request('GET', `${stack.api.url}/api/payments/epay/notify?${new URLSearchParams(paidNotification(old.orderNo, tradeNo, '10.00'))}`);
    expect(replay.text).toBe('success');
    expect(await stack.db.paymentNotification.count({ where: { orderNo: old.orderNo } })).toBe(0);
    expect(await stack.db.order.count()).toBe(ordersBefore);
    // And no hot row may take an archived order's number or trade.
    const clash = await stack.db.payment.create({ data: { orderNo: recent.orderNo, channel: 'epay', tradeNo, amountCents: 1, currency: 'CNY' } }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isUniqueViolation(clash)).toBe(true);

    // A second run finds nothing more to move.
    expect(await archive(10)).toEqual({ archived: 0 });
  });
});
