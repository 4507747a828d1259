// The read storm, run as its own process by scripts/bench/bench.ts beside the order load: buyers'
// order pages polling (GET /api/orders/:orderNo with each order's own access token) and staff
// searching (by email, by status, by date) at fixed rates, open loop. Prints `recording` when its
// warm-up is over, then its figures as JSON.
import http from 'node:http';
import pg from 'pg';
import { AccessTokens } from '../../src/crypto/access-token';
import { stats, type Stats } from './measure';

interface StormPlan {
  api: string;
  adminToken: string;
  /** CARD_KEY_ENCRYPTION_KEY as hex: the storm issues the tokens a buyer's link carries. */
  cardKeyHex: string;
  databaseUrl: string;
  readsPerSec: number;
  searchesPerSec: number;
  /** At the full rates, unrecorded first: a storm is a steady state, not a cold start. */
  warmupSeconds: number;
  seconds: number;
}

export interface StormFigures {
  reads: number;
  readErrors: number;
  readMs: Stats;
  searches: number;
  searchErrors: number;
  searchMs: Stats;
  /** Distinct orders polled. */
  orders: number;
  /** This generator's own CPU while recording: on one machine, the storm's client side takes its share too. */
  generatorCpuSeconds: number;
}

// node:http with kept-alive sockets, not fetch(): on this machine fetch costs the client about
// 0.9 ms of CPU a request, more than the API spends answering, and the storm shares the cores.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** GET with the bearer token; resolves with the status once the body has been read. */
function get(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers: { Authorization: `Bearer ${token}` } }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
      response.once('error', reject);
    });
    request.once('error', reject);
  });
}

/** Orders polled: the newest open ones, as the order page polls only until the order is settled. */
const POLLED_ORDERS = 500;
const SETTLED = `'DELIVERED','REFUNDED','EXPIRED','CANCELLED','NEEDS_REVIEW','FAILED'`;
const STATUSES = ['AWAITING_PAYMENT', 'DELIVERED', 'PAID', 'EXPIRED'];

async function main() {
  const plan = JSON.parse(process.env.BENCH_STORM!) as StormPlan;
  const tokens = new AccessTokens(Buffer.from(plan.cardKeyHex, 'hex'));
  const db = new pg.Client({ connectionString: plan.databaseUrl });
  await db.connect();
  let orders: Array<{ orderNo: string; email: string; token: string }> = [];
  const refresh = async () => {
    const { rows } = await db.query<{ orderNo: string; email: string; tokenVersion: number }>(
      `SELECT "orderNo", "email", "tokenVersion" FROM "Order" WHERE "status" NOT IN (${SETTLED}) ORDER BY "createdAt" DESC LIMIT ${POLLED_ORDERS}`,
    );
    orders = rows.map((r) => ({ orderNo: r.orderNo, email: r.email, token: tokens.issue(r.orderNo, r.tokenVersion) }));
  };
  await refresh();
  const seen = new Set<string>();
  const readMs: number[] = [];
  const searchMs: number[] = [];
  let readErrors = 0;
  let searchErrors = 0;
  let recording = false;
  const timed = async (url: string, token: string, into: number[]): Promise<boolean> => {
    const started = performance.now();
    try {
      const status = await get(url, token);
      if (recording) into.push(performance.now() - started);
      return (status >= 200 && status < 300) || !recording;
    } catch {
      return !recording;
    }
  };
  const pending: Array<Promise<unknown>> = [];
  const started = Date.now();
  let reads = 0;
  let searches = 0;
  let recordedFrom = { reads: 0, searches: 0 };
  let cpuFrom = process.cpuUsage();
  let lastRefresh = started;
  while (Date.now() - started < (plan.warmupSeconds + plan.seconds) * 1000) {
    if (!recording && Date.now() - started >= plan.warmupSeconds * 1000) {
      recording = true;
      recordedFrom = { reads, searches };
      cpuFrom = process.cpuUsage();
      process.stdout.write('recording\n');
    }
    const elapsed = (Date.now() - started) / 1000;
    for (; reads < elapsed * plan.readsPerSec && orders.length > 0; reads++) {
      const order = orders[reads % orders.length];
      if (recording) seen.add(order.orderNo);
      pending.push(timed(`${plan.api}/api/orders/${order.orderNo}`, order.token, readMs).then((ok) => ok || readErrors++));
    }
    for (; searches < elapsed * plan.searchesPerSec; searches++) {
      const kind = searches % 3;
      const order = orders[searches % Math.max(orders.length, 1)];
      const query =
        kind === 0 && order
          ? `email=${encodeURIComponent(order.email)}`
          : kind === 1
            ? `status=${STATUSES[searches % STATUSES.length]}`
            : `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date().toISOString()}`;
      pending.push(timed(`${plan.api}/api/admin/orders?${query}&limit=50`, plan.adminToken, searchMs).then((ok) => ok || searchErrors++));
    }
    if (Date.now() - lastRefresh > 1000) {
      lastRefresh = Date.now();
      await refresh();
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(pending);
  await db.end();
  agent.destroy();
  const figures: StormFigures = {
    reads: reads - recordedFrom.reads,
    readErrors,
    readMs: stats(readMs),
    searches: searches - recordedFrom.searches,
    searchErrors,
    searchMs: stats(searchMs),
    orders: seen.size,
    generatorCpuSeconds: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(cpuFrom)),
  };
  process.stdout.write(JSON.stringify(figures));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
