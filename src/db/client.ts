import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;

/** Connections a process's pool opens at most unless told otherwise. */
export const DEFAULT_POOL_MAX = 10;

/**
 * `synchronousCommit: false` makes this pool's commits return before their WAL reaches the disk:
 * what they wrote is visible at once, but a crash of the database server in the next few hundred
 * milliseconds loses it (never half of it).
 */
export function createDb(databaseUrl: string, options: { max?: number; synchronousCommit?: boolean } = {}): Db {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.max ?? DEFAULT_POOL_MAX,
    ...(options.synchronousCommit === false ? { options: '-c synchronous_commit=off' } : {}),
  });
  // Minimal: an error's message carries no source-code frame into logs, timelines or history.
  return new PrismaClient({ adapter, errorFormat: 'minimal' });
}
