import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules } from '../../src/worker/workflow-source';
import { startTemporalDevServer } from '../../src/dev/launcher/temporal-dev-server';
import { ensureDatabase } from '../../src/db/database';
import { migrate } from '../../src/db/migrator';
import { MIGRATIONS_DIR } from '../../src/paths';
import { freePort } from '../../src/dev/launcher/free-port';

const ADMIN_DB = process.env.KEYFLOW_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * One real Temporal dev server (in memory, with its Web UI) for the whole run and a migrated template
 * database; each test file gets a copy of its own, so no relay, reconciliation or invariant check
 * reads another file's rows. The workflow bundle is built once; test files have task queues of their own.
 */
export default async function globalSetup(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'keyflow-test-'));
  const [port, uiPort] = [await freePort(), await freePort()];
  const server = await startTemporalDevServer({ host: '127.0.0.1', port, uiPort, namespace: 'default' });

  // A migrated template; every test file copies it into a database of its own (per-file-database.ts).
  const url = new URL(ADMIN_DB);
  url.pathname = `/keyflow_test_${Date.now()}_${process.pid}`;
  const databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl, MIGRATIONS_DIR);

  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    workflowInterceptorModules: workflowInterceptorModules(),
    logger: quietLogger,
  });
  const bundlePath = path.join(tmp, 'workflow-bundle.js');
  writeFileSync(bundlePath, code);

  Object.assign(process.env, {
    KEYFLOW_TEST_TMP: tmp,
    KEYFLOW_TEST_TEMPORAL_UI: server.uiUrl,
    TEMPORAL_ADDRESS: server.address,
    KEYFLOW_TEST_TEMPLATE_DB: databaseUrl,
    DATABASE_URL: databaseUrl,
    KEYFLOW_WORKFLOW_BUNDLE: bundlePath,
  });
  (globalThis as Record<string, unknown>).__keyflowTest = { server, databaseUrl };
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
