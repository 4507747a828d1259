import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../config';
import { reportFatal } from '../../cli';

/**
 * `npm run demo`: against a running `npm start`, sells one key end to end through the public
 * interfaces only: admin API, order API, the sandbox gateway's pay page, the SMTP sink's mailbox.
 */
async function main() {
  const config = loadConfig();
  const api = config.publicBaseUrl;
  // The mailbox lives with the first gateway; each order is paid at the gateway that served it.
  const sandbox = `http://127.0.0.1:${config.sandboxPort}`;
  const [, token] = [...config.adminTokens.entries()][0];
  const admin = { Authorization: `Bearer ${token}` };

  const ready = await fetch(`${api}/readyz`).catch(() => undefined);
  if (!ready?.ok) throw new Error(`Keyflow is not running at ${api}: start it with \`npm start\` in another terminal first.`);

  const sku = 'demo-steam-50';
  step(`creating SKU ${sku} and importing 3 keys`);
  await call('PUT', `${api}/api/admin/skus/${sku}`, { headers: admin, json: { name: 'Steam Wallet ¥50 (demo)', priceCents: 5000, currency: 'CNY' } });
  const keys = Array.from({ length: 3 }, () => `STEAM-${randomBytes(6).toString('hex').toUpperCase()}`).join('\n');
  await call('POST', `${api}/api/admin/skus/${sku}/keys`, { headers: { ...admin, 'Content-Type': 'text/plain' }, body: keys });

  const email = `buyer+${Date.now()}@example.com`;
  step(`placing an order for 1 key as ${email}`);
  const order = await call('POST', `${api}/api/orders`, { json: { sku, quantity: 1, email, channel: 'auto' } });
  const gateway = config.epayInstances.find((e) => e.name === order.channel);
  if (!gateway?.sandboxPort) throw new Error(`the order went to ${order.channel}, which is not a local sandbox gateway the demo can pay at`);
  console.log(`   order ${order.orderNo}, ${order.amountCents / 100} ${order.currency}, routed to ${order.channel}, pay URL ${order.payUrl.slice(0, 60)}…`);

  step(`opening the pay page and pressing Pay in the sandbox gateway ${order.channel}`);
  const payPage = await fetch(order.payUrl);
  if (!payPage.ok) throw new Error(`the pay page answered HTTP ${payPage.status}`);
  await call('POST', `http://127.0.0.1:${gateway.sandboxPort}/api/trades/${order.orderNo}/pay`, {});

  step('waiting for delivery');
  const started = Date.now();
  let view: Record<string, unknown> = {};
  while (Date.now() - started < 60_000) {
    view = await call('GET', `${api}/api/orders/${order.orderNo}`, { headers: { Authorization: `Bearer ${order.accessToken}` } });
    if (view.status === 'DELIVERED' || view.status === 'NEEDS_REVIEW') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (view.status !== 'DELIVERED') throw new Error(`order ended ${view.status} (${view.reason ?? 'no reason'})`);
  console.log(`   DELIVERED in ${Date.now() - started} ms; key: ${(view.cardKeys as string[]).join(', ')}`);

  step("checking the buyer's mailbox");
  let mail: { subject: string } | undefined;
  for (let i = 0; i < 40 && !mail; i++) {
    const box = (await call('GET', `${sandbox}/mailbox.json`, {})) as Array<{ to: string; subject: string }>;
    mail = box.find((m) => m.to === email);
    if (!mail) await new Promise((r) => setTimeout(r, 250));
  }
  console.log(mail ? `   email arrived: "${mail.subject}"` : '   no email yet (it is retried; see the worker log)');
  console.log(`\nOrder page:      ${api}/orders/${order.orderNo}?token=${order.accessToken}`);
  console.log(`Temporal Web UI: http://127.0.0.1:${config.temporal.uiPort}/namespaces/${config.temporal.namespace}/workflows/order-${order.orderNo}`);
  console.log(`Mailbox:         ${sandbox}/mailbox`);
}

function step(text: string) {
  console.log(`→ ${text}`);
}

async function call(method: string, url: string, options: { headers?: Record<string, string>; json?: unknown; body?: string }) {
  const headers = { ...options.headers, ...(options.json ? { 'Content-Type': 'application/json' } : {}) };
  const response = await fetch(url, { method, headers, body: options.json ? JSON.stringify(options.json) : options.body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered HTTP ${response.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

main().then(
  () => process.exit(0),
  (error) => {
    reportFatal(error);
    process.exit(1);
  },
);
