import { adminHeaders, formPost, payInSandbox, request, startStack, waitFor, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';

const htmlLang = (html: string) => /<html lang="([^"]+)"/.exec(html)?.[1];

describe('the storefront over plain HTTP (no JavaScript)', () => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack();
    url = stack.api.url;
  });
  afterAll(() => stack.stop());

  async function sku(name: string, fields: object, keys: string[]) {
    const sku = uniqueSku(name);
    const put = await request('PUT', `${url}/api/admin/skus/${sku}`, { headers: adminHeaders(), json: { priceCents: 1000, currency: 'CNY', ...fields } });
    expect(put.status).toBe(201);
    if (keys.length) {
      const post = await request('POST', `${url}/api/admin/skus/${sku}/keys`, {
        headers: { ...adminHeaders(), 'Content-Type': 'text/plain' },
        body: keys.join('\n'),
      });
      expect(post.body.imported).toBe(keys.length);
    }
    return sku;
  }

  it('speaks ?lang=, else the cookie the switch set, else Accept-Language, else zh-CN', async () => {
    expect(htmlLang((await request('GET', `${url}/`)).text)).toBe('zh-CN');
    expect(htmlLang((await request('GET', `${url}/`, { headers: { 'Accept-Language': 'fr;q=1, en-GB;q=0.8, zh;q=0.5' } })).text)).toBe('en');
    const switched = await request('GET', `${url}/?lang=en`, { headers: { 'Accept-Language': 'zh-CN' } });
    expect(htmlLang(switched.text)).toBe('en');
    const cookie = switched.headers.get('set-cookie')!.split(';')[0];
    expect(cookie).toBe('kf_lang=en');
    // The switch holds on the next page even though the browser prefers Chinese; ?lang= beats the cookie.
    expect(htmlLang((await request('GET', `${url}/lookup`, { headers: { cookie, 'Accept-Language': 'zh-CN' } })).text)).toBe('en');
    expect(htmlLang((await request('GET', `${url}/lookup?lang=zh-CN`, { headers: { cookie } })).text)).toBe('zh-CN');
    // The switch link keeps the page and its query.
    expect(switched.text).toContain('href="/?lang=zh-CN"');
  });

  it('lists active SKUs by category with available, low and sold-out stock, and serves its own assets', async () => {
    const plenty = await sku(
      'plenty',
      { name: '充值卡 A', category: '游戏', sortOrder: 1 },
      Array.from({ length: 12 }, (_, i) => `PLENTY-${i}`),
    );
    const few = await sku('few', { name: '充值卡 B', category: '游戏', sortOrder: 2 }, ['FEW-1', 'FEW-2']);
    const none = await sku('none', { name: 'Gift <b>', sortOrder: 3 }, []);
    const hidden = await sku('hidden', { name: 'Hidden item', active: false }, ['HIDDEN-1']);
    const page = await request('GET', `${url}/`);
    expect(page.status).toBe(200);
    const card = (s: string) => page.text.slice(page.text.indexOf(`/p/${s}`) - 40, page.text.indexOf(`/p/${s}"`) + 500);
    expect(card(plenty)).toContain('库存 12');
    expect(card(few)).toContain('仅剩 2 件');
    expect(card(none)).toContain('已售罄');
    expect(page.text).not.toContain(hidden);
    expect(page.text).toContain('<h2>游戏</h2>');
    expect(page.text).toContain('<h2>其他</h2>');
    expect(page.text).toContain('Gift &lt;b&gt;');
    expect(page.text.indexOf(plenty)).toBeLessThan(page.text.indexOf(few));

    // Nothing from elsewhere: the policy says so and every asset comes from the app, cached for good.
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const assets = [...page.text.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const served = await request('GET', `${url}${asset}`);
      expect(served.status).toBe(200);
      expect(served.headers.get('cache-control')).toContain('immutable');
    }
    expect(page.text).not.toMatch(/(?:href|src)="https?:/);
  });

  it('checks out by form: redirects to pay, the order page follows the order to its keys and delivery instructions', async () => {
    const item = await sku('buy', { name: 'Steam 50', deliveryInstructions: '在 Steam 客户端兑换' }, ['FORM-KEY-1']);
    const product = await request('GET', `${url}/p/${item}`);
    expect(product.text).toContain('在 Steam 客户端兑换');
    expect(product.text).toContain('action="/checkout"');

    // Posted from another site (a page that would send this browser to pay for someone else's order): refused, nothing placed.
    const fields = { sku: item, quantity: '1', email: 'Form.Buyer@Example.com' };
    const forgeries: Array<Record<string, string>> = [
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { Origin: 'https://shop.example.evil' },
      { Origin: 'null' },
    ];
    for (const forged of forgeries) {
      const refused = await formPost(`${url}/checkout`, fields, { ...forged, 'Accept-Language': 'en' });
      expect([refused.status, refused.text]).toEqual([403, expect.stringContaining('sent from another website')]);
    }
    expect(await stack.db.order.count({ where: { sku: item } })).toBe(0);
    const placed = await formPost(`${url}/checkout`, fields, { 'Sec-Fetch-Site': 'same-origin', Origin: url });
    expect(placed.status).toBe(303);
    const payUrl = placed.headers.get('location')!;
    expect(payUrl.startsWith(stack.sandboxUrl)).toBe(true);
    const cookie = placed.headers.get('set-cookie')!.split(';')[0];
    const orderNo = /^kf_order_([A-Z0-9]+)=/.exec(cookie)![1];
    expect(payUrl).not.toContain(decodeURIComponent(cookie.split('=')[1]));
    const order = await stack.db.order.findUniqueOrThrow({ where: { orderNo } });
    expect(order).toMatchObject({ sku: item, quantity: 1, email: 'form.buyer@example.com' });

    const waiting = await request('GET', `${url}/orders/${orderNo}`, { headers: { cookie } });
    expect(waiting.text).toContain('等待付款');
    expect(waiting.text).toContain(`data-poll-order="${orderNo}"`);
    expect(waiting.text).toContain('<noscript><meta http-equiv="refresh"');
    await payInSandbox(stack, { orderNo, payUrl } as never);
    await waitForStatus(stack.db, orderNo, 'DELIVERED');
    const delivered = await request('GET', `${url}/orders/${orderNo}?lang=en`, { headers: { cookie } });
    expect(delivered.text).toContain('FORM-KEY-1');
    expect(delivered.text).toContain('Delivered');
    expect(delivered.text).toContain('在 Steam 客户端兑换');
    expect(delivered.text).not.toContain('data-poll-order');
    expect(delivered.headers.get('referrer-policy')).toBe('no-referrer');
    // Without the cookie the same page is the not-found page.
    const stranger = await request('GET', `${url}/orders/${orderNo}`);
    expect(stranger.status).toBe(404);
    expect(stranger.text).not.toContain('FORM-KEY-1');
  });

  it('refuses before the buyer pays, saying why and when to retry, and keeps what they typed', async () => {
    const item = await sku('refuse', { name: 'Bounded', minQuantity: 1, maxQuantity: 2 }, ['R-1', 'R-2', 'R-3']);
    const over = await formPost(`${url}/checkout`, { sku: item, quantity: '3', email: 'keep@example.com' });
    expect(over.status).toBe(409);
    expect(over.text).toContain('数量超过每单上限');
    expect(over.text).toContain('没有扣款');
    expect(over.text).toContain('value="keep@example.com"');

    const badEmail = await formPost(`${url}/checkout`, { sku: item, quantity: '1', email: 'not-an-email' }, { 'Accept-Language': 'en' });
    expect(badEmail.status).toBe(400);
    expect(badEmail.text).toMatch(/id="email"[^>]*aria-invalid="true"/);
    expect(badEmail.text).toContain('Please check: email');

    const soldOut = await sku('soldout', { name: 'Gone' }, []);
    const page = await request('GET', `${url}/p/${soldOut}`);
    expect(page.text).toContain('该商品已售罄');
    expect(page.text).not.toContain('action="/checkout"');
    const tried = await formPost(`${url}/checkout`, { sku: soldOut, quantity: '1', email: 'late@example.com' });
    expect(tried.status).toBe(409);
    expect(tried.text).toContain('库存不足');
    expect(await stack.db.order.count({ where: { sku: { in: [item, soldOut] } } })).toBe(0);
    expect((await request('GET', `${url}/p/no-such-item`)).status).toBe(404);
  });

  it('lets the buyer cancel an unpaid order from its page, and nobody else', async () => {
    const item = await sku('cancel', { name: 'Cancel me' }, ['C-1']);
    const placed = await formPost(`${url}/checkout`, { sku: item, quantity: '1', email: 'cancel@example.com' });
    const cookie = placed.headers.get('set-cookie')!.split(';')[0];
    const orderNo = /^kf_order_([A-Z0-9]+)=/.exec(cookie)![1];
    const page = await request('GET', `${url}/orders/${orderNo}`, { headers: { cookie } });
    expect(page.text).toContain(`action="/orders/${orderNo}/cancel"`);
    expect((await request('POST', `${url}/orders/${orderNo}/cancel`)).status).toBe(404);
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe('AWAITING_PAYMENT');
    const forged = await request('POST', `${url}/orders/${orderNo}/cancel`, { headers: { cookie, Origin: 'https://elsewhere.example' } });
    expect(forged.status).toBe(403);
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe('AWAITING_PAYMENT');
    const cancelled = await request('POST', `${url}/orders/${orderNo}/cancel`, { headers: { cookie, Origin: url } });
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.get('location')).toBe(`/orders/${orderNo}`);
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe('CANCELLED');
    const after = await request('GET', `${url}/orders/${orderNo}`, { headers: { cookie } });
    expect(after.text).toContain('已取消');
    expect(after.text).not.toContain('/cancel"');
  });

  it('writes the emails in the language the buyer ordered in, with the delivery instructions and a link that opens in it', async () => {
    const item = await sku('mailzh', { name: '会员月卡', deliveryInstructions: '登录后在“兑换”页输入。' }, ['MAIL-ZH-1']);
    const placed = await formPost(`${url}/checkout`, { sku: item, quantity: '1', email: 'zh-mail@example.com' });
    const orderNo = /^kf_order_([A-Z0-9]+)=/.exec(placed.headers.get('set-cookie')!)![1];
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo } })).locale).toBe('zh-CN');
    await payInSandbox(stack, { orderNo, payUrl: placed.headers.get('location')! } as never);
    const mail = await waitFor(async () => stack.sink.messages().find((m) => m.to.includes('zh-mail@example.com')), 'the delivery mail');
    expect(mail.subject).toBe(`订单 ${orderNo}：会员月卡 × 1`);
    expect(mail.text).toContain('MAIL-ZH-1');
    expect(mail.text).toContain('发货说明：\n登录后在“兑换”页输入。');
    const link = /https?:\/\/\S+/.exec(mail.text.slice(mail.text.indexOf('订单页面')))![0];
    expect(new URL(link).searchParams.get('lang')).toBe('zh-CN');
    expect(htmlLang((await request('GET', link, { headers: { 'Accept-Language': 'en' } })).text)).toBe('zh-CN');
  });

  it('opens an order with its order password; a wrong password and an unknown order read the same, and guessing is bounded', async () => {
    const item = await sku('qpw', { name: 'Password item' }, ['QPW-1']);
    const placed = await formPost(`${url}/checkout`, { sku: item, quantity: '1', email: 'qpw@example.com', queryPassword: 'correct horse' });
    const orderNo = /^kf_order_([A-Z0-9]+)=/.exec(placed.headers.get('set-cookie')!)![1];
    const stored = await stack.db.order.findUniqueOrThrow({ where: { orderNo } });
    expect(stored.queryPasswordHash).toMatch(/^scrypt\$/);
    expect(stored.queryPasswordHash).not.toContain('correct horse');
    // Staff see that a password is set, never its hash.
    const staffView = await request('GET', `${url}/api/admin/orders/${orderNo}`, { headers: adminHeaders() });
    expect(staffView.body.hasQueryPassword).toBe(true);
    expect(staffView.text).not.toContain(stored.queryPasswordHash!);

    const client = { 'X-Forwarded-For': '203.0.113.77' };
    const opened = await formPost(`${url}/lookup`, { orderNo, password: 'correct horse' }, client);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe(`/orders/${orderNo}`);
    const page = await request('GET', `${url}/orders/${orderNo}`, { headers: { cookie: opened.headers.get('set-cookie')!.split(';')[0] } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Password item');

    const wrong = await formPost(`${url}/lookup`, { orderNo, password: 'wrong horse' }, client);
    const unknown = await formPost(`${url}/lookup`, { orderNo: 'KNOSUCHORDER2', password: 'wrong horse' }, client);
    expect(wrong.status).toBe(404);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(unknown.text.replace(/value="[^"]*"/g, '')).toBe(wrong.text.replace(/value="[^"]*"/g, ''));
    // Ten tries per address per ten minutes (three used above): then a wait, even with the right password.
    for (let i = 0; i < 7; i++) await formPost(`${url}/lookup`, { orderNo, password: `guess-${i}` }, client);
    const limited = await formPost(`${url}/lookup`, { orderNo, password: 'correct horse' }, client);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.text).toContain('尝试次数过多');
    // Another address is not held back by this one.
    expect((await formPost(`${url}/lookup`, { orderNo, password: 'correct horse' }, { 'X-Forwarded-For': '203.0.113.78' })).status).toBe(303);
    // The JSON API takes the same password rules.
    const short = await request('POST', `${url}/api/orders`, { json: { sku: item, quantity: 1, email: 'qpw@example.com', queryPassword: '12345' } });
    expect(short.status).toBe(400);
    expect(short.body.message).toContain('queryPassword');
  });

  it('looks an order up by number and email without telling whether it exists, and mails the link to its own address', async () => {
    const item = await sku('lookup', { name: 'Lookup item' }, ['L-1']);
    const placed = await formPost(`${url}/checkout`, { sku: item, quantity: '1', email: 'lookup@example.com' });
    const orderNo = /^kf_order_([A-Z0-9]+)=/.exec(placed.headers.get('set-cookie')!)![1];
    const mine = await formPost(`${url}/lookup`, { orderNo, email: 'lookup@example.com' });
    const wrong = await formPost(`${url}/lookup`, { orderNo, email: 'someone@example.com' });
    const unknown = await formPost(`${url}/lookup`, { orderNo: 'KNOSUCHORDER1', email: 'lookup@example.com' });
    const strip = (html: string) => html.replace(/value="[^"]*"/g, '');
    expect(mine.status).toBe(200);
    expect(strip(wrong.text)).toBe(strip(mine.text));
    expect(strip(unknown.text)).toBe(strip(mine.text));
    const mail = await waitFor(
      async () => stack.sink.messages().find((m) => m.to.includes('lookup@example.com') && m.text.includes(`/orders/${orderNo}?token=`)),
      'the link mail',
    );
    expect(mail).toBeDefined();
    expect(stack.sink.messages().some((m) => m.to.includes('someone@example.com'))).toBe(false);
    expect((await formPost(`${url}/lookup`, { orderNo: '', email: '' })).status).toBe(400);
  });
});
