import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;

/** Connections a process's pool opens at most unless told otherwise. */
export const DEFAULT_POOL_MAX = 10;

export function createDb(databaseUrl: string, options: { max?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.max ?? DEFAULT_POOL_MAX });
  // Minimal: an error's message carries no source-code frame into logs, timelines or history.
  return new PrismaClient({ adapter, errorFormat: 'minimal' });
}
