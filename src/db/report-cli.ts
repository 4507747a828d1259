import { loadConfig } from '../config';
import { runCli } from '../cli';
import { createDb } from './client';
import { pingDatabase } from './database';
import { formatDatabaseReport, readDatabaseReport } from './report';

runCli(async () => {
  const config = loadConfig();
  await pingDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl, { max: 1 });
  try {
    console.log(formatDatabaseReport(await readDatabaseReport(db)));
  } finally {
    await db.$disconnect();
  }
});
