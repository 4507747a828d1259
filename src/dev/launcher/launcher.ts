import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../config';
import { reportFatal } from '../../cli';
import { ensureDatabase } from '../../db/database';
import { migrate } from '../../db/migrator';
import { createDb } from '../../db/client';
import { describeDatabaseUrl } from '../../db/errors';
import { verifyCardKeyEncryptionKey } from '../../crypto/verify-card-key';
import { DATA_DIR, MIGRATIONS_DIR, PROJECT_ROOT } from '../../paths';
import { startTemporalDevServer, type DevServer } from './temporal-dev-server';
import { openTemporalConnection } from '../../temporal/connection';
import { registerSearchAttributes } from '../../temporal/register-search-attributes';
import { Supervisor } from './supervisor';
import { banner } from './banner';

/**
 * `npm start`: the whole stack on its embedded defaults. Temporal dev server (file-backed under
 * .data/, Web UI), migrations, then sandbox gateway + SMTP sink, worker and API as supervised
 * child processes. KEYFLOW_TEMPORAL=external uses TEMPORAL_ADDRESS instead of the dev server.
 */
async function main() {
  const config = loadConfig();
  const dataDir = process.env.KEYFLOW_DATA_DIR ?? DATA_DIR;
  let devServer: DevServer | undefined;
  const supervisor = new Supervisor(() => void shutdown(1));

  let shuttingDown = false;
  async function shutdown(code: number) {
    if (shuttingDown) return;
    shuttingDown = true;
    console.log('\nstopping Keyflow…');
    await supervisor.stopAll();
    await devServer?.stop();
    console.log('stopped.');
    process.exit(code);
  }
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  if (process.env.KEYFLOW_TEMPORAL !== 'external') {
    const [host, port] = config.temporal.address.split(':');
    console.log(`starting the Temporal dev server on ${config.temporal.address} (data in ${path.relative(PROJECT_ROOT, dataDir) || dataDir})…`);
    devServer = await startTemporalDevServer({
      host,
      port: Number(port),
      uiPort: config.temporal.uiPort,
      namespace: config.temporal.namespace,
      dbFile: path.join(dataDir, 'temporal.sqlite'),
      stdio: 'inherit',
      // The Web UI asks Keyflow's codec server to decrypt payloads for the person looking.
      extraArgs: ['--ui-codec-endpoint', `http://127.0.0.1:${config.codecPort}`],
    });
    devServer.process.once('exit', (code) => {
      if (!shuttingDown) {
        console.error(`\n✖ the Temporal dev server exited (code ${code}); stopping Keyflow.`);
        void shutdown(1);
      }
    });
  }
  const connection = await openTemporalConnection(config);
  const added = await registerSearchAttributes(connection, config.temporal.namespace);
  if (added.length) console.log(`registered search attributes: ${added.join(', ')}`);
  await connection.close();

  if (await ensureDatabase(config.databaseUrl)) console.log('created the database');
  const migrated = await migrate(config.databaseUrl, MIGRATIONS_DIR);
  console.log(migrated.applied.length ? `applied migrations: ${migrated.applied.join(', ')}` : 'database schema is up to date');
  const db = createDb(config.databaseUrl, { max: 1 });
  try {
    await verifyCardKeyEncryptionKey(db, config.cardKeyEncryptionKey, describeDatabaseUrl(config.databaseUrl));
  } finally {
    await db.$disconnect();
  }

  const src = path.join(PROJECT_ROOT, 'src');
  // KEYFLOW_RUN=build runs what production runs (`npm run build`'s dist/) instead of the sources.
  const built = process.env.KEYFLOW_RUN === 'build';
  const entry = (dir: string) => (built ? path.join(PROJECT_ROOT, 'dist', dir, 'main.js') : path.join(src, dir, 'main.ts'));
  if (built && !existsSync(entry('worker'))) throw new Error('KEYFLOW_RUN=build: there is no build in dist/; run `npm run build` first');
  const localSandbox = config.epayInstances.some((e) => e.sandboxPort !== undefined);
  if (localSandbox) supervisor.start({ name: 'sandbox', entry: path.join(src, 'dev', 'sandbox', 'main.ts') });
  supervisor.start({ name: 'codec', entry: entry('codec-server') });
  // Payment notifications get an API process of their own, so a flash sale's crowd of buyers never
  // delays an acknowledgement; only where the channels reach this machine directly (no public URL given).
  const callbacks = !process.env.PUBLIC_BASE_URL && !process.env.NOTIFY_BASE_URL;
  const notifyEnv = callbacks ? { NOTIFY_BASE_URL: `http://127.0.0.1:${config.callbackPort}` } : {};
  supervisor.start({ name: 'worker', entry: entry('worker'), env: notifyEnv });
  supervisor.start({ name: 'api', entry: entry('api'), env: notifyEnv });
  if (callbacks)
    supervisor.start({
      name: 'callbacks',
      entry: entry('api'),
      env: { API_ROUTES: 'payments', PORT: String(config.callbackPort), API_METRICS_PORT: String(config.callbackMetricsPort) },
    });
  if (built) console.log('running the build: worker, API and codec server from dist/');

  await waitForReady(`http://127.0.0.1:${config.port}/readyz`);
  if (callbacks) await waitForReady(`http://127.0.0.1:${config.callbackPort}/readyz`);
  console.log(banner(config, devServer ? devServer.uiUrl : undefined));
}

async function waitForReady(url: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  console.error(`✖ the API did not become ready at ${url}; see its output above.`);
}

main().catch((error) => {
  reportFatal(error);
  process.exit(1);
});
