// `npm run chaos`: orders flow while parts of Keyflow die, then the invariants are checked.
// Runs every part itself so each can be killed: a private Postgres cluster (initdb as the postgres
// user, never the machine's shared server), the file-backed Temporal dev server, the sandbox
// gateway + SMTP sink, the worker and the API.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createDb, type Db } from '../../src/db/client';
import { ensureDatabase } from '../../src/db/database';
import { migrate } from '../../src/db/migrator';
import { MIGRATIONS_DIR } from '../../src/paths';
import { createPrivatePostgres } from '../../src/dev/private-postgres';
import { startTemporalDevServer, type DevServer } from '../../src/dev/launcher/temporal-dev-server';
import { checkInvariants } from '../../src/invariants/check';
import { freePort, freePortPair, runTs, waitForText } from '../local-stack';
import { buyerHeaders } from '../load/simulated-buyer';
import { FaultProxy, type WireFault } from './fault-proxy';

const { values: flags } = parseArgs({
  options: {
    // 500 at 5/s keeps orders flowing through every fault, the 60 s mail outage last of all.
    orders: { type: 'string', default: '500' },
    rate: { type: 'string', default: '5' },
    'smtp-down-seconds': { type: 'string', default: '60' },
    'worker-kills': { type: 'string', default: '3' },
    /** How long each fault on the wire lasts (latency and loss, partitions). */
    'net-fault-seconds': { type: 'string', default: '10' },
  },
});
const ORDERS = Number(flags.orders);
const RATE = Number(flags.rate);
const STORM = 20; // buyers who pay while the API is down
const PG_BUYERS = 20; // buyers who pay as Postgres stops; with the storm, within the spare keys
const WIRE_BUYERS = 3; // buyers who pay during each fault on the wire
/** Long enough that deliveries cut off mid-transaction retry several times before the database is back. */
const PG_DOWN_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What to tear down if the run itself fails, so no Temporal, Postgres or Node process outlives it. */
const teardown: Array<() => unknown> = [];

/** `touches` says which orders a fault could have hurt: those alive, or (for mail) waiting for their email, in its window. */
interface FaultRow {
  fault: string;
  start: Date;
  end: Date;
  touches: 'life' | 'email';
  recovered: string;
  recoverSeconds: number;
  violations: number;
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyflow-chaos-'));
  const pgPort = await freePort();
  const pg = createPrivatePostgres(pgPort);
  console.log(`private Postgres cluster in ${pg.dir} on port ${pgPort}`);
  const pgStart = () => pg.start();
  const pgStop = () => pg.stop();
  teardown.push(() => pgStop());

