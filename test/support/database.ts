import { Client } from 'pg';
import { dropDatabase } from '../../src/db/database';

function withName(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A copy of the run's migrated template database (milliseconds, where migrating would take seconds). */
export async function databaseFromTemplate(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const template = process.env.KEYFLOW_TEST_TEMPLATE_DB!;
  const url = withName(template, name);
  const admin = new Client({ connectionString: withName(template, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${new URL(template).pathname.slice(1)}"`);
  } finally {
    await admin.end();
  }
  return { url, drop: () => dropDatabase(url) };
}
