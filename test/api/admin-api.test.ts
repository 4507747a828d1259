import { adminHeaders, createSkuWithKeys, payInSandbox, placeOrder, request, startStack, waitForStatus, type Stack } from '../support/stack';
import { TEST_SUPPORT_TOKEN, uniqueSku } from '../support/config';

describe('admin API over HTTP', () => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack();
    url = stack.api.url;
  });
  afterAll(() => stack.stop());

  it.each([
    ['no token', {}],
    ['a wrong token', { Authorization: 'Bearer not-a-real-token-at-all' }],
    ['a malformed header', { Authorization: 'Basic abc' }],
  ])('refuses %s with 401 and changes nothing', async (_name, headers) => {
    const sku = uniqueSku('auth');
    const put = await request('PUT', `${url}/api/admin/skus/${sku}`, { headers, json: { name: 'x', priceCents: 1, currency: 'CNY' } });
    expect(put.status).toBe(401);
    expect(put.headers.get('www-authenticate')).toContain('Bearer');
    expect(await stack.db.sku.findUnique({ where: { sku } })).toBeNull();
    expect((await request('GET', `${url}/api/admin/skus/${sku}`, { headers })).status).toBe(401);
    expect((await request('POST', `${url}/api/admin/skus/${sku}/keys`, { headers: { ...headers, 'Content-Type': 'text/plain' }, body: 'K' })).status).toBe(401);
    expect((await request('GET', `${url}/api/admin/orders/ABCDEF123`, { headers })).status).toBe(401);
  });

  it('creates (201) then updates (200) a SKU; every ADMIN_TOKENS name may act', async () => {
    const sku = uniqueSku('put');
    const created = await request('PUT', `${url}/api/admin/skus/${sku}`, {
      headers: adminHeaders(),
      json: { name: 'Steam 50', priceCents: 5000, currency: 'CNY' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sku, name: 'Steam 50', priceCents: 5000, currency: 'CNY', active: true });
    const updated = await request('PUT', `${url}/api/admin/skus/${sku}`, {
      headers: adminHeaders(TEST_SUPPORT_TOKEN),
      json: { name: 'Steam 50 (new)', priceCents: 4800, currency: 'CNY', active: false },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Steam 50 (new)', priceCents: 4800, active: false });
  });

  it('keeps the storefront fields a PUT leaves out, clears them with null, and holds placements to the SKU bounds', async () => {
    const sku = uniqueSku('shopf');
    const put = (json: object) => request('PUT', `${url}/api/admin/skus/${sku}`, { headers: adminHeaders(), json });
    const full = {
      name: 'Game card',
      priceCents: 1000,
      currency: 'CNY',
      description: 'Line one\nLine two',
      deliveryInstructions: '在商店兑换',
      category: 'Games',
      minQuantity: 2,
      maxQuantity: 3,
      sortOrder: -5,
    };
    expect((await put(full)).status).toBe(201);
    // An older client's PUT (name, price, currency) changes only those.
    const older = await put({ name: 'Game card 2', priceCents: 900, currency: 'CNY' });
    expect(older.body).toMatchObject({ ...full, name: 'Game card 2', priceCents: 900 });
    const catalogue = await request('GET', `${url}/api/skus`);
    expect(catalogue.body.skus.find((s: { sku: string }) => s.sku === sku)).toMatchObject({ category: 'Games', minQuantity: 2, maxQuantity: 3 });

    const keys = await request('POST', `${url}/api/admin/skus/${sku}/keys`, {
      headers: { ...adminHeaders(), 'Content-Type': 'text/plain' },
      body: 'B-1\nB-2\nB-3\nB-4',
    });
    expect(keys.body.imported).toBe(4);
    const order = (quantity: number) => request('POST', `${url}/api/orders`, { json: { sku, quantity, email: 'bounds@example.com' } });
    expect((await order(1)).body.error).toBe('quantity_under_minimum');
    expect((await order(4)).body.error).toBe('quantity_over_cap');
    expect((await order(2)).status).toBe(201);

    // A maximum below the stored minimum is refused as a 400, never a constraint failure.
    const bad = await put({ name: 'Game card 2', priceCents: 900, currency: 'CNY', maxQuantity: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('maxQuantity');
    const cleared = await put({ name: 'Game card 2', priceCents: 900, currency: 'CNY', description: null, maxQuantity: null });
    expect(cleared.body).toMatchObject({ description: null, maxQuantity: null, category: 'Games' });
  });

  it.each([
    ['a bad slug', 'Bad_Slug', { name: 'x', priceCents: 1, currency: 'CNY' }],
    ['a negative price', 'ok-slug', { name: 'x', priceCents: -1, currency: 'CNY' }],
    ['a lowercase currency', 'ok-slug', { name: 'x', priceCents: 1, currency: 'cny' }],
    ['a missing name', 'ok-slug', { priceCents: 1, currency: 'CNY' }],
    ['a blank name', 'ok-slug', { name: '   ', priceCents: 1, currency: 'CNY' }],
    // Postgres text cannot store NUL: refused with a 400 before the write, never a 500 (found by npm run fuzz).
    ['a NUL in the name', 'ok-slug', { name: 'Steam\u000050', priceCents: 1, currency: 'CNY' }],
    ['a lone surrogate in the name', 'ok-slug', { name: 'Steam \ud800', priceCents: 1, currency: 'CNY' }],
  ])('refuses a SKU with %s (400)', async (_name, sku, json) => {
    const { status, body } = await request('PUT', `${url}/api/admin/skus/${sku}`, { headers: adminHeaders(), json });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
  });

  it('names the field when a number arrives as text or out of range', async () => {
    const put = (json: object) => request('PUT', `${url}/api/admin/skus/ok-slug`, { headers: adminHeaders(), json });
    const asText = await put({ name: 'x', priceCents: '12', currency: 'CNY', minQuantity: 'two' });
    expect(asText.status).toBe(400);
    expect(asText.body.message).toBe('priceCents: priceCents must be a whole number of cents; minQuantity: minQuantity must be a whole number');
    const outOfRange = await put({ name: 'x', priceCents: 1, currency: 'CNY', sortOrder: 2_000_000 });
    expect(outOfRange.body.message).toBe('sortOrder: sortOrder must be from -1000000 to 1000000');
  });

  it('imports keys in one go, reporting duplicates and every rejected line by number', async () => {
    const sku = uniqueSku('imp');
    await createSkuWithKeys(stack, sku, ['EXISTING-1']);
    const body = ['NEW-1', '', 'EXISTING-1', 'NEW-2', 'NEW-1', 'x'.repeat(600), 'BAD\u0001KEY', '  NEW-3  '].join('\n');
    const { status, body: result } = await request('POST', `${url}/api/admin/skus/${sku}/keys`, {
      headers: { ...adminHeaders(), 'Content-Type': 'text/plain' },
      body,
    });
    expect(status).toBe(200);
    expect(result).toMatchObject({
      imported: 3,
      duplicate: 2,
      rejected: 2,
      duplicateLines: [3, 5],
      rejectedLines: [
        { line: 6, reason: 'longer than 512 characters' },
        { line: 7, reason: 'contains control characters' },
      ],
      stock: { AVAILABLE: 4, RESERVED: 0, SOLD: 0, VOID: 0 },
    });
    expect(JSON.stringify(result)).not.toContain('NEW-1');
    const stored = await stack.db.cardKey.findMany({ where: { sku } });
    expect(stored.every((k) => !k.secret.includes('NEW'))).toBe(true);

    const again = await request('POST', `${url}/api/admin/skus/${sku}/keys`, { headers: { ...adminHeaders(), 'Content-Type': 'text/plain' }, body });
    expect(again.body).toMatchObject({ imported: 0, duplicate: 5 });
  });

  it('answers an order action it does not know with 404, naming it', async () => {
    const { status, body } = await request('POST', `${url}/api/admin/orders/KABCDEF12345/frobnicate`, { headers: adminHeaders(), json: {} });
    expect(status).toBe(404);
    expect(body.message).toBe('no action frobnicate');
  });

  it('refuses keys for an unknown SKU (404) or sent as JSON (415)', async () => {
    const unknown = await request('POST', `${url}/api/admin/skus/no-such-sku/keys`, {
      headers: { ...adminHeaders(), 'Content-Type': 'text/plain' },
      body: 'K-1',
    });
    expect(unknown.status).toBe(404);
    const sku = uniqueSku('json');
    await createSkuWithKeys(stack, sku, []);
    const json = await request('POST', `${url}/api/admin/skus/${sku}/keys`, { headers: adminHeaders(), json: ['K-1'] });
    expect(json.status).toBe(415);
    expect(await stack.db.cardKey.count({ where: { sku } })).toBe(0);
  });

  it('shows stock by status for a SKU, 404 for an unknown one', async () => {
    const sku = uniqueSku('stock');
    await createSkuWithKeys(stack, sku, ['ST-1', 'ST-2']);
    const { status, body } = await request('GET', `${url}/api/admin/skus/${sku}`, { headers: adminHeaders() });
    expect(status).toBe(200);
    expect(body.stock).toEqual({ AVAILABLE: 2, RESERVED: 0, SOLD: 0, VOID: 0 });
    expect((await request('GET', `${url}/api/admin/skus/no-such-sku`, { headers: adminHeaders() })).status).toBe(404);
  });

  it('shows an order with its payments, inbox entries and timeline, never the keys', async () => {
    const sku = uniqueSku('adm');
    await createSkuWithKeys(stack, sku, ['ADMIN-SECRET-KEY']);
    const order = await placeOrder(stack, sku);
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    const { status, body } = await request('GET', `${url}/api/admin/orders/${order.orderNo}`, { headers: adminHeaders() });
    expect(status).toBe(200);
    expect(body).toMatchObject({ orderNo: order.orderNo, status: 'DELIVERED', workflowId: `order-${order.orderNo}` });
    expect(body.payments).toHaveLength(1);
    expect(body.notifications).toEqual([expect.objectContaining({ verdict: 'VERIFIED', paid: true, orderNo: order.orderNo })]);
    expect(body.events.map((e: { type: string }) => e.type)).toContain('DELIVERED');
    expect(body.cardKeys).toEqual([expect.objectContaining({ status: 'SOLD' })]);
    expect(JSON.stringify(body)).not.toContain('ADMIN-SECRET-KEY');
    expect((await request('GET', `${url}/api/admin/orders/NOSUCHORDER9`, { headers: adminHeaders() })).status).toBe(404);
    expect((await request('GET', `${url}/api/admin/orders/bad!`, { headers: adminHeaders() })).status).toBe(400);
  });
});
