import { Client } from 'pg';
import { DependencyError, POSTGRES_HINT, describeDatabaseUrl } from './errors';

function withDatabase(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export function databaseName(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
}

async function connectAdmin(databaseUrl: string): Promise<Client> {
  const client = new Client({ connectionString: withDatabase(databaseUrl, 'postgres'), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new DependencyError('Postgres', describeDatabaseUrl(databaseUrl), POSTGRES_HINT, error);
  }
  return client;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Creates the database named in the URL when it does not exist yet. Returns true if it was created. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseName(databaseUrl);
  const admin = await connectAdmin(databaseUrl);
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } catch (error) {
      // Two processes racing to create it is fine: the other one won.
      if ((error as { code?: string }).code !== '42P04') throw error;
      return false;
    }
    return true;
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const admin = await connectAdmin(databaseUrl);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(databaseName(databaseUrl))} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Checks that the database answers; used by start-up and /readyz. */
export async function pingDatabase(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    // The server answered: the database itself is missing, which migrating fixes.
    const missing = (error as { code?: string }).code === '3D000';
    throw new DependencyError('Postgres', describeDatabaseUrl(databaseUrl), missing ? MISSING_DATABASE_HINT : POSTGRES_HINT, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const MISSING_DATABASE_HINT = 'Run `npm run db:migrate` (or `npm start`) to create and migrate it, or point DATABASE_URL at the right database.';
