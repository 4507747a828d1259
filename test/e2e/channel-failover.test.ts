import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { freePort, runTs, startLocalStack, waitForText, type LocalStack } from '../../scripts/local-stack';
import { buyerHeaders } from '../../scripts/load/simulated-buyer';
import { createDb, type Db } from '../../src/db/client';
import { waitFor, waitForStatus } from '../support/stack';

// Failover end to end, in processes as `npm start` runs them: the launcher's two local Epay gateways
// (`epay`, `epay-backup`), its worker probing them every second, and two API processes that route
// `channel: "auto"` orders from what the probes stored in Postgres.
describe('an Epay gateway goes down and comes back (npm start stack, two API processes)', () => {
  let stack: LocalStack;
  let second: ChildProcess;
  let secondUrl: string;
  let db: Db;
  const sku = `failover-${randomUUID().slice(0, 8)}`;
  let buyer = 0;

  beforeAll(async () => {
    stack = await startLocalStack({ CHANNEL_PROBE_INTERVAL: '1s' });
    const [port, metricsPort] = [await freePort(), await freePort()];
    second = runTs('src/api/main.ts', { ...stack.env, PORT: String(port), API_METRICS_PORT: String(metricsPort) });
    await waitForText(second, 'Keyflow API listening', 60_000);
    secondUrl = `http://127.0.0.1:${port}`;
    db = createDb(stack.databaseUrl, { max: 2 });
    const admin = { Authorization: `Bearer ${stack.adminToken}`, 'Content-Type': 'application/json' };
    await fetch(`${stack.api}/api/admin/skus/${sku}`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ name: 'Failover key', priceCents: 500, currency: 'CNY' }),
    });
    const keys = Array.from({ length: 200 }, (_, i) => `FAILOVER-${sku}-${i}`).join('\n');
    const imported = await fetch(`${stack.api}/api/admin/skus/${sku}/keys`, {
      method: 'POST',
      headers: { ...admin, 'Content-Type': 'text/plain' },
      body: keys,
    });
    expect(imported.ok).toBe(true);
  }, 240_000);
  afterAll(async () => {
    second?.kill('SIGTERM');
    await db?.$disconnect();
    await stack?.stop();
  });

  const gateways = () => ({ epay: stack.sandbox, 'epay-backup': `http://127.0.0.1:${stack.ports.sandbox + 1}` });
  const order = async (api: string, channel = 'auto') => {
    const response = await fetch(`${api}/api/orders`, {
      method: 'POST',
      headers: buyerHeaders(`failover-${buyer}`),
      body: JSON.stringify({ sku, quantity: 1, email: `failover${buyer++}@example.com`, channel }),
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, string> };
  };
  /** Where `count` auto orders from each API process went. */
  const routed = async (count: number) => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
      for (const api of [stack.api, secondUrl]) {
        const placed = await order(api);
        expect(placed.status).toBe(201);
        seen[placed.body.channel] = (seen[placed.body.channel] ?? 0) + 1;
      }
    }
    return seen;
  };
  const setDown = (down: boolean) =>
    fetch(`${stack.sandbox}/api/faults`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(down ? { down } : {}) });
  const channelState = async (name: string) => {
    const list = (await (await fetch(`${stack.api}/api/admin/channels`, { headers: { Authorization: `Bearer ${stack.adminToken}` } })).json()) as Array<{
      name: string;
      state: string;
    }>;
    return list.find((c) => c.name === name)?.state;
  };

  it('routes to both gateways while both answer', async () => {
    await waitFor(async () => (await channelState('epay')) === 'healthy' && (await channelState('epay-backup')) === 'healthy', 'both gateways probed healthy');
    const seen = await routed(10);
    expect(Object.keys(seen).sort()).toEqual(['epay', 'epay-backup']);
  }, 60_000);

  it('sends every new order to the backup within two probe intervals of the fault, in both processes, and delivers them', async () => {
    await setDown(true);
    const faultAt = Date.now();
    await waitFor(async () => (await channelState('epay')) === 'down', 'epay marked down');
    // Two probes a second apart, a worker that may be mid-round, and the routers' few-second cache.
    expect(Date.now() - faultAt).toBeLessThan(10_000);
    for (const api of [stack.api, secondUrl]) {
      const named = await waitFor(async () => {
        const placed = await order(api, 'epay');
        return placed.status === 503 && placed;
      }, `${api} to refuse epay`);
      expect(named.body.error).toBe('channel_down');
      expect(Number(named.retryAfter)).toBeGreaterThanOrEqual(5);
    }
    const seen = await routed(10);
    expect(seen).toEqual({ 'epay-backup': 20 });

    const placed = await order(secondUrl);
    expect(placed.body.channel).toBe('epay-backup');
    const page = await fetch(placed.body.payUrl);
    expect(page.status).toBe(200);
    const paid = await fetch(`${gateways()['epay-backup']}/api/trades/${placed.body.orderNo}/pay`, { method: 'POST' });
    expect(((await paid.json()) as { acknowledged: boolean }).acknowledged).toBe(true);
    await waitForStatus(db, placed.body.orderNo, 'DELIVERED');
  }, 90_000);

  it('gives the recovered gateway traffic again', async () => {
    await setDown(false);
    const recoveredAt = Date.now();
    const back = await waitFor(
      async () => {
        const seen = await routed(5);
        return seen.epay ? Date.now() - recoveredAt : false;
      },
      'an auto order routed to epay again',
      90_000,
    );
    expect(back).toBeLessThan(90_000);
    await waitFor(async () => (await channelState('epay')) === 'healthy', 'epay healthy again', 60_000);
  }, 180_000);
});
