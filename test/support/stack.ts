import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection, type Client } from '@temporalio/client';
import { temporalClient, temporalConnectionOptions } from '../../src/temporal/connection';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { Config } from '../../src/config';
import { createDb, type Db } from '../../src/db/client';
import { startApiServer, type RunningApi } from '../../src/api/server';
import { createOrderWorker } from '../../src/worker/worker';
import { createGateway } from '../../src/dev/sandbox/gateway';
import { startSmtpSink, type SmtpSink } from '../../src/dev/sandbox/smtp-sink';
import { createLogger, type Logger } from '../../src/logging';
import { installSdkRuntime } from '../../src/observability/sdk-runtime';
import type { PlacedOrder } from '../../src/orders/place-order';
import { reportPayment } from '../../src/orders/report-payment';
import type { PaymentReport } from '../../src/domain/payment-report';
import { freePort } from '../../src/dev/launcher/free-port';
import { orderWorkflowId } from '../../src/workflows/workflow-ids';
import { TEST_ADMIN_TOKEN, TEST_EPAY, testConfig } from './config';

export interface Stack {
  config: Config;
  api: RunningApi;
  sandboxUrl: string;
  gateway: ReturnType<typeof createGateway>;
  sink: SmtpSink;
  db: Db;
  temporal: Client;
  worker?: Worker;
  /** The second Epay gateway, instance `epay-b`, when asked for. */
  backup?: { url: string; gateway: ReturnType<typeof createGateway> };
  stop(): Promise<void>;
}

export interface StackOptions {
  env?: Record<string, string>;
  /** Scales the sandbox's notification retry schedule. */
  timeFactor?: number;
  worker?: boolean;
  /** Runs a second sandbox gateway as the Epay instance `epay-b` (EPAY_B_*). */
  backupGateway?: boolean;
  /** The worker probes the channels every CHANNEL_PROBE_INTERVAL (off: tests decide health themselves). */
  probeChannels?: boolean;
  /** The SDK's log lines (workflow logs among them) go here as the worker's do in production, not to a quiet console. */
  sdkLogger?: Logger;
}

export const TEST_EPAY_B = { pid: '2002', key: 'test-epay-b-key-0123456789abcdef' };

let runtimeInstalled = false;

/** SDK logs at WARN so test output shows what matters, or into `logger` as in production; once per test process. */
function installSdk(logger: Logger | undefined): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  if (logger) installSdkRuntime(logger, undefined);
  else Runtime.install({ logger: new DefaultLogger((process.env.TEST_SDK_LOG as 'WARN') ?? 'WARN') });
}

function listen(app: http.RequestListener, port = 0): Promise<http.Server> {
  const server = http.createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * The real parts in one process: API over HTTP, a worker on its own task queue with the real
 * activities, the sandbox Epay gateway and a real SMTP server, all on the run's Temporal and Postgres.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  installSdk(options.sdkLogger);
  const sink = await startSmtpSink(0);
  const gateway = createGateway({ merchant: TEST_EPAY, mailbox: sink, timeFactor: options.timeFactor ?? 0.001 });
  const sandboxServer = await listen(gateway.app);
  const sandboxUrl = `http://127.0.0.1:${(sandboxServer.address() as AddressInfo).port}`;
  const backupGateway = options.backupGateway ? createGateway({ merchant: TEST_EPAY_B, timeFactor: options.timeFactor ?? 0.001, name: 'epay-b' }) : undefined;
  const backupServer = backupGateway && (await listen(backupGateway.app));
  const backupUrl = backupServer && `http://127.0.0.1:${(backupServer.address() as AddressInfo).port}`;
  const apiPort = await freePort();
  const config = testConfig({
    PORT: String(apiPort),
    PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
    EPAY_API_URL: sandboxUrl,
    SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    ...(backupUrl ? { EPAY_B_PID: TEST_EPAY_B.pid, EPAY_B_KEY: TEST_EPAY_B.key, EPAY_B_API_URL: backupUrl } : {}),
    ...options.env,
  });
  const api = await startApiServer(config, { logger: createLogger('api', 'silent'), metricsPort: 0 });
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const temporal = temporalClient(config, connection);
  const db = createDb(config.databaseUrl, { max: 4 });

  let worker: Worker | undefined;
  let workerDone: Promise<void> | undefined;
  let closeWorker: (() => Promise<void>) | undefined;
  if (options.worker !== false) {
    const built = await createOrderWorker(config, {}, { probeChannels: options.probeChannels });
    worker = built.worker;
    closeWorker = built.close;
    workerDone = worker.run();
  }

  return {
    config,
    api,
    sandboxUrl,
    gateway,
    sink,
    db,
    temporal,
    worker,
    backup: backupGateway && { url: backupUrl!, gateway: backupGateway },
    async stop() {
      gateway.notifier.stop();
      backupGateway?.notifier.stop();
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await workerDone;
      await closeWorker?.();
      await api.close();
      sandboxServer.closeAllConnections();
      await new Promise((r) => sandboxServer.close(r));
      backupServer?.closeAllConnections();
      if (backupServer) await new Promise((r) => backupServer.close(r));
      await sink.close();
      await db.$disconnect();
      await connection.close();
    },
  };
}

