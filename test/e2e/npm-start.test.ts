import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';
import { dropDatabase } from '../../src/db/database';
import { freePort, freePortPair } from '../../src/dev/launcher/free-port';
import { waitFor } from '../support/stack';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** Metric names in deploy/: alert and recording rule expressions, dashboard targets. */
function metricsUsedByDeploy(): Set<string> {
  const rules = parse(readFileSync(path.join(PROJECT_ROOT, 'deploy/prometheus/alerts.yml'), 'utf8'));
  const dashboard = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'deploy/grafana/keyflow-dashboard.json'), 'utf8'));
  const expressions = [
    ...rules.groups.flatMap((g: { rules: Array<{ expr: string }> }) => g.rules.map((r) => r.expr)),
    ...dashboard.panels.flatMap((p: { targets: Array<{ expr: string }> }) => p.targets.map((t) => t.expr)),
  ];
  const names = new Set<string>();
  for (const expr of expressions) {
    for (const [name] of expr.matchAll(/\b(?:keyflow|temporal)_[a-z0-9_]+/g)) names.add(name);
  }
  return names;
}

function run(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, entry)], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

function collect(child: ChildProcess): { text: () => string } {
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { text: () => out };
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describe('what `npm start` boots, used as a person would (npm run demo)', () => {
  let launcher: ChildProcess;
  let output: { text: () => string };
  let env: NodeJS.ProcessEnv;
  const ports: Record<string, number> = {};
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname}_e2e`;
  const databaseUrl = url.toString();

  beforeAll(async () => {
    ports.sandbox = await freePortPair();
    for (const name of ['api', 'apiMetrics', 'callback', 'callbackMetrics', 'smtp', 'temporal', 'ui', 'codec', 'workerMetrics', 'sdkMetrics'])
      ports[name] = await freePort();
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      PORT: String(ports.api),
      API_METRICS_PORT: String(ports.apiMetrics),
      CALLBACK_PORT: String(ports.callback),
      CALLBACK_METRICS_PORT: String(ports.callbackMetrics),
      SANDBOX_PORT: String(ports.sandbox),
      SMTP_URL: `smtp://127.0.0.1:${ports.smtp}`,
      TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
      TEMPORAL_UI_PORT: String(ports.ui),
      CODEC_PORT: String(ports.codec),
      WORKER_METRICS_PORT: String(ports.workerMetrics),
      TEMPORAL_SDK_METRICS_PORT: String(ports.sdkMetrics),
      KEYFLOW_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'keyflow-e2e-')),
      ADMIN_TOKEN: 'e2e-admin-token-0123456789',
      CARD_KEY_ENCRYPTION_KEY: '33'.repeat(32),
      PAYLOAD_ENCRYPTION_KEYS: `e2e=${'44'.repeat(32)}`,
      EPAY_PID: '4242',
      EPAY_KEY: 'e2e-epay-key-0123456789',
    };
    launcher = run('src/dev/launcher/launcher.ts', env);
    output = collect(launcher);
    await waitFor(async () => output.text().includes('Keyflow is running') || launcher.exitCode !== null, 'the banner', 120_000);
    if (launcher.exitCode !== null) throw new Error(`launcher exited:\n${output.text()}`);
  }, 150_000);

  afterAll(async () => {
    if (launcher.exitCode === null) launcher.kill('SIGKILL');
    await dropDatabase(databaseUrl);
  });

  it('prints a banner with every URL', () => {
    const banner = output.text();
    expect(banner).toContain(`http://127.0.0.1:${ports.api}`);
    expect(banner).toContain(`http://127.0.0.1:${ports.ui}/namespaces/default/workflows`);
    expect(banner).toContain(`http://127.0.0.1:${ports.sandbox}/mailbox`);
    expect(banner).toContain('npm run demo');
  });

  it('sells a key end to end: order, sandbox payment, delivery, email, Web UI link', async () => {
    const demo = run('src/dev/launcher/demo.ts', env);
    const demoOut = collect(demo);
    const code = await new Promise((resolve) => demo.once('exit', resolve));
    const text = demoOut.text();
    expect({ code, text }).toEqual({ code: 0, text: expect.stringContaining('DELIVERED in') });
    expect(text).toMatch(/key: STEAM-[0-9A-F]{12}/);
    expect(text).toContain('email arrived');
    const orderNo = /order (K\w+),/.exec(text)![1];
    expect(text).toContain(`http://127.0.0.1:${ports.ui}/namespaces/default/workflows/order-${orderNo}`);

    const mailbox = (await (await fetch(`http://127.0.0.1:${ports.sandbox}/mailbox.json`)).json()) as Array<{ subject: string; text: string }>;
    const key = /key: (STEAM-[0-9A-F]{12})/.exec(text)![1];
    expect(mailbox[0].subject).toContain(orderNo);
    expect(mailbox[0].text).toContain(key);

    // The Web UI serves the order's workflow page from the same dev server.
    const ui = await fetch(`http://127.0.0.1:${ports.ui}/namespaces/default/workflows/order-${orderNo}`);
    expect(ui.status).toBe(200);

    // The gateway's notification went to the process that serves only payment notifications, which acknowledged it.
    // Routing chose one of the two local gateways (epay, epay-backup on the port after it).
    type Trade = { outTradeNo: string; notifyUrl: string; notifications: Array<{ acknowledged: boolean }> };
    const trades: Trade[] = [];
    for (const port of [ports.sandbox, ports.sandbox + 1]) trades.push(...((await (await fetch(`http://127.0.0.1:${port}/api/trades`)).json()) as Trade[]));
    const trade = trades.find((t) => t.outTradeNo === orderNo)!;
    expect(trade.notifyUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${ports.callback}/api/payments/epay(-backup)?/notify$`));
    expect(trade.notifications[0].acknowledged).toBe(true);
    expect((await fetch(`http://127.0.0.1:${ports.callback}/api/skus`)).status).toBe(404);
  }, 90_000);

  it('exports every metric the alert rules and the dashboard use', async () => {
    // The demo's order runs only local activities; a buyer's cancel runs a remote one, whose
    // schedule-to-start latency the alert rules watch.
    const placed = await fetch(`http://127.0.0.1:${ports.api}/api/orders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '10.0.0.7' },
      body: JSON.stringify({ sku: 'demo-steam-50', quantity: 1, email: 'canceller@example.com', channel: 'epay' }),
    });
    const order = (await placed.json()) as { orderNo: string; accessToken: string };
    expect({ status: placed.status, order }).toMatchObject({ status: 201 });
    const cancelled = await fetch(`http://127.0.0.1:${ports.api}/api/orders/${order.orderNo}/cancel`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${order.accessToken}` },
    });
    expect(((await cancelled.json()) as { status: string }).status).toBe('CANCELLED');
    const scrape = async (port: number) => await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    // The payments-only process exports the callback metrics.
    const exported = [ports.apiMetrics, ports.callbackMetrics, ports.workerMetrics, ports.sdkMetrics].map(scrape);
    const text = (await Promise.all(exported)).join('\n');
    // The public port does not show them.
    expect((await fetch(`http://127.0.0.1:${ports.api}/metrics`)).status).toBe(404);
    // A sample, or a declared metric with no sample yet (a channel ratio is absent until there is data).
    const names = new Set([...text.matchAll(/^(?:# TYPE )?([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )/gm)].map((m) => m[1]));
    const used = metricsUsedByDeploy();
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((name) => !names.has(name));
    expect(missing).toEqual([]);
  });

  it('serves the codec server for the Web UI on loopback', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.codec}/decode`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ payloads: [] }),
    });
    expect(response.status).toBe(200);
  });

  it('stops every process on Ctrl-C', async () => {
    launcher.kill('SIGINT');
    const code = await new Promise((resolve) => launcher.once('exit', resolve));
    expect(code).toBe(0);
    for (const port of [ports.api, ports.callback, ports.sandbox, ports.smtp, ports.temporal, ports.codec, ports.workerMetrics])
      expect(await portOpen(port)).toBe(false);
  }, 60_000);
});
