import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { adminHeaders, placeOrder, request, startStack, waitForStatus, type Stack } from '../support/stack';
import { TEST_SUPPORT_TOKEN, uniqueSku } from '../support/config';
import { paidNotification } from '../support/epay-recipe';
import { CHROMIUM_ARGS, ensureChromium, ensureCjkFont } from '../support/chromium';
import { PROJECT_ROOT } from '../../src/paths';

// The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; ordinary runs leave docs/ alone.
const UPDATING_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const IMAGES = path.join(PROJECT_ROOT, UPDATING_SCREENSHOTS ? 'docs/images' : 'test-artifacts');
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Console errors and uncaught exceptions on a page: a shop page must have none. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  return errors;
}

interface AxeResult {
  violations: Array<{ id: string; nodes: Array<{ target: string[] }> }>;
}

/** axe-core's WCAG A/AA rules (labels, names, contrast, language) run in the page; returns each violation with where it is. */
async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated, not added as a script tag: the shop's Content-Security-Policy rightly refuses inline scripts.
  await page.evaluate(AXE_SOURCE);
  // Strings, not functions: these run in the browser, where document and navigator live.
  const result = await page.evaluate<AxeResult>(
    `axe.run(document, ${JSON.stringify({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })})`,
  );
  return result.violations.map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('a buyer in the storefront (headless Chromium)', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    const executablePath = ensureChromium();
    if (UPDATING_SCREENSHOTS) ensureCjkFont();
    mkdirSync(IMAGES, { recursive: true });
    stack = await startStack();
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('buys a key in zh-CN by clicking: product, checkout, the sandbox pay page, back to the order page with the key', async () => {
    const sku = uniqueSku('browser');
    await request('PUT', `${stack.api.url}/api/admin/skus/${sku}`, {
      headers: adminHeaders(),
      json: {
        name: 'Steam 钱包充值卡 50 元',
        priceCents: 5000,
        currency: 'CNY',
        category: '游戏点卡',
        description: '适用于 Steam 国区账户。',
        deliveryInstructions: '打开 Steam 客户端 → 兑换钱包码，粘贴卡密。',
      },
    });
    await request('POST', `${stack.api.url}/api/admin/skus/${sku}/keys`, {
      headers: { ...adminHeaders(), 'Content-Type': 'text/plain' },
      body: 'BROWSER-KEY-0001\nBROWSER-KEY-0002',
    });

    // A phone-sized window whose browser asks for Chinese.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${stack.api.url}/`);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(IMAGES, 'storefront-catalogue.png'), fullPage: true });

    await page.getByRole('link', { name: 'Steam 钱包充值卡 50 元' }).first().click();
    await page.getByRole('heading', { name: '发货说明' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('邮箱').fill('browser-buyer@example.com');
    await page.getByLabel('支付方式').selectOption({ label: '支付宝' });
    await page.screenshot({ path: path.join(IMAGES, 'storefront-product.png'), fullPage: true });
    // The form works from the keyboard alone: Tab reaches the button, Enter submits.
    await page.getByLabel('支付方式').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('去支付');
    await page.keyboard.press('Enter');

    // The sandbox gateway's pay page: pay by clicking; it sends the buyer back to the shop.
    await page.waitForURL((url) => url.href.startsWith(stack.sandboxUrl));
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(/\/orders\/K[A-Z0-9]+$/);
    const orderNo = page.url().split('/').pop()!;
    expect(await waitForStatus(stack.db, orderNo, 'DELIVERED')).toMatchObject({ email: 'browser-buyer@example.com', payType: 'alipay', sku });

    // The page follows the order by itself until the key is there.
    const key = page.locator('ol.keys code').first();
    await key.waitFor({ timeout: 20_000 });
    expect(await key.textContent()).toMatch(/^BROWSER-KEY-000[12]$/);
    await page.getByText('打开 Steam 客户端').waitFor();
    expect(await page.locator('#status').textContent()).toBe('已发货');
    await page.getByRole('button', { name: '复制' }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(await key.textContent());
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(IMAGES, 'storefront-order.png'), fullPage: true });

    // The language switch turns the same page to English and stays switched.
    await page.getByRole('link', { name: 'English' }).click();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.locator('#status').textContent()).toBe('Delivered');
    await page.getByRole('link', { name: 'Find my order' }).click();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await accessibilityViolations(page)).toEqual([]);

    // Errors from the shop's own pages only: the sandbox is a stand-in for someone else's site.
    expect(errors.filter((e) => e.startsWith(stack.api.url))).toEqual([]);
    await context.close();
  }, 120_000);

  it('staff sign in, import keys with a duplicate shown in the preview, find an order in review and approve it, in zh-CN', async () => {
    const sku = uniqueSku('staff');
    await request('PUT', `${stack.api.url}/api/admin/skus/${sku}`, { headers: adminHeaders(), json: { name: '会员年卡', priceCents: 1000, currency: 'CNY' } });
    await request('POST', `${stack.api.url}/api/admin/skus/${sku}/keys`, { headers: { ...adminHeaders(), 'Content-Type': 'text/plain' }, body: 'STAFF-KEY-1' });
    // A payment for the wrong amount puts an order in review.
    const order = await placeOrder(stack, sku, 1, 'review-me@example.com');
    await request('GET', `${stack.api.url}/api/payments/epay/notify?${new URLSearchParams(paidNotification(order.orderNo, 'T-BROWSER-REVIEW', '0.01'))}`);
    await waitForStatus(stack.db, order.orderNo, 'NEEDS_REVIEW');

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${stack.api.url}/admin`);
    await page.waitForURL(/\/admin\/login/);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('员工令牌').fill(TEST_SUPPORT_TOKEN);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('当前用户：alice').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(IMAGES, 'console-dashboard.png'), fullPage: true });

    // Import: the preview shows the duplicate before anything is written.
    await page.getByRole('link', { name: '商品', exact: true }).click();
    await page.getByRole('link', { name: sku }).click();
    await page.getByLabel('卡密', { exact: true }).fill('STAFF-KEY-2\nSTAFF-KEY-1\nSTAFF-KEY-3');
    await page.getByRole('button', { name: '预览' }).click();
    expect(await page.locator('#will-import').textContent()).toContain('将导入 2 个新卡密');
    expect(await page.locator('#duplicates').textContent()).toContain('第 2 行');
    expect(await stack.db.cardKey.count({ where: { sku } })).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(IMAGES, 'console-import-preview.png'), fullPage: true });
    await page.getByRole('button', { name: '确认导入' }).click();
    await page.getByText('已导入 2 个卡密').waitFor();
    expect(await stack.db.cardKey.count({ where: { sku } })).toBe(3);

    // Before a sale: the sale controls, and prewarming the SKU.
    await page.getByRole('link', { name: '大促控制' }).click();
    await page.getByLabel('SKU', { exact: true }).selectOption(sku);
    await page.getByRole('button', { name: '预热', exact: true }).click();
    await page.getByText(`${sku}：未售 3 个`).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(IMAGES, 'console-sale.png'), fullPage: true });

    // The review queue, the order, approve with a note.
    await page.getByRole('link', { name: '待审核' }).first().click();
    await page.getByRole('link', { name: order.orderNo }).click();
    await page.getByText('amount mismatch').waitFor();
    await page.getByLabel('备注（记录在订单记录中）').first().fill('买家补款，人工确认');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(IMAGES, 'console-order.png'), fullPage: true });
    await page.getByRole('button', { name: '通过' }).click();
    await page.getByRole('status').waitFor();
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    expect(await stack.db.orderEvent.count({ where: { orderNo: order.orderNo, actor: 'staff:alice' } })).toBeGreaterThan(0);
    expect(await page.getAttribute(`a[href*="/workflows/order-${order.orderNo}"]`, 'href')).toContain(`/namespaces/default/workflows/order-${order.orderNo}`);

    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByText('已退出登录').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('works without JavaScript: checkout by form post and an order page that refreshes itself', async () => {
    const sku = uniqueSku('nojs');
    await request('PUT', `${stack.api.url}/api/admin/skus/${sku}`, {
      headers: adminHeaders(),
      json: { name: 'No-script item', priceCents: 100, currency: 'CNY' },
    });
    await request('POST', `${stack.api.url}/api/admin/skus/${sku}/keys`, { headers: { ...adminHeaders(), 'Content-Type': 'text/plain' }, body: 'NOJS-KEY-1' });
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${stack.api.url}/p/${sku}`);
    await page.getByLabel('Email').fill('nojs@example.com');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL((url) => url.href.startsWith(stack.sandboxUrl));
    await page.getByRole('button', { name: 'Pay' }).click();
    // The meta refresh (inside <noscript>) brings the key in without a script.
    await page.getByText('NOJS-KEY-1').waitFor({ timeout: 30_000 });
    await context.close();
  }, 120_000);
});