export const adminHeaders = (token = TEST_ADMIN_TOKEN) => ({ Authorization: `Bearer ${token}` });

export async function request(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; json?: unknown; body?: string } = {},
): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.json !== undefined) headers['Content-Type'] ??= 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
    redirect: 'manual',
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, text, headers: response.headers };
}

/** A form post as a browser without JavaScript sends it. */
export const formPost = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  request('POST', url, { headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });

export async function createSkuWithKeys(stack: Stack, sku: string, keys: string[], priceCents = 1000): Promise<void> {
  const put = await request('PUT', `${stack.api.url}/api/admin/skus/${sku}`, {
    headers: adminHeaders(),
    json: { name: `Test ${sku}`, priceCents, currency: 'CNY' },
  });
  if (put.status !== 201 && put.status !== 200) throw new Error(`PUT sku: ${put.status} ${put.text}`);
  if (keys.length === 0) return;
  const post = await request('POST', `${stack.api.url}/api/admin/skus/${sku}/keys`, {
    headers: { ...adminHeaders(), 'Content-Type': 'text/plain' },
    body: keys.join('\n'),
  });
  if (post.status !== 200) throw new Error(`import keys: ${post.status} ${post.text}`);
}

export type PlacedOrderBody = PlacedOrder;

/** An order placed, paid and delivered, whose own run has closed (so staff actions take a follow-up run). */
export async function deliveredAndClosed(stack: Stack, sku: string, email?: string): Promise<PlacedOrderBody> {
  const order = await placeOrder(stack, sku, 1, email);
  await payInSandbox(stack, order);
  await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
  await stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo)).result();
  return order;
}

export async function placeOrder(stack: Stack, sku: string, quantity = 1, email = 'buyer@example.com'): Promise<PlacedOrderBody> {
  const response = await request('POST', `${stack.api.url}/api/orders`, { json: { sku, quantity, email, channel: 'epay' } });
  if (response.status !== 201) throw new Error(`place order: ${response.status} ${response.text}`);
  return response.body;
}

/** Makes the sandbox gateway misbehave for one trade ({} puts it right again). */
export function setTradeFaults(stack: Stack, orderNo: string, faults: object): ReturnType<typeof request> {
  return request('PUT', `${stack.sandboxUrl}/api/trades/${orderNo}/faults`, { json: faults });
}

/** The buyer opens the pay URL (the gateway opens the trade) and presses Pay. */
export async function payInSandbox(stack: Stack, order: PlacedOrderBody): Promise<{ tradeNo: string; acknowledged: boolean }> {
  const page = await fetch(order.payUrl);
  if (page.status !== 200) throw new Error(`pay page: ${page.status} ${await page.text()}`);
  const paid = await request('POST', `${stack.sandboxUrl}/api/trades/${order.orderNo}/pay`);
  if (paid.status !== 200) throw new Error(`pay: ${paid.status} ${paid.text}`);
  return paid.body;
}

export async function waitForStatus(db: Db, orderNo: string, statuses: string | string[], timeoutMs = 30_000) {
  const wanted = Array.isArray(statuses) ? statuses : [statuses];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const order = await db.order.findUnique({ where: { orderNo } });
    if (order && wanted.includes(order.status)) return order;
    if (Date.now() > deadline) throw new Error(`order ${orderNo} is ${order?.status ?? 'missing'}, expected ${wanted.join(' or ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function inboxDeps(stack: Stack) {
  const runDeps = { db: stack.db, temporal: stack.temporal, config: stack.config, clock: () => new Date() };
  return { db: stack.db, logger: createLogger('test', 'silent'), handOff: (orderNo: string, report: PaymentReport) => reportPayment(runDeps, orderNo, report) };
}

/** The paymentReceived signals the order's own run got: the witness that a forged callback reached nothing. */
export async function paymentSignals(stack: Stack, orderNo: string): Promise<number> {
  const history = await stack.temporal.workflow.getHandle(orderWorkflowId(orderNo)).fetchHistory();
  return history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'paymentReceived').length;
}
