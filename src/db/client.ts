import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;

export function createDb(databaseUrl: string, options: { max?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.max ?? 10 });
  // Minimal: an error's message carries no source-code frame into logs, timelines or history.
  return new PrismaClient({ adapter, errorFormat: 'minimal' });
}
