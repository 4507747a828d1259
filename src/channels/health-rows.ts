import { Prisma } from '../generated/prisma/client';
import type { Db } from '../db/client';
import type { ChannelStats, HealthState } from './health-model';

/** What reading and writing health needs of a client: the pool's or a transaction's. */
export type SqlClient = Pick<Db, '$queryRaw' | '$executeRaw'>;

export interface HealthRow {
  name: string;
  state: HealthState;
  score: number | null;
  stats: Partial<ChannelStats>;
  stateSince: Date;
  lastProbeAt: Date | null;
  lastProbeOk: boolean | null;
  probeFailures: number;
  probeSuccesses: number;
}

export interface OverrideRow {
  name: string;
  enabled: boolean | null;
  weight: number | null;
}

export async function readHealthRows(db: SqlClient, names: string[]): Promise<Map<string, HealthRow>> {
  if (names.length === 0) return new Map();
  const rows = await db.$queryRaw<HealthRow[]>`
    SELECT "name", "state", "score", "stats", "stateSince", "lastProbeAt", "lastProbeOk", "probeFailures", "probeSuccesses"
    FROM "ChannelHealth" WHERE "name" IN (${Prisma.join(names)})`;
  return new Map(rows.map((row) => [row.name, row]));
}

export async function readOverrides(db: SqlClient, names: string[]): Promise<Map<string, OverrideRow>> {
  if (names.length === 0) return new Map();
  const rows = await db.$queryRaw<OverrideRow[]>`SELECT "name", "enabled", "weight" FROM "ChannelOverride" WHERE "name" IN (${Prisma.join(names)})`;
  return new Map(rows.map((row) => [row.name, row]));
}
