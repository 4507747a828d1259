import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createSkuWithKeys, payInSandbox, placeOrder, startStack, waitFor, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium';
import { PROJECT_ROOT } from '../../src/paths';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts');

describe('a support agent in the Temporal Web UI (headless Chromium)', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    const executablePath = ensureChromium();
    stack = await startStack();
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('finds an order by OrderNo, opens it, and reads its status and history', async () => {
    const sku = uniqueSku('webui');
    await createSkuWithKeys(stack, sku, ['WEBUI-KEY-1']);
    const order = await placeOrder(stack, sku, 1, 'agent-test@example.com');
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    // Visibility is eventually consistent: wait until the search attribute filter finds it.
    await waitFor(async () => {
      for await (const wf of stack.temporal.workflow.list({ query: `OrderNo = "${order.orderNo}" AND OrderStatus = "DELIVERED"` })) return wf;
      return undefined;
    }, 'the order in visibility');

    const ui = process.env.KEYFLOW_TEST_TEMPORAL_UI!;
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const query = encodeURIComponent(`OrderNo = "${order.orderNo}"`);
    await page.goto(`${ui}/namespaces/default/workflows?query=${query}`, { waitUntil: 'domcontentloaded' });
    const link = page.getByRole('link', { name: `order-${order.orderNo}` }).first();
    await link.waitFor({ timeout: 30_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-order-list.png'), fullPage: true });
    // The filter narrows the list to this one order among everything the run created.
    const ids = await page.getByRole('link', { name: /^order-K/ }).allTextContents();
    expect(new Set(ids.map((t) => t.trim()))).toEqual(new Set([`order-${order.orderNo}`]));

    await link.click();
    await page.waitForURL(/\/workflows\/order-/);
    await page.getByText('Completed').first().waitFor({ timeout: 30_000 });
    await page
      .getByText(/deliverPayment/)
      .first()
      .waitFor({ timeout: 30_000 });
    const body = await page.textContent('body');
    expect(body).toContain(`order-${order.orderNo}`);
    expect(body).toContain('orderWorkflow');
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-order.png'), fullPage: true });
    await page.close();
  }, 120_000);
});
