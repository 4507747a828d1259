import type { Db } from '../db/client';
import type { ActivityDeps } from './deps';

/** What warming one process took: how many database connections it opened at once, and how long it all took. */
export interface WarmUp {
  connections: number;
  ms: number;
}

/**
 * Opens `connections` database connections at once (each query holds its own for a moment, so the
 * pool fills instead of reusing one) and reads the SKU's sellable keys, pulling its rows into
 * Postgres's cache. The pool keeps idle connections for its idle timeout (node-postgres: 10 s).
 */
export async function warmDatabase(db: Db, sku: string, connections: number): Promise<WarmUp> {
  const started = Date.now();
  await Promise.all(Array.from({ length: connections }, () => db.$queryRaw`SELECT 1 AS "ok" FROM pg_sleep(0.05)`));
  await db.$queryRaw`SELECT count(*)::int AS "n" FROM "CardKey" WHERE "sku" = ${sku} AND "status" = 'AVAILABLE'`;
  return { connections, ms: Date.now() - started };
}

export function createPrewarmActivities({ db }: ActivityDeps) {
  return {
    /** The worker's half of a sale's prewarm (POST /api/admin/skus/:sku/prewarm). */
    async warmWorker({ sku, connections }: { sku: string; connections: number }): Promise<WarmUp> {
      return warmDatabase(db, sku, connections);
    },
  };
}
