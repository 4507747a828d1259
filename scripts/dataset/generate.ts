// `npm run db:generate`: a shop's history of --orders orders over --days days in a private Postgres
// cluster (never the machine's shared server), after checking the disk; with --archive-after <days>,
// the settled orders older than that moved to the archive as the hourly archive step moves them;
// then how fast the queries buyers, staff and reconciliation run often answer on it. --keep leaves
// the cluster running.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createDb, type Db } from '../../src/db/client';
import { ensureDatabase } from '../../src/db/database';
import { migrate } from '../../src/db/migrator';
import { MIGRATIONS_DIR } from '../../src/paths';
import { CardKeyCipher } from '../../src/crypto/card-key-cipher';
import { createPrivatePostgres, PG_BIN } from '../../src/dev/private-postgres';
import { freePort } from '../../src/dev/launcher/free-port';
import { checkDiskFor, generateDataset, NotEnoughDiskError } from '../../src/dev/dataset/generate-dataset';
import { timeQueries } from './query-timings';
import { createArchiveActivities } from '../../src/activities/archive';

const { values: flags } = parseArgs({
  options: {
    orders: { type: 'string', default: '2000000' },
    days: { type: 'string', default: '730' },
    /** Hex, 64 characters: the CARD_KEY_ENCRYPTION_KEY the generated keys are encrypted with (default: a fixed test key). */
    'card-key': { type: 'string', default: '07'.repeat(32) },
    runs: { type: 'string', default: '200' },
    /** Days: archive the settled orders older than this (ARCHIVE_AFTER's default is 90); unset, every order stays hot. */
    'archive-after': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

async function main() {
  const orders = Number(flags.orders);
  try {
    const { neededBytes, freeBytes } = checkDiskFor(orders, os.tmpdir(), { archiving: flags['archive-after'] !== undefined });
    console.log(`disk: about ${(neededBytes / 2 ** 30).toFixed(1)} GiB needed, ${(freeBytes / 2 ** 30).toFixed(1)} GiB free at ${os.tmpdir()}`);
  } catch (error) {
    if (!(error instanceof NotEnoughDiskError)) throw error;
    console.error(`db:generate: ${error.message}`);
    process.exit(2);
  }
  const port = await freePort();
  const cluster = createPrivatePostgres(port, { max_wal_size: '4GB', checkpoint_timeout: '15min' });
  const url = cluster.url('keyflow');
  try {
    await ensureDatabase(url);
    await migrate(url, MIGRATIONS_DIR);
    const started = Date.now();
    let lastLine = 0;
    await generateDataset(url, {
      orders,
      days: Number(flags.days),
      keyCiphertext: new CardKeyCipher(Buffer.from(flags['card-key']!, 'hex')).encrypt('GENERATED-KEY-0000'),
      onProgress: (done, total) => {
        if (Date.now() - lastLine < 10_000 && done < total) return;
        lastLine = Date.now();
        console.log(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} orders, ${Math.round((Date.now() - started) / 1000)} s`);
      },
    });
    const db = createDb(url, { max: 2 });
    try {
      const bytes = await databaseBytes(db);
      console.log(
        `generated ${orders.toLocaleString('en')} orders in ${Math.round((Date.now() - started) / 1000)} s: database ${gib(bytes)} (${Math.round(bytes / orders)} bytes per order)`,
      );
      const archived = flags['archive-after'] === undefined ? 0 : await archive(db, Number(flags['archive-after']) * 86_400_000);
      console.log(`query timings over ${flags.runs} runs each (ms):`);
      for (const t of await timeQueries(db, { runs: Number(flags.runs), orders, archived })) {
        console.log(`  ${t.name.padEnd(56)} p50 ${t.p50.toFixed(2).padStart(7)}  p99 ${t.p99.toFixed(2).padStart(7)}  max ${t.max.toFixed(2).padStart(7)}`);
      }
    } finally {
      await db.$disconnect();
    }
    if (flags.keep) {
      console.log(`kept running: ${url} (data in ${cluster.dir}; stop it with: runuser -u postgres -- ${PG_BIN()}/pg_ctl -D ${cluster.dir}/pg stop)`);
      return;
    }
  } catch (error) {
    cluster.remove();
    throw error;
  }
  cluster.remove();
}

async function databaseBytes(db: Db): Promise<number> {
  const [{ bytes }] = await db.$queryRaw<Array<{ bytes: bigint }>>`SELECT pg_database_size(current_database()) AS bytes`;
  return Number(bytes);
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** Runs the archive step until nothing older than `olderThanMs` is left; returns how many orders moved. */
async function archive(db: Db, olderThanMs: number): Promise<number> {
  const { archiveSettledOrders } = createArchiveActivities({ db, clock: () => new Date() });
  const started = Date.now();
  let archived = 0;
  let lastLine = started;
  for (;;) {
    const step = await archiveSettledOrders({ olderThanMs, batchSize: 5_000 });
    archived += step.archived;
    if (!step.more) break;
    if (Date.now() - lastLine >= 10_000) {
      lastLine = Date.now();
      console.log(`  archived ${archived.toLocaleString('en')} orders, ${Math.round((Date.now() - started) / 1000)} s`);
    }
  }
  // As autovacuum would have between hourly runs: the moved rows' dead versions out of the hot tables' indexes.
  await db.$executeRawUnsafe('VACUUM ANALYZE');
  console.log(
    `archived ${archived.toLocaleString('en')} orders in ${Math.round((Date.now() - started) / 1000)} s (the archive step, 5,000 a transaction): database ${gib(await databaseBytes(db))}`,
  );
  return archived;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
