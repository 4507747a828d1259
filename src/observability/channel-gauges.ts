import client from 'prom-client';
import type { Db } from '../db/client';
import { registry } from './metrics';

const STATES = ['healthy', 'degraded', 'down'] as const;
const CHANNEL_GAUGES = [
  'keyflow_channel_score',
  'keyflow_channel_state',
  'keyflow_channel_success_ratio',
  'keyflow_channel_callback_loss_ratio',
  'keyflow_channel_error_ratio',
  'keyflow_channel_callback_latency_seconds',
];

interface Row {
  name: string;
  state: string;
  score: number | null;
  stats: {
    successRate?: number | null;
    callbackLatencyMs?: { p50: number | null; p99: number | null };
    callbackLossRate?: number | null;
    errorRate?: number | null;
  };
}

/**
 * Each payment channel instance as the prober last judged it, read from ChannelHealth at scrape
 * time (served by the API): the same figures every process routes by.
 */
export function registerChannelGauges(db: Db): void {
  // The latest API server in this process is the one scraped (tests start several in turn).
  for (const name of CHANNEL_GAUGES) registry.removeSingleMetric(name);
  let rows: Promise<Row[]> | undefined;
  // One read per scrape, shared by the gauges below.
  const read = () => {
    rows ??= db.$queryRaw<Row[]>`SELECT "name", "state", "score", "stats" FROM "ChannelHealth"`.finally(() => {
      setTimeout(() => (rows = undefined), 500).unref();
    });
    return rows;
  };
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: client.Gauge, row: Row) => void) =>
    new client.Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const row of await read()) fill(this, row);
      },
    });
  const set = (g: client.Gauge, labels: Record<string, string>, value: number | null | undefined) => {
    if (value !== null && value !== undefined) g.set(labels, value);
  };
  gauge('keyflow_channel_score', 'Health score of a payment channel instance, 0 to 1', ['channel'], (g, row) => set(g, { channel: row.name }, row.score));
  gauge('keyflow_channel_state', 'State of a payment channel instance: 1 for the state it is in', ['channel', 'state'], (g, row) => {
    for (const state of STATES) g.set({ channel: row.name, state }, row.state === state ? 1 : 0);
  });
  gauge('keyflow_channel_success_ratio', 'Recent orders paid within their deadline, over those whose outcome is known', ['channel'], (g, row) =>
    set(g, { channel: row.name }, row.stats.successRate),
  );
  gauge('keyflow_channel_callback_loss_ratio', 'Recent payments whose notification never came (polling found them)', ['channel'], (g, row) =>
    set(g, { channel: row.name }, row.stats.callbackLossRate),
  );
  gauge('keyflow_channel_error_ratio', 'Recent calls to the instance that failed or timed out', ['channel'], (g, row) =>
    set(g, { channel: row.name }, row.stats.errorRate),
  );
  gauge('keyflow_channel_callback_latency_seconds', 'From the channel recording a payment to its notification arriving', ['channel', 'quantile'], (g, row) => {
    const latency = row.stats.callbackLatencyMs;
    if (latency?.p50 != null) g.set({ channel: row.name, quantile: '0.5' }, latency.p50 / 1000);
    if (latency?.p99 != null) g.set({ channel: row.name, quantile: '0.99' }, latency.p99 / 1000);
  });
}