  const ports = Object.fromEntries(
    await Promise.all(
      ['api', 'apiMetrics', 'smtp', 'temporal', 'ui', 'codec', 'wm', 'sdk', 'pgWire', 'temporalWire', 'gatewayWire'].map(async (n) => [n, await freePort()]),
    ),
  );
  ports.sandbox = await freePortPair();
  // The wires the network faults cut: worker ↔ Postgres, API ↔ Temporal, Keyflow ↔ the gateway's API.
  const wires = {
    postgres: await FaultProxy.start(pgPort, ports.pgWire),
    temporal: await FaultProxy.start(ports.temporal, ports.temporalWire),
    gateway: await FaultProxy.start(ports.sandbox, ports.gatewayWire),
  };
  teardown.push(() => Promise.all(Object.values(wires).map((w) => w.close())));
  const databaseUrl = pg.url('keyflow');
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl, MIGRATIONS_DIR);
  const epayKey = `chaos-epay-${randomBytes(8).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    PORT: String(ports.api),
    API_METRICS_PORT: String(ports.apiMetrics),
    SANDBOX_PORT: String(ports.sandbox),
    SMTP_URL: `smtp://127.0.0.1:${ports.smtp}`,
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    TEMPORAL_UI_PORT: String(ports.ui),
    CODEC_PORT: String(ports.codec),
    WORKER_METRICS_PORT: String(ports.wm),
    TEMPORAL_SDK_METRICS_PORT: String(ports.sdk),
    ADMIN_TOKEN: `chaos-admin-${randomBytes(8).toString('hex')}`,
    CARD_KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    PAYLOAD_ENCRYPTION_KEYS: `chaos=${randomBytes(32).toString('hex')}`,
    EPAY_PID: '8888',
    EPAY_KEY: epayKey,
    EPAY_API_URL: `http://127.0.0.1:${ports.gatewayWire}`,
    RESTOCK_WAIT: '0',
    PAYMENT_POLL_INTERVAL: '5s',
    PAYMENT_DEADLINE: '10m',
    SANDBOX_TIME_FACTOR: '0.05',
  };
  const api = `http://127.0.0.1:${ports.api}`;
  const sandbox = `http://127.0.0.1:${ports.sandbox}`;

  let temporal: DevServer = await startTemporalDevServer({
    host: '127.0.0.1',
    port: ports.temporal,
    uiPort: ports.ui,
    namespace: 'default',
    dbFile: path.join(dir, 'temporal.sqlite'),
  });
  const processes: Record<string, ChildProcess> = {};
  teardown.push(
    () => temporal.stop(),
    () => Object.values(processes).forEach((child) => child.kill('SIGKILL')),
  );
  const stopping = new Set<ChildProcess>();
  // Each part reaches its neighbours through the wires that can fail.
  const wiredEnv: Record<string, NodeJS.ProcessEnv> = {
    worker: { DATABASE_URL: `postgresql://postgres@127.0.0.1:${ports.pgWire}/keyflow` },
    api: { TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporalWire}` },
    // The gateways themselves listen where the wire leads (with `epay-backup` beside, unused here).
    sandbox: { EPAY_API_URL: `http://127.0.0.1:${ports.sandbox}`, EPAY_BACKUP_PID: '8889', EPAY_BACKUP_KEY: `${epayKey}-backup` },
  };
  const start = async (name: string, entry: string, ready: string) => {
    const child = runTs(entry, { ...env, ...wiredEnv[name] });
    processes[name] = child;
    // A part that dies on its own is a finding, not a fault we injected: say so, with its last words.
    let tail = '';
    const keep = (d: Buffer) => {
      tail = (tail + d).slice(-2000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', (code, signal) => {
      if (!stopping.has(child)) console.error(`✖ ${name} exited on its own (${code ?? signal}):\n${tail}`);
    });
    await waitForText(child, ready, 120_000);
  };
  const stop = async (name: string, signal: NodeJS.Signals) => {
    const child = processes[name];
    if (child.exitCode !== null) return;
    stopping.add(child);
    child.kill(signal);
    await new Promise((r) => child.once('exit', r));
  };
  await start('sandbox', 'src/dev/sandbox/main.ts', 'Sandbox gateway on');
  await start('worker', 'src/worker/main.ts', 'polling task queue');
  await start('api', 'src/api/main.ts', 'API listening');
  const db: Db = createDb(databaseUrl, { max: 2 });
  const admin = { Authorization: `Bearer ${env.ADMIN_TOKEN}`, 'Content-Type': 'application/json' };
  const sku = 'chaos-key';
  await fetch(`${api}/api/admin/skus/${sku}`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ name: 'Chaos key', priceCents: 1000, currency: 'CNY' }),
  });
  await fetch(`${api}/api/admin/skus/${sku}/keys`, {
    method: 'POST',
    headers: { ...admin, 'Content-Type': 'text/plain' },
    body: Array.from({ length: ORDERS + 60 }, (_, i) => `CHAOS-${i}`).join('\n'),
  });

  /**
   * A buyer placing an order and opening the pay page (which opens the trade at the gateway). Told
   * to wait (429: admission slows new orders while deliveries lag, as when Temporal restarts), the
   * buyer comes back when told, with its ticket, for two minutes at most.
   */
  const placeOrder = async (key: string) => {
    const patienceUntil = Date.now() + 120_000;
    let ticket: string | undefined;
    let created: Response;
    for (;;) {
      created = await fetch(`${api}/api/orders`, {
        method: 'POST',
        headers: { ...buyerHeaders(key), 'Idempotency-Key': key, ...(ticket ? { 'Admission-Ticket': ticket } : {}) },
        body: JSON.stringify({ sku, quantity: 1, email: `${key}@example.com`, channel: 'epay' }),
      });
      if (created.status !== 429) break;
      const refusal = (await created.json()) as { error: string; retryAfterSeconds: number; ticket?: string };
      if (Date.now() + refusal.retryAfterSeconds * 1000 > patienceUntil) throw new Error(`placing an order answered 429 ${refusal.error} for two minutes`);
      ticket = refusal.ticket ?? ticket;
      await sleep(refusal.retryAfterSeconds * 1000);
    }
    if (created.status !== 201) throw new Error(`placing an order answered ${created.status}`);
    const order = (await created.json()) as { orderNo: string; payUrl: string };
    await (await fetch(order.payUrl)).text();
    return order;
  };
  const pay = async (orderNo: string) => void (await (await fetch(`${sandbox}/api/trades/${orderNo}/pay`, { method: 'POST' })).text());

  // Orders keep flowing in the background for the whole run; failures to place one are retried.
  let stopLoad = false;
  const load = (async () => {
    for (let i = 0; i < ORDERS && !stopLoad; i++) {
      await sleep(1000 / RATE);
      void (async () => {
        for (let attempt = 0; attempt < 30; attempt++) {
          try {
            await pay((await placeOrder(`chaos-${i}`)).orderNo);
            return;
          } catch {
            await sleep(1000);
          }
        }
      })();
    }
  })();

  const rows: FaultRow[] = [];
  async function fault(name: string, inject: () => Promise<void>, recover: () => Promise<void>, touches: FaultRow['touches'] = 'life') {
    console.log(`→ ${name}`);
    const start = new Date();
    await inject();
    const t0 = Date.now();
    await recover();
    rows.push({ fault: name, start, end: new Date(), touches, recovered: 'yes', recoverSeconds: Math.round((Date.now() - t0) / 100) / 10, violations: 0 });
    await sleep(3000);
  }
  // Counted once everything settled: an order placed before the window closed that had not finished
  // (or, for mail, had not been emailed) when it opened lived through the fault.
  const touched = (row: FaultRow) =>
    db.order.count({
      where:
        row.touches === 'email'
          ? { deliveredAt: { lt: row.end }, OR: [{ emailedAt: null }, { emailedAt: { gt: row.start } }] }
          : { createdAt: { lt: row.end }, OR: [{ deliveredAt: null, closedAt: null }, { deliveredAt: { gt: row.start } }, { closedAt: { gt: row.start } }] },
    });

  await sleep(5000);
  for (let k = 0; k < Number(flags['worker-kills']); k++) {
    await fault(
      `SIGKILL worker #${k + 1}`,
      () => stop('worker', 'SIGKILL'),
      () => start('worker', 'src/worker/main.ts', 'polling task queue'),
    );
  }
  await fault(
    'restart Temporal dev server',
    async () => temporal.stop(),
    async () => {
      temporal = await startTemporalDevServer({
        host: '127.0.0.1',
        port: ports.temporal,
        uiPort: ports.ui,
        namespace: 'default',
        dbFile: path.join(dir, 'temporal.sqlite'),
      });
      await stop('worker', 'SIGTERM');
      await start('worker', 'src/worker/main.ts', 'polling task queue');
    },
  );
  // Buyers pay just as Postgres stops: some callbacks are stored and their deliveries cut off, the
  // rest cannot be stored (the API answers with an error) and the gateway retries them.
  const pgBuyers = await Promise.all(Array.from({ length: PG_BUYERS }, (_, i) => placeOrder(`pg-${i}`)));
  await fault(
    `restart Postgres as ${PG_BUYERS} buyers pay`,
    async () => {
      const paying = Promise.all(pgBuyers.map((order) => pay(order.orderNo).catch(() => undefined)));
      await sleep(30);
      pgStop();
      await paying;
      await sleep(PG_DOWN_MS);
    },
    async () => pgStart(),
  );
  // Buyers on the pay page pay while the API is down: every notification fails and the gateway
  // retries it until the API is back.
  const storm = await Promise.all(Array.from({ length: STORM }, (_, i) => placeOrder(`storm-${i}`)));
  await fault(
    'restart the API during a callback storm',
    async () => {
      await stop('api', 'SIGKILL');
      await Promise.all(storm.map((order) => pay(order.orderNo)));
      await sleep(3000);
    },
    () => start('api', 'src/api/main.ts', 'API listening'),
  );
  // Bad wires while orders flow: slow and lossy to Postgres, cut off from Temporal, cut off from the gateway.
  const netSeconds = Number(flags['net-fault-seconds']);
  const wireFault = async (name: string, wire: FaultProxy, bad: WireFault) => {
    // Buyers who pay while the wire is bad, so the fault meets orders in flight.
    const buyers = await Promise.all(Array.from({ length: WIRE_BUYERS }, (_, i) => placeOrder(`${name.split(' ')[0]}-${wire.port}-${i}`)));
    await fault(
      name,
      async () => {
        wire.set(bad);
        await Promise.all(buyers.map((order) => pay(order.orderNo).catch(() => undefined)));
        await sleep(netSeconds * 1000);
      },
      async () => wire.set({}),
    );
  };
  await wireFault(`worker ↔ Postgres: +200 ms, 20% loss for ${netSeconds} s`, wires.postgres, { latencyMs: 200, lossRate: 0.2 });
  await wireFault(`API ↔ Temporal partitioned for ${netSeconds} s`, wires.temporal, { partitioned: true });
  await wireFault(`Keyflow ↔ gateway partitioned for ${netSeconds} s`, wires.gateway, { partitioned: true });

  const smtpDown = Number(flags['smtp-down-seconds']);
  await fault(
    `SMTP sink down for ${smtpDown} s`,
    async () => {
      await fetch(`${sandbox}/api/mail-faults`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ down: true }) });
    },
    async () => {
      await sleep(smtpDown * 1000);
      await fetch(`${sandbox}/api/mail-faults`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({}) });
    },
    'email',
  );

  // Duplicate, forged, replayed and amount-tampered callbacks against real orders.
  const trades = (await (await fetch(`${sandbox}/api/trades`)).json()) as Array<{
    outTradeNo: string;
    tradeNo: string;
    money: string;
    name: string;
    type: string;
    status: string;
  }>;
  const sign = (fields: Record<string, string>, key = epayKey) => ({
    ...fields,
    sign: createHash('md5')
      .update(
        Object.keys(fields)
          .sort()
          .map((k) => `${k}=${fields[k]}`)
          .join('&') + key,
      )
      .digest('hex'),
    sign_type: 'MD5',
  });
  const notify = (fields: Record<string, string>) =>
    fetch(`${api}/api/payments/epay/notify?${new URLSearchParams(fields)}`)
      .then((r) => r.text())
      .catch(() => 'error');
  const paidTrades = trades.filter((t) => t.status === 'PAID').slice(0, 20);
  const callbacksStart = new Date();
  let forgedAccepted = 0;
  for (const t of paidTrades) {
    const fields = { pid: '8888', trade_no: t.tradeNo, out_trade_no: t.outTradeNo, type: t.type, name: t.name, money: t.money, trade_status: 'TRADE_SUCCESS' };
    await Promise.all([notify(sign(fields)), notify(sign(fields))]); // duplicate + replay
    if ((await notify(sign({ ...fields, money: '0.01' }, 'guessed-key'))) === 'success') forgedAccepted += 1; // forged
  }
  // Amount tampered but validly signed (a compromised key): must never deliver, NEEDS_REVIEW instead.
  const tampered = await fetch(`${api}/api/orders`, {
    method: 'POST',
    headers: buyerHeaders('tampered'),
    body: JSON.stringify({ sku, quantity: 1, email: 'tampered@example.com', channel: 'epay' }),
  }).then((r) => r.json() as Promise<{ orderNo: string }>);
  await notify(
    sign({
      pid: '8888',
      trade_no: `T-TAMPER-${Date.now()}`,
      out_trade_no: tampered.orderNo,
      type: 'alipay',
      name: 'x',
      money: '0.01',
      trade_status: 'TRADE_SUCCESS',
    }),
  );
  rows.push({
    fault: 'duplicate, replayed, forged, tampered callbacks',
    start: callbacksStart,
    end: new Date(),
    touches: 'life',
    recovered: forgedAccepted === 0 ? 'yes' : 'NO',
    recoverSeconds: 0,
    violations: forgedAccepted,
  });

  stopLoad = true;
  await load;
  // Everything paid must settle: reconciliation would catch stragglers; we wait for the workflows.
  const settleStart = Date.now();
  for (;;) {
    const open = await db.order.count({ where: { status: { in: ['PAID', 'AWAITING_STOCK', 'REFUNDING'] } } });
    // The tampered order counts as unsettled until its workflow has put it in review.
    const unpaid = await db.order.count({ where: { status: 'AWAITING_PAYMENT' } });
    if ((open === 0 && unpaid === 0) || Date.now() - settleStart > 180_000) break;
    await sleep(1000);
  }

  // Mail retried with backoff while the sink was down: give it time to arrive.
  const mailStart = Date.now();
  while ((await db.order.count({ where: { status: 'DELIVERED', emailedAt: null } })) > 0 && Date.now() - mailStart < 180_000) await sleep(1000);

  // Afterwards: the invariants, the inbox against the gateway's trades, one delivery email per order.
  const violations = await checkInvariants(db, { graceMs: 0 });
  const finalTrades = (await (await fetch(`${sandbox}/api/trades`)).json()) as Array<{ outTradeNo: string; tradeNo: string; status: string }>;
  const payments = new Set((await db.payment.findMany({ select: { tradeNo: true } })).map((p) => p.tradeNo));
  const lost = finalTrades.filter((t) => t.status !== 'WAITING' && !payments.has(t.tradeNo));
  const mail = (await (await fetch(`${sandbox}/mailbox.json`)).json()) as Array<{ subject: string; messageId?: string }>;
  const delivered = await db.order.findMany({ where: { status: 'DELIVERED' }, select: { orderNo: true } });
  // Once per order means one distinct message: a worker killed between sending and recording may
  // send it again, under the same Message-ID, which mail clients show once.
  const deliveryMails = new Map<string, Set<string>>();
  let resent = 0;
  for (const m of mail) {
    const orderNo = /^Your order (\w+):/.exec(m.subject)?.[1];
    if (!orderNo) continue;
    const ids = deliveryMails.get(orderNo) ?? new Set<string>();
    if (ids.has(m.messageId ?? '')) resent += 1;
    ids.add(m.messageId ?? '');
    deliveryMails.set(orderNo, ids);
  }
  const mailProblems = delivered.filter((o) => deliveryMails.get(o.orderNo)?.size !== 1).length;
  const statuses = await db.order.groupBy({ by: ['status'], _count: { _all: true } });
  const tamperedStatus = (await db.order.findUniqueOrThrow({ where: { orderNo: tampered.orderNo } })).status;

  console.log('\nfault                                              orders touched  recovered  recover s  violations');
  for (const r of rows) {
    console.log(
      `${r.fault.padEnd(50)} ${String(await touched(r)).padStart(14)} ${r.recovered.padStart(10)} ${String(r.recoverSeconds).padStart(10)} ${String(r.violations).padStart(11)}`,
    );
  }
  console.log('orders touched: placed before the fault ended and not finished (for SMTP: not emailed) when it began');
  console.log(`\norders by state: ${statuses.map((s) => `${s.status} ${s._count._all}`).join(', ')}`);
  console.log(
    `invariant violations: ${violations.length}${violations.length ? `\n${violations.map((v) => `  ${v.rule}: ${v.orderNo ?? ''} ${v.detail}`).join('\n')}` : ''}`,
  );
  console.log(`callbacks lost (paid at the gateway, unknown to the shop): ${lost.length}`);
  console.log(`delivered orders without exactly one delivery email: ${mailProblems} (${resent} same-Message-ID resend(s) after crashes)`);
  console.log(`amount-tampered order: ${tamperedStatus} (must be NEEDS_REVIEW)`);

  await db.$disconnect();
  for (const name of ['api', 'worker', 'sandbox']) await stop(name, 'SIGTERM');
  await Promise.all(Object.values(wires).map((wire) => wire.close()));
  await temporal.stop();
  pgStop();
  const failed = violations.length + lost.length + mailProblems + forgedAccepted + (tamperedStatus === 'NEEDS_REVIEW' ? 0 : 1);
  console.log(failed === 0 ? '\n✔ chaos: nothing lost, nothing sold twice' : `\n✖ chaos: ${failed} problem(s)`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch(async (error) => {
  console.error(error);
  for (const step of teardown.reverse())
    await Promise.resolve()
      .then(step)
      .catch(() => undefined);
  process.exit(1);
});
