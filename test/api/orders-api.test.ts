import { adminHeaders, createSkuWithKeys, payInSandbox, placeOrder, request, startStack, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';

describe('buyer API over HTTP', () => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({ env: { MAX_QUANTITY: '3' } });
    url = stack.api.url;
  });
  afterAll(() => stack.stop());

  describe('GET /api/skus', () => {
    it('lists active SKUs with their available count, not inactive ones', async () => {
      const sku = uniqueSku('cat');
      const hidden = uniqueSku('hidden');
      await createSkuWithKeys(stack, sku, ['C-1', 'C-2'], 1234);
      await createSkuWithKeys(stack, hidden, ['H-1']);
      await request('PUT', `${url}/api/admin/skus/${hidden}`, { headers: adminHeaders(), json: { name: 'x', priceCents: 1, currency: 'CNY', active: false } });
      const { status, body } = await request('GET', `${url}/api/skus`);
      expect(status).toBe(200);
      expect(body.skus).toContainEqual({
        sku,
        name: `Test ${sku}`,
        priceCents: 1234,
        currency: 'CNY',
        available: 2,
        availableCapped: false,
        description: null,
        deliveryInstructions: null,
        category: null,
        minQuantity: 1,
        maxQuantity: null,
        sortOrder: 0,
      });
      expect(body.skus.map((s: { sku: string }) => s.sku)).not.toContain(hidden);
    });
  });

  describe('POST /api/orders', () => {
    let sku: string;
    beforeAll(async () => {
      sku = uniqueSku('ord');
      await createSkuWithKeys(stack, sku, ['O-1', 'O-2', 'O-3', 'O-4'], 2500);
    });

    it('creates an order awaiting payment with a signed pay URL and an access token', async () => {
      const { status, body } = await request('POST', `${url}/api/orders`, { json: { sku, quantity: 2, email: ' Buyer@Example.COM ', channel: 'epay' } });
      expect(status).toBe(201);
      expect(body).toMatchObject({ status: 'AWAITING_PAYMENT', amountCents: 5000, currency: 'CNY' });
      expect(body.orderNo).toMatch(/^[A-Za-z0-9]{6,32}$/);
      expect(body.payUrl).toContain(`${stack.sandboxUrl}/submit.php?`);
      expect(new URL(body.payUrl).searchParams.get('money')).toBe('50.00');
      expect(new URL(body.payUrl).searchParams.get('out_trade_no')).toBe(body.orderNo);
      expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
      const row = await stack.db.order.findUniqueOrThrow({ where: { orderNo: body.orderNo } });
      expect(row.email).toBe('buyer@example.com');
      expect(row.status).toBe('AWAITING_PAYMENT');
    });

    it.each([
      ['not JSON object fields', { sku: 'x' }],
      ['bad sku slug', { sku: 'Bad SKU!', quantity: 1, email: 'a@b.co', channel: 'epay' }],
      ['zero quantity', { sku: 'abc', quantity: 0, email: 'a@b.co', channel: 'epay' }],
      ['fractional quantity', { sku: 'abc', quantity: 1.5, email: 'a@b.co', channel: 'epay' }],
      ['bad email', { sku: 'abc', quantity: 1, email: 'nope', channel: 'epay' }],
      ['unknown channel', { sku: 'abc', quantity: 1, email: 'a@b.co', channel: 'paypal' }],
      ['extra field', { sku: 'abc', quantity: 1, email: 'a@b.co', channel: 'epay', price: 1 }],
    ])('answers 400 for %s and creates nothing', async (_name, json) => {
      // Other test files share the database: count only what this request could have created.
      const email = `invalid-${Math.random().toString(36).slice(2)}@example.com`;
      const sent = 'email' in json && json.email !== 'nope' ? { ...json, email } : json;
      const { status, body } = await request('POST', `${url}/api/orders`, { json: sent });
      expect(status).toBe(400);
      expect(body.error).toBe('invalid_request');
      expect(await stack.db.order.count({ where: { email } })).toBe(0);
    });

    it('names the enabled channels when the channel is wrong', async () => {
      const { body } = await request('POST', `${url}/api/orders`, { json: { sku, quantity: 1, email: 'a@b.co', channel: 'stripe' } });
      expect(body.message).toContain('channel must be auto or one of: epay');
    });

    it('answers 400 for malformed JSON and 415 for another content type', async () => {
      const malformed = await request('POST', `${url}/api/orders`, { headers: { 'Content-Type': 'application/json' }, body: '{"sku":' });
      expect(malformed.status).toBe(400);
      const form = await request('POST', `${url}/api/orders`, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'sku=a' });
      expect(form.status).toBe(415);
    });

    it('answers 413 for an oversized body', async () => {
      const { status } = await request('POST', `${url}/api/orders`, { json: { sku, quantity: 1, email: 'a@b.co', channel: 'epay', pad: 'x'.repeat(20_000) } });
      expect(status).toBe(413);
    });

    it('answers 404 for an unknown or inactive SKU', async () => {
      const { status, body } = await request('POST', `${url}/api/orders`, { json: { sku: 'no-such-sku', quantity: 1, email: 'a@b.co', channel: 'epay' } });
      expect(status).toBe(404);
      expect(body.error).toBe('unknown_sku');
    });

    it('answers 409 when stock is short or the quantity is over the cap', async () => {
      const small = uniqueSku('small');
      await createSkuWithKeys(stack, small, ['S-1']);
      const short = await request('POST', `${url}/api/orders`, { json: { sku: small, quantity: 2, email: 'a@b.co', channel: 'epay' } });
      expect(short.status).toBe(409);
      expect(short.body.error).toBe('insufficient_stock');
      const cap = await request('POST', `${url}/api/orders`, { json: { sku, quantity: 4, email: 'a@b.co', channel: 'epay' } });
      expect(cap.status).toBe(409);
      expect(cap.body.error).toBe('quantity_over_cap');
    });

    it('returns the same order for the same Idempotency-Key and body, 422 for another body', async () => {
      const headers = { 'Idempotency-Key': `idem-${sku}` };
      const json = { sku, quantity: 1, email: 'idem@example.com', channel: 'epay' };
      const [first, second] = await Promise.all([
        request('POST', `${url}/api/orders`, { headers, json }),
        request('POST', `${url}/api/orders`, { headers, json }),
      ]);
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(await stack.db.order.count({ where: { email: 'idem@example.com' } })).toBe(1);
      const other = await request('POST', `${url}/api/orders`, { headers, json: { ...json, quantity: 2 } });
      expect(other.status).toBe(422);
      expect(other.body.error).toBe('idempotency_key_reused');
    });
  });

  describe('GET /api/orders/:orderNo and the HTML page', () => {
    it('shows the order to the token holder only, with keys once delivered', async () => {
      const sku = uniqueSku('view');
      await createSkuWithKeys(stack, sku, ['VIEW-KEY-1']);
      const order = await placeOrder(stack, sku);

      const unpaid = await request('GET', `${url}/api/orders/${order.orderNo}`, { headers: { Authorization: `Bearer ${order.accessToken}` } });
      expect(unpaid.status).toBe(200);
      expect(unpaid.body).toMatchObject({ status: 'AWAITING_PAYMENT', payUrl: order.payUrl, paidAt: null, deliveredAt: null });
      expect(unpaid.body.cardKeys).toBeUndefined();

      for (const token of [undefined, 'wrong-token', `${order.accessToken}x`]) {
        const denied = await request('GET', `${url}/api/orders/${order.orderNo}${token ? `?token=${token}` : ''}`);
        expect(denied.status).toBe(404);
      }
      expect((await request('GET', `${url}/api/orders/NOSUCHORDER1?token=${order.accessToken}`)).status).toBe(404);
      expect((await request('GET', `${url}/api/orders/bad!no?token=x`)).status).toBe(404);

      await payInSandbox(stack, order);
      await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
      const delivered = await request('GET', `${url}/api/orders/${order.orderNo}?token=${encodeURIComponent(order.accessToken)}`);
      expect(delivered.body.cardKeys).toEqual(['VIEW-KEY-1']);
      expect(delivered.body.payUrl).toBeUndefined();
      expect(Date.parse(delivered.body.paidAt)).toBeLessThanOrEqual(Date.parse(delivered.body.deliveredAt));
      // The buyer's own timeline, in the shop's words: what happened, never who on staff or why internally.
      expect(delivered.body.timeline.map((e: { type: string }) => e.type)).toEqual(['CREATED', 'PAYMENT_REQUESTED', 'PAID', 'DELIVERED']);
      expect(delivered.body.timeline.map((e: { message: string }) => e.message)).toEqual([
        'order placed',
        'waiting for payment',
        'payment received',
        'delivered',
      ]);

      const page = await request('GET', `${url}/orders/${order.orderNo}?token=${encodeURIComponent(order.accessToken)}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.text).toContain('VIEW-KEY-1');
      expect(page.text).toContain('DELIVERED');
      const hidden = await request('GET', `${url}/orders/${order.orderNo}?token=nope`);
      expect(hidden.status).toBe(404);
      expect(hidden.text).not.toContain('VIEW-KEY-1');
    });
  });

  it('answers /healthz and /readyz', async () => {
    expect((await request('GET', `${url}/healthz`)).body).toEqual({ status: 'ok' });
    const ready = await request('GET', `${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: 'ok', temporal: 'ok' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const { status, body } = await request('GET', `${url}/api/nothing-here`);
    expect(status).toBe(404);
    expect(body.error).toBe('not_found');
  });
});

describe('GET /api/openapi.json', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  it('describes the API from the same schemas that validate it, and every path it names exists', async () => {
    const { status, body } = await request('GET', `${stack.api.url}/api/openapi.json`);
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    const order = body.paths['/api/orders'].post.requestBody.content['application/json'].schema;
    // channel is optional: omitted (or 'auto') lets routing choose.
    expect(order.required.sort()).toEqual(['email', 'quantity', 'sku']);
    expect(order.properties.channel.enum).toEqual(['auto', 'epay']);
    expect(order.additionalProperties).toBe(false);
    expect(order.properties.sku.pattern).toBe('^[a-z0-9-]{1,64}$');
    // Every operation is named once, so generated clients and links can refer to it.
    const ids = Object.values<Record<string, { operationId?: string }>>(body.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    // And every link leads to one of them.
    const linked = Object.values<Record<string, { responses: Record<string, { links?: Record<string, { operationId: string }> }> }>>(body.paths).flatMap(
      (ops) => Object.values(ops).flatMap((op) => Object.values(op.responses).flatMap((r) => Object.values(r.links ?? {}).map((l) => l.operationId))),
    );
    expect(linked.length).toBeGreaterThan(5);
    expect(linked.filter((id) => !ids.includes(id))).toEqual([]);
    for (const [template, operations] of Object.entries<Record<string, unknown>>(body.paths)) {
      const url = `${stack.api.url}${template.replace('{orderNo}', 'ABCDEF123').replace('{sku}', 'some-sku')}`;
      for (const method of Object.keys(operations)) {
        const response = await request(method.toUpperCase(), url, method === 'get' ? {} : { json: {} });
        expect({ template, method, routed: response.body?.message?.startsWith?.('no route') !== true }).toEqual({ template, method, routed: true });
        expect(response.status).toBeLessThan(500);
      }
    }
  });

  it('links a placed order to reading and cancelling it with the token its answer gave, as a client following them would', async () => {
    type Link = { operationId: string; parameters?: Record<string, string>; requestBody?: Record<string, string> };
    type Operation = { operationId?: string; responses: Record<string, { links?: Record<string, Link> }> };
    const doc = (await request('GET', `${stack.api.url}/api/openapi.json`)).body as { paths: Record<string, Record<string, Operation>> };
    const operations = new Map(
      Object.entries(doc.paths).flatMap(([template, methods]) =>
        Object.entries(methods).map(([method, op]) => [op.operationId, { template, method: method.toUpperCase(), op }] as const),
      ),
    );
    // Follows one link from an exchange: OpenAPI runtime expressions on the request and the answer.
    type Exchange = { path: Record<string, string>; query: Record<string, string>; body: Record<string, unknown>; answer: Record<string, string> };
    const follow = async (link: Link, from: Exchange) => {
      const value = (expression: string) => {
        const [, source, name] = /^\$(request\.path|request\.query|request\.body#\/|response\.body#\/)\.?(.+)$/.exec(expression)!;
        return String({ 'request.path': from.path, 'request.query': from.query, 'request.body#/': from.body, 'response.body#/': from.answer }[source]![name]);
      };
      const target = operations.get(link.operationId)!;
      const path: Record<string, string> = {};
      const query: Record<string, string> = {};
      for (const [name, expression] of Object.entries(link.parameters ?? {})) {
        if (name.startsWith('query.')) query[name.slice('query.'.length)] = value(expression);
        else path[name.replace(/^path\./, '')] = value(expression);
      }
      const body = Object.fromEntries(Object.entries(link.requestBody ?? {}).map(([k, e]) => [k, value(e)]));
      const url = `${stack.api.url}${target.template.replace(/\{(\w+)\}/g, (_, p: string) => path[p])}?${new URLSearchParams(query)}`;
      const response = await request(target.method, url, target.method === 'GET' ? {} : { json: body });
      return { status: response.status, exchange: { path, query, body, answer: response.body }, op: target.op };
    };

    const sku = uniqueSku('links');
    await createSkuWithKeys(stack, sku, ['LINK-1']);
    const placedBody = { sku, quantity: 1, email: 'links@example.com', channel: 'epay' };
    const placed = await request('POST', `${stack.api.url}/api/orders`, { json: placedBody });
    expect(placed.status).toBe(201);
    const place = operations.get('placeOrder')!.op;
    const fromPlaced: Exchange = { path: {}, query: {}, body: placedBody, answer: placed.body };

    const read = await follow(place.responses['201'].links!.readOrder, fromPlaced);
    expect(read.status).toBe(200);
    expect(read.exchange.answer).toMatchObject({ orderNo: placed.body.orderNo, status: 'AWAITING_PAYMENT' });
    const cancel = await follow(read.op.responses['200'].links!.cancelOrder, read.exchange);
    expect(cancel.status).toBe(200);
    expect(cancel.exchange.answer).toMatchObject({ orderNo: placed.body.orderNo, status: 'CANCELLED' });
    const again = await follow(cancel.op.responses['200'].links!.readOrder, cancel.exchange);
    expect(again.exchange.answer).toMatchObject({ status: 'CANCELLED' });
    const mailed = await follow(place.responses['201'].links!.requestOrderLink, fromPlaced);
    expect(mailed.status).toBe(202);
  });
});
