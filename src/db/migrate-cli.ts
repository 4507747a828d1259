import { loadConfig } from '../config';
import { ensureDatabase } from './database';
import { migrate } from './migrator';
import { MIGRATIONS_DIR } from '../paths';
import { runCli } from '../cli';

runCli(async () => {
  const config = loadConfig();
  const created = await ensureDatabase(config.databaseUrl);
  const result = await migrate(config.databaseUrl, MIGRATIONS_DIR);
  if (created) console.log('created database');
  console.log(
    result.applied.length
      ? `applied ${result.applied.length} migration(s): ${result.applied.join(', ')}`
      : `database is up to date (${result.alreadyApplied.length} migration(s))`,
  );
});
