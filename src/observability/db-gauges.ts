import client from 'prom-client';
import type { Db } from '../db/client';
import { registry } from './metrics';
import { countSlowStatements, SLOW_STATEMENT_MS } from '../db/statement-stats';

interface ActivitySample {
  waiting: number;
  longestWait: number;
  longestStatement: number;
}

/** One look at this database's sessions serves all three gauges of a scrape. */
const SAMPLE_REUSE_MS = 1000;

/**
 * Lock waits and long statements, sampled from pg_stat_activity at scrape time (the seed's
 * 数据库慢查询与锁等待): what a slow order path looks like from Postgres' side. Works on any server;
 * the count of slow statements, and `npm run db:report`'s top statements, need pg_stat_statements.
 */
export function registerDbGauges(db: Db): void {
  const names = [
    'keyflow_db_lock_waiting_sessions',
    'keyflow_db_longest_lock_wait_seconds',
    'keyflow_db_longest_statement_seconds',
    'keyflow_db_slow_statements',
  ];
  // The latest API server in this process is the one scraped (tests start several in turn).
  for (const name of names) registry.removeSingleMetric(name);
  let last: { at: number; sample: Promise<ActivitySample> } | undefined;
  const sample = () => {
    if (!last || Date.now() - last.at > SAMPLE_REUSE_MS) last = { at: Date.now(), sample: readActivity(db) };
    return last.sample;
  };
  const gauge = (name: string, help: string, pick: (s: ActivitySample) => number) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(pick(await sample()));
      },
    });
  gauge(names[0], "Sessions of Keyflow's database waiting for a lock now", (s) => s.waiting);
  gauge(names[1], 'How long the statement waiting longest for a lock has been running', (s) => s.longestWait);
  gauge(names[2], "How long the oldest statement still running in Keyflow's database has been running", (s) => s.longestStatement);
  new client.Gauge({
    name: names[3],
    help: `Statements whose mean execution time is ${SLOW_STATEMENT_MS} ms or more (pg_stat_statements; absent where the server does not have it)`,
    // A label, so that without pg_stat_statements the series is absent instead of a reassuring 0.
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      this.reset();
      const slow = await countSlowStatements(db);
      if (slow !== undefined) this.set({ source: 'pg_stat_statements' }, slow);
    },
  });
}

export async function readActivity(db: Db): Promise<ActivitySample> {
  const [row] = await db.$queryRaw<ActivitySample[]>`
    SELECT count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS "waiting",
           coalesce(max(extract(epoch FROM now() - query_start)) FILTER (WHERE wait_event_type = 'Lock'), 0)::float8 AS "longestWait",
           coalesce(max(extract(epoch FROM now() - query_start)), 0)::float8 AS "longestStatement"
    FROM pg_stat_activity
    WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`;
  return row;
}
