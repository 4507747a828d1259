// The read storm, run as its own process by scripts/bench/bench.ts beside the order load: buyers'
// order pages polling (GET /api/orders/:orderNo with each order's own access token) and staff
// searching (by email, by status, by date) at fixed rates, open loop; prints JSON figures.
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
  const timed = async (url: string, token: string, into: number[]): Promise<boolean> => {
    const started = performance.now();
    try {
      const r = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
      await r.arrayBuffer();
      into.push(performance.now() - started);
      return r.ok;
    } catch {
      return false;
    }
  };
  const pending: Array<Promise<unknown>> = [];
  const started = Date.now();
  let reads = 0;
  let searches = 0;
  let lastRefresh = started;
  while (Date.now() - started < plan.seconds * 1000) {
    const elapsed = (Date.now() - started) / 1000;
    for (; reads < elapsed * plan.readsPerSec && orders.length > 0; reads++) {
      const order = orders[reads % orders.length];
      seen.add(order.orderNo);
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
  const figures: StormFigures = {
    reads,
    readErrors,
    readMs: stats(readMs),
    searches,
    searchErrors,
    searchMs: stats(searchMs),
    orders: seen.size,
  };
  process.stdout.write(JSON.stringify(figures));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
