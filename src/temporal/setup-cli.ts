import { loadConfig } from '../config';
import { runCli } from '../cli';
import { openTemporalConnection, temporalClient } from './connection';
import { registerSearchAttributes } from './register-search-attributes';
import { ensureArchiveSchedule, ensureReconcileSchedule } from './schedules';

/** `npm run temporal:setup`: what a real cluster needs once: search attributes and the Schedule. */
runCli(async () => {
  const config = loadConfig();
  const connection = await openTemporalConnection(config);
  try {
    const added = await registerSearchAttributes(connection, config.temporal.namespace);
    console.log(added.length ? `added search attributes: ${added.join(', ')}` : 'search attributes already registered');
    const client = temporalClient(config, connection);
    const schedule = await ensureReconcileSchedule(client, config);
    console.log(`reconciliation schedule ${schedule} (every ${config.reconcileIntervalMs / 1000} s)`);
    console.log(`archive schedule ${await ensureArchiveSchedule(client, config)}`);
  } finally {
    await connection.close();
  }
});
