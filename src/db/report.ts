import type { Db } from './client';
import { readTopStatements, type TopStatement } from './statement-stats';

interface TableSize {
  name: string;
  rows: number;
  bytes: number;
}
interface UnusedIndex {
  name: string;
  table: string;
  bytes: number;
}

export interface DatabaseReport {
  tables: TableSize[];
  /** Indexes never used since statistics were last reset; unique ones are left out (they enforce a rule). */
  unusedIndexes: UnusedIndex[];
  /** The statements that took the most time, or why there are none to show. */
  topStatements: TopStatement[] | { unavailable: string };
  statsSince: Date | null;
}

/** What `npm run db:report` prints: where the database's time and space go. Read-only. */
export async function readDatabaseReport(db: Db, top = 10): Promise<DatabaseReport> {
  const tables = await db.$queryRaw<TableSize[]>`
    SELECT relname AS "name", n_live_tup::float8 AS "rows", pg_total_relation_size(relid)::float8 AS "bytes"
    FROM pg_stat_user_tables ORDER BY pg_total_relation_size(relid) DESC, relname`;
  const unusedIndexes = await db.$queryRaw<UnusedIndex[]>`
    SELECT s.indexrelname AS "name", s.relname AS "table", pg_relation_size(s.indexrelid)::float8 AS "bytes"
    FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
    WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
    ORDER BY pg_relation_size(s.indexrelid) DESC, s.indexrelname`;
  const [{ since }] = await db.$queryRaw<[{ since: Date | null }]>`
    SELECT stats_reset AS "since" FROM pg_stat_database WHERE datname = current_database()`;
  return { tables, unusedIndexes, topStatements: await readTopStatements(db, top), statsSince: since };
}

const size = (bytes: number) => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

export function formatDatabaseReport(report: DatabaseReport): string {
  const lines = [`Statistics since ${report.statsSince?.toISOString() ?? 'the server started'}`, '', 'Tables (with their indexes and TOAST), largest first:'];
  for (const t of report.tables) lines.push(`  ${t.name.padEnd(28)} ${size(t.bytes).padStart(10)}  ${Math.round(t.rows)} rows`);
  lines.push('', 'Indexes never scanned (unique indexes left out: they enforce a rule):');
  if (report.unusedIndexes.length === 0) lines.push('  none');
  for (const i of report.unusedIndexes) lines.push(`  ${i.name.padEnd(40)} on ${i.table.padEnd(22)} ${size(i.bytes).padStart(10)}`);
  lines.push('', 'Statements by total time:');
  if ('unavailable' in report.topStatements) lines.push(`  ${report.topStatements.unavailable}`);
  else
    for (const s of report.topStatements)
      lines.push(
        `  ${s.totalMs.toFixed(0).padStart(9)} ms total ${s.meanMs.toFixed(2).padStart(9)} ms mean ${String(Math.round(s.calls)).padStart(8)} calls  ${s.query}`,
      );
  return lines.join('\n');
}
