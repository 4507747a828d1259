import type { Db } from './client';

export interface TopStatement {
  calls: number;
  totalMs: number;
  meanMs: number;
  query: string;
}

/** A statement slower than this on average is worth a look: Keyflow's own take milliseconds. */
export const SLOW_STATEMENT_MS = 100;

const NOT_INSTALLED =
  "pg_stat_statements is not installed in this database: add it to the server's shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements";

/** Why pg_stat_statements cannot be read here, or undefined when it can. */
async function unavailable(db: Db): Promise<string | undefined> {
  const [{ installed }] = await db.$queryRaw<[{ installed: boolean }]>`
    SELECT exists (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS "installed"`;
  return installed ? undefined : NOT_INSTALLED;
}

function unreadable(error: unknown): string {
  return `pg_stat_statements is installed but cannot be read (${(error as Error).message.split('\n')[0]}): is it in shared_preload_libraries?`;
}

/** The statements of this database that took the most time, or why they cannot be known. */
export async function readTopStatements(db: Db, top: number): Promise<TopStatement[] | { unavailable: string }> {
  const why = await unavailable(db);
  if (why) return { unavailable: why };
  try {
    return await db.$queryRaw<TopStatement[]>`
      SELECT calls::float8 AS "calls", total_exec_time::float8 AS "totalMs", mean_exec_time::float8 AS "meanMs", left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS "query"
      FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      ORDER BY total_exec_time DESC LIMIT ${top}`;
  } catch (error) {
    return { unavailable: unreadable(error) };
  }
}

/** Statements of this database slower than SLOW_STATEMENT_MS on average; undefined without pg_stat_statements. */
export async function countSlowStatements(db: Db): Promise<number | undefined> {
  if (await unavailable(db)) return undefined;
  try {
    const [{ slow }] = await db.$queryRaw<[{ slow: number }]>`
      SELECT count(*)::int AS "slow" FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND mean_exec_time >= ${SLOW_STATEMENT_MS}`;
    return slow;
  } catch {
    return undefined;
  }
}
