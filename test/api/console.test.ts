import { createSkuWithKeys, formPost, payInSandbox, placeOrder, request, startStack, waitFor, waitForStatus, type Stack } from '../support/stack';
import { createArchiveActivities } from '../../src/activities/archive';
import { TEST_SUPPORT_TOKEN, uniqueSku } from '../support/config';
import { paidNotification } from '../support/epay-recipe';

/** A console form post with the session cookie. */
const consolePost = (url: string, fields: Record<string, string>, cookie?: string) => formPost(url, fields, cookie ? { cookie } : {});

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];

describe('the staff console over plain HTTP', () => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack();
    url = stack.api.url;
  });
  afterAll(() => stack.stop());

  // Each test signs in from an address of its own: sign-in tries are bounded per address (10 in 10 minutes).
  let signIns = 0;
  async function signIn(token = TEST_SUPPORT_TOKEN): Promise<string> {
    signIns += 1;
    const answer = await formPost(`${url}/admin/login`, { token }, { 'X-Forwarded-For': `10.77.0.${signIns}` });
    expect(answer.status).toBe(303);
    return answer.headers.get('set-cookie')!.split(';')[0];
  }

  it('sends a visitor without a session to sign in, refuses a wrong token, and trades a right one for an httpOnly, SameSite=Strict session', async () => {
    for (const path of ['/admin', '/admin/orders', '/admin/orders/KABCDEF12345']) {
      const answer = await request('GET', `${url}${path}`);
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe('/admin/login?expired=1');
    }
    const wrong = await consolePost(`${url}/admin/login`, { token: 'not-a-staff-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(wrong.text).toContain('令牌无效');

    const right = await consolePost(`${url}/admin/login`, { token: TEST_SUPPORT_TOKEN });
    expect(right.status).toBe(303);
    const cookie = right.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^kf_staff=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/admin/i);
    // The database keeps only the token's hash.
    const token = decodeURIComponent(cookie.split(';')[0].split('=')[1]);
    const sessions = await stack.db.staffSession.findMany({ where: { staff: 'alice' } });
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.some((s) => s.tokenHash === token)).toBe(false);
    expect(await stack.db.staffAudit.count({ where: { staff: 'alice', action: 'console.sign-in' } })).toBeGreaterThan(0);
    const dashboard = await request('GET', `${url}/admin`, { headers: { cookie: cookie.split(';')[0] } });
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain('当前用户：alice');
  });

  it('shows today on the dashboard: orders, revenue, delivery lag, the review queue, channels and refused addresses', async () => {
    const cookie = await signIn();
    const before = await request('GET', `${url}/admin?lang=en`, { headers: { cookie } });
    const reviewCount = (html: string) => Number(/Waiting for review<\/span><span class="price"><a[^>]*>(\d+)</.exec(html)![1]);
    const sku = uniqueSku('dash');
    await createSkuWithKeys(stack, sku, ['DASH-1', 'DASH-2'], 4321);
    const order = await placeOrder(stack, sku);
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    const review = await placeOrder(stack, sku);
    await request('GET', `${url}/api/payments/epay/notify?${new URLSearchParams(paidNotification(review.orderNo, 'T-DASH-1', '0.01'))}`);
    await waitForStatus(stack.db, review.orderNo, 'NEEDS_REVIEW');

    const after = await request('GET', `${url}/admin?lang=en`, { headers: { cookie } });
    expect(after.text).toContain('Revenue');
    expect(after.text).toMatch(/Paid → delivered \(p50 \/ p95\)<\/span><span class="price">\d/);
    expect(reviewCount(after.text)).toBe(reviewCount(before.text) + 1);
    expect(after.text).toMatch(/<td>epay<\/td><td>[a-z]+<\/td><td>\d+ \/ \d+ \(\d+%\)<\/td>/);

    // The buyers whose address the mail server refused, until staff change it.
    await createSkuWithKeys(stack, sku, ['DASH-3']);
    const refused = await placeOrder(stack, sku, 1, 'gone@mailbox.invalid');
    await payInSandbox(stack, refused);
    await waitFor(() => stack.db.orderEvent.findFirst({ where: { orderNo: refused.orderNo, type: 'EMAIL_REJECTED' } }), 'the refusal');
    const listed = (html: string) => html.includes(`<a href="/admin/orders/${refused.orderNo}">${refused.orderNo}</a>`);
    const dashboard = await request('GET', `${url}/admin?lang=en`, { headers: { cookie } });
    expect(dashboard.text).toContain('Emails the mail server refused');
    expect(listed(dashboard.text)).toBe(true);
    const orderPage = () => request('GET', `${url}/admin/orders/${refused.orderNo}?lang=en`, { headers: { cookie } });
    const page = await orderPage();
    expect(page.text).toMatch(/id="address-refused">The mail server refused this buyer’s address for good on /);
    await consolePost(`${url}/admin/orders/${refused.orderNo}/email`, { email: 'found@example.com', _csrf: csrfOf(page.text) }, cookie);
    expect(listed((await request('GET', `${url}/admin?lang=en`, { headers: { cookie } })).text)).toBe(false);
    expect((await orderPage()).text).not.toContain('id="address-refused"');
  });

  it('finds orders by email, status and date; an order number opens the order', async () => {
    const cookie = await signIn();
    const sku = uniqueSku('find');
    await createSkuWithKeys(stack, sku, ['FIND-1', 'FIND-2']);
    const mine = await placeOrder(stack, sku, 1, 'find-me@example.com');
    const other = await placeOrder(stack, sku, 1, 'someone-else@example.com');
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const byEmail = await request(
      'GET',
      `${url}/admin/orders?${new URLSearchParams({ email: 'Find-Me@example.com', status: 'AWAITING_PAYMENT', from: today, to: today })}`,
      {
        headers: { cookie },
      },
    );
    expect(byEmail.status).toBe(200);
    expect(byEmail.text).toContain(mine.orderNo);
    expect(byEmail.text).not.toContain(other.orderNo);
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect((await request('GET', `${url}/admin/orders?email=find-me@example.com&from=${tomorrow}`, { headers: { cookie } })).text).not.toContain(mine.orderNo);
    const bad = await request('GET', `${url}/admin/orders?status=NOT_A_STATUS`, { headers: { cookie } });
    expect(bad.status).toBe(400);
    const jump = await request('GET', `${url}/admin/orders?orderNo=${mine.orderNo.toLowerCase()}`, { headers: { cookie } });
    expect(jump.headers.get('location')).toBe(`/admin/orders/${mine.orderNo}`);
    const page = await request('GET', `${url}/admin/orders/${mine.orderNo}`, { headers: { cookie } });
    expect(page.text).toContain('find-me@example.com');
    expect(page.text).toContain(`/namespaces/default/workflows/order-${mine.orderNo}`);
  });

  it('approves an order in review with a note, only with the form’s CSRF token; the timeline names the staff member', async () => {
    const cookie = await signIn();
    const sku = uniqueSku('approve');
    await createSkuWithKeys(stack, sku, ['APPROVE-1'], 1000);
    const order = await placeOrder(stack, sku);
    await request('GET', `${url}/api/payments/epay/notify?${new URLSearchParams(paidNotification(order.orderNo, 'T-APPROVE-1', '0.01'))}`);
    await waitForStatus(stack.db, order.orderNo, 'NEEDS_REVIEW');
    const page = await request('GET', `${url}/admin/orders/${order.orderNo}`, { headers: { cookie } });
    expect(page.text).toContain(`action="/admin/orders/${order.orderNo}/approve"`);
    expect(page.text).toContain('amount mismatch');

    // A post from another site has the cookie at most, never the token: refused, nothing changes.
    const forged = await consolePost(`${url}/admin/orders/${order.orderNo}/approve`, { note: 'forged' }, cookie);
    expect(forged.status).toBe(403);
    const wrongToken = await consolePost(`${url}/admin/orders/${order.orderNo}/approve`, { note: 'forged', _csrf: 'x'.repeat(43) }, cookie);
    expect(wrongToken.status).toBe(403);
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).status).toBe('NEEDS_REVIEW');

    const approved = await consolePost(
      `${url}/admin/orders/${order.orderNo}/approve`,
      { note: 'paid the rest by bank transfer', _csrf: csrfOf(page.text) },
      cookie,
    );
    expect(approved.status).toBe(303);
    expect(approved.headers.get('location')).toBe(`/admin/orders/${order.orderNo}?done=approve`);
    const after = await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } });
    expect(after.status).toBe('DELIVERED');
    const events = await stack.db.orderEvent.findMany({ where: { orderNo: order.orderNo, actor: 'staff:alice' } });
    expect(events.map((e) => e.message).join(' ')).toContain('paid the rest by bank transfer');
    const shown = await request('GET', `${url}${approved.headers.get('location')}`, { headers: { cookie } });
    expect(shown.text).toContain('role="status"');
    // The timeline in words a support agent reads, each beside the code that logs and Temporal show.
    const zh = await request('GET', `${url}/admin/orders/${order.orderNo}?lang=zh`, { headers: { cookie } });
    expect(zh.text).toContain('客服已批准 <code class="event-code">APPROVED</code>');
    expect(zh.text).toContain('已收款，待人工核查 <code class="event-code">PAYMENT_NEEDS_REVIEW</code>');
    const en = await request('GET', `${url}/admin/orders/${order.orderNo}?lang=en`, { headers: { cookie } });
    expect(en.text).toContain('Approved by staff <code class="event-code">APPROVED</code>');
    expect(en.text).toContain('Keys delivered <code class="event-code">DELIVERED</code>');
    // A resend may go to an address the buyer gave support; the order keeps its own.
    expect(en.text).toContain('name="to" type="email"');
    const resent = await consolePost(`${url}/admin/orders/${order.orderNo}/resend`, { to: 'other@example.com', _csrf: csrfOf(en.text) }, cookie);
    expect(resent.headers.get('location')).toBe(`/admin/orders/${order.orderNo}?done=resend`);
    expect(stack.sink.messages().find((m) => m.to === 'other@example.com')?.text).toContain('APPROVE-1');
    const typo = await consolePost(`${url}/admin/orders/${order.orderNo}/resend`, { to: 'not an address', _csrf: csrfOf(en.text) }, cookie);
    expect(typo.headers.get('location')).toMatch(/\?refused=.*email/);

    // An action the order refuses comes back as a message on the order's page.
    const refused = await consolePost(`${url}/admin/orders/${order.orderNo}/cancel`, { _csrf: csrfOf(page.text) }, cookie);
    expect(refused.headers.get('location')).toMatch(/\?refused=/);
    const refusedPage = await request('GET', `${url}${refused.headers.get('location')}&lang=en`, { headers: { cookie } });
    expect(refusedPage.text).toMatch(/role="alert">[^<]*only an unpaid order can be cancelled/);
    // A link someone else made cannot put its own words in the page's notices.
    for (const forged of ['refused=Call+0000+now', `refused=Call+0000+now&sig=${'A'.repeat(22)}`, 'done=Call+0000+now']) {
      const forgedPage = await request('GET', `${url}/admin/orders/${order.orderNo}?${forged}&lang=en`, { headers: { cookie } });
      expect(forgedPage.status).toBe(200);
      expect(forgedPage.text).not.toContain('Call 0000');
    }

    // Staff correct the order's own address; its page says what follows, and the timeline keeps both.
    expect(en.text).toContain(`action="/admin/orders/${order.orderNo}/email"`);
    const badEmail = await consolePost(`${url}/admin/orders/${order.orderNo}/email`, { email: 'nope', _csrf: csrfOf(en.text) }, cookie);
    expect(badEmail.headers.get('location')).toMatch(/\?refused=.*email/);
    const moved = await consolePost(`${url}/admin/orders/${order.orderNo}/email`, { email: 'fixed@example.com', note: 'typo', _csrf: csrfOf(en.text) }, cookie);
    expect(moved.headers.get('location')).toBe(`/admin/orders/${order.orderNo}?done=email`);
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).email).toBe('fixed@example.com');
    const movedPage = await request('GET', `${url}${moved.headers.get('location')}&lang=en`, { headers: { cookie } });
    expect(movedPage.text).toContain('Email changed: later emails go to the new address');
    expect(movedPage.text).toContain('Buyer’s email changed by staff <code class="event-code">EMAIL_CHANGED</code>');
    expect(movedPage.text).toContain('to fixed@example.com: typo');
    const again = await consolePost(`${url}/admin/orders/${order.orderNo}/email`, { email: 'FIXED@example.com', _csrf: csrfOf(en.text) }, cookie);
    expect(again.headers.get('location')).toBe(`/admin/orders/${order.orderNo}?done=email-unchanged`);

    // A new order link, to the (new) address; the link the buyer had stops working.
    const oldLink = () => request('GET', `${url}/api/orders/${order.orderNo}?token=${encodeURIComponent(order.accessToken)}`);
    expect((await oldLink()).status).toBe(200);
    const reissued = await consolePost(`${url}/admin/orders/${order.orderNo}/reissue-link`, { note: 'link leaked', _csrf: csrfOf(en.text) }, cookie);
    expect(reissued.headers.get('location')).toBe(`/admin/orders/${order.orderNo}?done=reissue-link`);
    expect((await oldLink()).status).toBe(404);
    const linkMail = await waitFor(async () => stack.sink.messages().find((m) => m.to === 'fixed@example.com' && m.text.includes('/orders/')), 'the new link');
    expect(linkMail.text).toContain(order.orderNo);
    // An action still at work when the console stops waiting says so, and not to repeat it.
    const pendingPage = await request('GET', `${url}/admin/orders/${order.orderNo}?done=pending&lang=en`, { headers: { cookie } });
    expect(pendingPage.text).toContain('Still running after 20 seconds');
    const reissuedPage = await request('GET', `${url}${reissued.headers.get('location')}&lang=en`, { headers: { cookie } });
    expect(reissuedPage.text).toContain('A new link is on its way');
    expect(reissuedPage.text).toContain('<code class="event-code">LINK_REISSUED</code>');
  });

  it('creates and edits a SKU by form, previews an import (nothing imported until confirmed), imports, exports and voids unsold keys, all audited', async () => {
    const cookie = await signIn();
    const csrf = csrfOf((await request('GET', `${url}/admin/skus/new`, { headers: { cookie } })).text);
    const sku = uniqueSku('console');
    const bad = await consolePost(
      `${url}/admin/skus`,
      { _csrf: csrf, sku, name: 'X', price: 'abc', currency: 'CNY', minQuantity: '3', maxQuantity: '2' },
      cookie,
    );
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('maxQuantity');
    // Text where a number belongs reads as such, found by fuzzing the console's forms.
    const notNumbers = await consolePost(
      `${url}/admin/skus`,
      { _csrf: csrf, sku, name: 'X', price: '1', currency: 'CNY', minQuantity: 'abc', maxQuantity: '0', sortOrder: '1.5' },
      cookie,
    );
    expect(notNumbers.status).toBe(400);
    expect(notNumbers.text).toContain('minQuantity must be a whole number');
    expect(notNumbers.text).toContain('maxQuantity must be from 1 to 10000');
    expect(notNumbers.text).toContain('sortOrder must be a whole number');
    expect(notNumbers.text).not.toContain('NaN');
    // A price that reads as one but is out of bounds is told, not answered with a bare 400.
    for (const price of ['0', '1000000.01']) {
      const outOfBounds = await consolePost(`${url}/admin/skus`, { _csrf: csrf, sku, name: 'X', price, currency: 'CNY' }, cookie);
      expect(outOfBounds.status).toBe(400);
      expect(outOfBounds.text).toContain('价格: 0.01 – 1000000.00');
    }
    expect(await stack.db.sku.findUnique({ where: { sku } })).toBeNull();
    const created = await consolePost(
      `${url}/admin/skus`,
      {
        _csrf: csrf,
        sku,
        name: '点卡 100',
        price: '12.50',
        currency: 'cny',
        deliveryInstructions: '登录后兑换',
        minQuantity: '1',
        maxQuantity: '',
        sortOrder: '0',
        active: 'on',
      },
      cookie,
    );
    expect(created.status).toBe(303);
    expect(await stack.db.sku.findUniqueOrThrow({ where: { sku } })).toMatchObject({
      name: '点卡 100',
      priceCents: 1250,
      currency: 'CNY',
      deliveryInstructions: '登录后兑换',
      active: true,
      maxQuantity: null,
    });
    const list = await request('GET', `${url}/admin/skus`, { headers: { cookie } });
    expect(list.text).toContain(`/admin/skus/${sku}`);

    await createSkuWithKeys(stack, sku, ['OLD-1'], 1250);
    const preview = await consolePost(`${url}/admin/skus/${sku}/import/preview`, { _csrf: csrf, keys: 'NEW-1\nOLD-1\nNEW-2\nNEW-1\n\u0001bad' }, cookie);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('将导入 2 个新卡密');
    expect(preview.text).toContain('2 个重复，不会导入（第 2, 4 行）');
    expect(preview.text).toContain('第 5 行');
    expect(await stack.db.cardKey.count({ where: { sku } })).toBe(1);
    const keys = /name="keys" value="([^"]*)"/.exec(preview.text)![1].replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const imported = await consolePost(`${url}/admin/skus/${sku}/import`, { _csrf: csrf, keys: keys.replace(/\\u0001/g, '\u0001') }, cookie);
    expect(imported.text).toContain('已导入 2 个卡密');
    expect(await stack.db.cardKey.count({ where: { sku, status: 'AVAILABLE' } })).toBe(3);

    const exported = await consolePost(`${url}/admin/skus/${sku}/export-unsold`, { _csrf: csrf }, cookie);
    expect(exported.headers.get('content-disposition')).toContain('attachment');
    expect(exported.text.trim().split('\n').sort()).toEqual(['NEW-1', 'NEW-2', 'OLD-1']);
    const notConfirmed = await consolePost(`${url}/admin/skus/${sku}/void-unsold`, { _csrf: csrf, confirm: 'nope' }, cookie);
    expect(notConfirmed.status).toBe(400);
    expect(await stack.db.cardKey.count({ where: { sku, status: 'AVAILABLE' } })).toBe(3);
    const voided = await consolePost(`${url}/admin/skus/${sku}/void-unsold`, { _csrf: csrf, confirm: sku }, cookie);
    expect(voided.text).toContain('已作废 3 个卡密');
    expect(await stack.db.cardKey.count({ where: { sku, status: 'VOID' } })).toBe(3);
    const audit = await stack.db.staffAudit.findMany({ where: { target: sku }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['sku.create', 'keys.import', 'keys.export-unsold', 'keys.void-unsold']);
    expect(JSON.stringify(audit)).not.toContain('NEW-1');
    expect((await request('GET', `${url}/admin/audit`, { headers: { cookie } })).text).toContain('keys.export-unsold');
  });

  it('runs a sale from the browser: the degrade switch, a channel override and prewarming a SKU, each change audited and a bad one told why', async () => {
    const cookie = await signIn();
    const sale = await request('GET', `${url}/admin/sale?lang=en`, { headers: { cookie } });
    expect(sale.status).toBe(200);
    expect(sale.text).toContain('Admission before payment');
    expect(sale.text).toMatch(/In auto mode: lean from [\d.]+ (s|min) of delivery lag, essential from [\d.]+ (s|min)/);
    const csrf = csrfOf(sale.text);

    const manual = await consolePost(`${url}/admin/sale/degrade`, { _csrf: csrf, mode: 'manual', level: 'lean', reason: '大促 20:00' }, cookie);
    expect(manual.status).toBe(303);
    expect(manual.headers.get('location')).toBe('/admin/sale?done=degrade');
    expect(await stack.db.degradeSwitch.findUniqueOrThrow({ where: { name: 'orders' } })).toMatchObject({
      level: 'lean',
      mode: 'manual',
      reason: '大促 20:00',
      changedBy: 'alice',
    });
    const after = await request('GET', `${url}/admin/sale?done=degrade&lang=en`, { headers: { cookie } });
    expect(after.text).toContain('The degrade switch is set.');
    expect((await request('GET', `${url}/admin/sale?done=Call+0000+now&lang=en`, { headers: { cookie } })).text).not.toContain('Call 0000');
    expect(after.text).toContain('no low-stock notices to the operator');
    // The dashboard's degrade tile shows the level and leads here.
    expect((await request('GET', `${url}/admin?lang=en`, { headers: { cookie } })).text).toContain('<a href="/admin/sale">lean</a>');
    const noLevel = await consolePost(`${url}/admin/sale/degrade`, { _csrf: csrf, mode: 'manual', level: 'extreme' }, cookie);
    expect(noLevel.status).toBe(400);
    expect(noLevel.text).toMatch(/role="alert"[\s\S]*level:/);
    const forged = await consolePost(`${url}/admin/sale/degrade`, { mode: 'manual', level: 'essential' }, cookie);
    expect(forged.status).toBe(403);
    expect((await stack.db.degradeSwitch.findUniqueOrThrow({ where: { name: 'orders' } })).level).toBe('lean');

    const off = await consolePost(`${url}/admin/sale/channels/epay`, { _csrf: csrf, enabled: 'off', weight: '2.5' }, cookie);
    expect(off.status).toBe(303);
    expect(await stack.db.channelOverride.findUnique({ where: { name: 'epay' } })).toMatchObject({ enabled: false, weight: 2.5, updatedBy: 'alice' });
    expect((await request('GET', `${url}/admin/sale?lang=en`, { headers: { cookie } })).text).toContain('<option value="off" selected>');
    const badWeight = await consolePost(`${url}/admin/sale/channels/epay`, { _csrf: csrf, enabled: '', weight: 'lots' }, cookie);
    expect(badWeight.status).toBe(400);
    expect(badWeight.text).toContain('weight must be from 0 to 1000');
    const notAChoice = await consolePost(`${url}/admin/sale/channels/epay`, { _csrf: csrf, enabled: 'constructor', weight: '1' }, cookie);
    expect(notAChoice.status).toBe(400);
    expect(notAChoice.text).toContain('enabled must be empty (as configured), on or off');
    const unknown = await consolePost(`${url}/admin/sale/channels/nope`, { _csrf: csrf, enabled: 'on' }, cookie);
    expect(unknown.status).toBe(404);
    const cleared = await consolePost(`${url}/admin/sale/channels/epay`, { _csrf: csrf, enabled: '', weight: '' }, cookie);
    expect(cleared.status).toBe(303);
    expect(await stack.db.channelOverride.findUnique({ where: { name: 'epay' } })).toBeNull();

    const sku = uniqueSku('warm');
    await createSkuWithKeys(stack, sku, ['WARM-1', 'WARM-2']);
    const warmed = await consolePost(`${url}/admin/sale/prewarm?lang=en`, { _csrf: csrf, sku }, cookie);
    expect(warmed.status).toBe(200);
    expect(warmed.text).toContain(`${sku}: 2 unsold, 0 held by unpaid orders`);
    expect(warmed.text).not.toContain('could not warm up');
    expect((await consolePost(`${url}/admin/sale/prewarm`, { _csrf: csrf, sku: 'no-such-sku' }, cookie)).status).toBe(404);

    const audit = await stack.db.staffAudit.findMany({
      where: { staff: 'alice', action: { in: ['degrade.set', 'channel.override'] } },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['degrade.set', 'channel.override', 'channel.override']);
    await consolePost(`${url}/admin/sale/degrade`, { _csrf: csrf, mode: 'auto', level: 'normal' }, cookie);
  });

  it('opens an archived order read-only, with its timeline and payment, and offers no action', async () => {
    const cookie = await signIn();
    const sku = uniqueSku('arch');
    await createSkuWithKeys(stack, sku, ['ARCH-1']);
    const order = await placeOrder(stack, sku);
    const { tradeNo } = await payInSandbox(stack, order);
    await waitFor(async () => (await stack.db.order.findUnique({ where: { orderNo: order.orderNo } }))?.emailedAt, 'the delivery email');
    await stack.db
      .$executeRaw`UPDATE "Order" SET "createdAt" = now() - interval '200 days', "updatedAt" = now() - interval '200 days' WHERE "orderNo" = ${order.orderNo}`;
    const archive = createArchiveActivities({ db: stack.db, clock: () => new Date() });
    await waitFor(async () => (await archive.archiveSettledOrders({ olderThanMs: 90 * 86_400_000, batchSize: 100 })).archived > 0, 'archiving');
    expect(await stack.db.order.count({ where: { orderNo: order.orderNo } })).toBe(0);
    const page = await request('GET', `${url}/admin/orders/${order.orderNo}?lang=en`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Archived on');
    expect(page.text).toContain('data-status="DELIVERED"');
    expect(page.text).not.toContain(`action="/admin/orders/${order.orderNo}/`);
    expect(page.text).toContain(tradeNo);
    // The order list finds it by SKU, marked archived, linking to that page.
    const list = await request('GET', `${url}/admin/orders?sku=${sku}&lang=en`, { headers: { cookie } });
    expect(list.text).toContain(`href="/admin/orders/${order.orderNo}"`);
    expect(list.text).toContain('<small data-archived>(archived)</small>');
  });

  it('signs out (the session ends in the database) and lets an expired session go', async () => {
    const cookie = await signIn();
    const page = await request('GET', `${url}/admin`, { headers: { cookie } });
    const out = await consolePost(`${url}/admin/logout`, { _csrf: csrfOf(page.text) }, cookie);
    expect(out.headers.get('location')).toBe('/admin/login?signedOut=1');
    expect((await request('GET', `${url}/admin`, { headers: { cookie } })).headers.get('location')).toBe('/admin/login?expired=1');

    const stale = await signIn();
    await stack.db.staffSession.updateMany({ where: { staff: 'alice' }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await request('GET', `${url}/admin`, { headers: { cookie: stale } })).headers.get('location')).toBe('/admin/login?expired=1');
  });

  it('ends a session left idle for 30 minutes; using it keeps it going, with at most one write a minute', async () => {
    const cookie = await signIn();
    const seen = async () => (await stack.db.staffSession.findFirstOrThrow({ where: { staff: 'alice' }, orderBy: { createdAt: 'desc' } })).lastSeenAt;
    const idleFor = (minutes: number) =>
      stack.db.staffSession.updateMany({ where: { staff: 'alice' }, data: { lastSeenAt: new Date(Date.now() - minutes * 60_000) } });
    await idleFor(29);
    expect((await request('GET', `${url}/admin`, { headers: { cookie } })).status).toBe(200);
    const touched = await seen();
    expect(Date.now() - touched.getTime()).toBeLessThan(10_000);
    // Another page within the minute writes nothing.
    expect((await request('GET', `${url}/admin/orders`, { headers: { cookie } })).status).toBe(200);
    expect((await seen()).getTime()).toBe(touched.getTime());
    await idleFor(31);
    expect((await request('GET', `${url}/admin`, { headers: { cookie } })).headers.get('location')).toBe('/admin/login?expired=1');
  });
});
