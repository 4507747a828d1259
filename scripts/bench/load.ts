// The load generator, run as its own process by scripts/bench/bench.ts. Creates orders at a
// scheduled rate and pays each through the sandbox gateway, as a buyer would; prints JSON results.
import { buyerHeaders } from '../load/simulated-buyer';

interface LoadPlan {
  pipeline: 'keyflow' | 'sync-baseline';
  createUrl: string;
  /** Where each channel instance's sandbox gateway listens (its script API pays the trade). */
  gateways: Record<string, string>;
  /** The channel Keyflow's orders name ('epay' unless a scenario routes with 'auto'). */
  channel?: string;
  /** A buyer whose pay page fails places the order once more (the channel outage). */
  reorderOnPayPageFailure?: boolean;
  /** A buyer told 429 comes back after Retry-After (with its admission ticket), for this long at most (the flash sale). */
  patienceMs?: number;
  sku: string;
  /** Consecutive phases: this many orders per second for this many seconds. */
  phases: Array<{ rate: number; seconds: number }>;
  /** Stop after this many orders in total (the race), if set. */
  maxOrders?: number;
}

export interface Sent {
  orderNo?: string;
  /** The instance the order went to. */
  channel?: string;
  startedAt: number;
  paidAt?: number;
  error?: string;
  /** From the buyer's first try to the order being taken (waits for admission included). */
  waitedMs?: number;
  /** An earlier order of this buyer whose pay page failed, when it ordered once more. */
  abandoned?: { orderNo: string; channel: string; startedAt: number; error: string };
}

async function one(plan: LoadPlan, i: number, retry = false): Promise<Sent> {
  const sent: Sent = { startedAt: Date.now() };
  try {
    const body =
      plan.pipeline === 'keyflow'
        ? { sku: plan.sku, quantity: 1, email: `bench${i}@example.com`, channel: plan.channel ?? 'epay' }
        : { sku: plan.sku, email: `bench${i}@example.com` };
    let ticket: string | undefined;
    let created: Response;
    for (;;) {
      created = await fetch(plan.createUrl, {
        method: 'POST',
        headers: { ...buyerHeaders(i), ...(ticket ? { 'Admission-Ticket': ticket } : {}) },
        body: JSON.stringify(body),
      });
      if (created.status === 201) break;
      const refusal = (await created.json().catch(() => ({}))) as { error?: string; ticket?: string; retryAfterSeconds?: number };
      const comeBackMs = (refusal.retryAfterSeconds ?? 0) * 1000;
      if (created.status !== 429 || plan.patienceMs === undefined || !comeBackMs || Date.now() + comeBackMs - sent.startedAt > plan.patienceMs) {
        const gaveUp = created.status === 429 && plan.patienceMs !== undefined ? 'gave up waiting: ' : '';
        throw new Error(`${gaveUp}create answered ${created.status}${refusal.error ? ` (${refusal.error})` : ''}`);
      }
      ticket = refusal.ticket ?? ticket;
      await new Promise((r) => setTimeout(r, comeBackMs));
    }
    sent.waitedMs = Date.now() - sent.startedAt;
    const order = (await created.json()) as { orderNo: string; payUrl: string; channel?: string };
    sent.orderNo = order.orderNo;
    sent.channel = order.channel ?? 'epay';
    const page = await fetch(order.payUrl);
    await page.text();
    if (!page.ok) {
      const error = `pay page answered ${page.status}`;
      if (!plan.reorderOnPayPageFailure || retry) throw new Error(error);
      return { ...(await one(plan, i, true)), abandoned: { orderNo: order.orderNo, channel: sent.channel, startedAt: sent.startedAt, error } };
    }
    sent.paidAt = Date.now();
    const paid = await fetch(`${plan.gateways[sent.channel]}/api/trades/${order.orderNo}/pay`, { method: 'POST' });
    await paid.text();
    if (!paid.ok) throw new Error(`pay answered ${paid.status}`);
  } catch (error) {
    sent.error = (error as Error).message;
  }
  return sent;
}

async function main() {
  const plan = JSON.parse(process.env.BENCH_LOAD!) as LoadPlan;
  const inFlight: Array<Promise<Sent>> = [];
  let i = 0;
  for (const phase of plan.phases) {
    const count = Math.round(phase.rate * phase.seconds);
    const start = Date.now();
    for (let n = 0; n < count; n++) {
      if (plan.maxOrders !== undefined && i >= plan.maxOrders) break;
      const due = start + (n * 1000) / phase.rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(one(plan, i++));
    }
  }
  const results = await Promise.all(inFlight);
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
