import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TEMPORAL_CLI } from '../../paths';
import { searchAttributeFlags } from '../../temporal/register-search-attributes';

export interface DevServerOptions {
  host: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** SQLite file; omitted → in memory (tests). */
  dbFile?: string;
  /** Where the server's own log goes; inherit for `npm start`. */
  stdio?: 'inherit' | 'ignore' | 'pipe';
  extraArgs?: string[];
}

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the pinned `temporal server start-dev` and waits until it answers. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  if (!existsSync(TEMPORAL_CLI)) {
    throw new Error(`the Temporal CLI is missing at ${TEMPORAL_CLI}; run \`npm run bootstrap\``);
  }
  const args = [
    'server',
    'start-dev',
    '--ip',
    options.host,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    '--ui-disable-news-fetch',
    ...searchAttributeFlags(),
    ...(options.extraArgs ?? []),
  ];
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    // WAL with synchronous=normal: survives a crash of the server process (orders are not lost on
    // restart) without an fsync per workflow task, which cost seconds per order under load.
    args.push('--db-filename', options.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  const child = spawn(TEMPORAL_CLI, args, { stdio: options.stdio ?? 'ignore' });
  const address = `${options.host}:${options.port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    if (early !== 'waiting') throw new Error(`temporal dev server exited with code ${early} before it was ready (port ${options.port} in use?)`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      await connection.workflowService.describeNamespace({ namespace: options.namespace });
      await connection.close();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`temporal dev server did not become ready at ${address}: ${(error as Error).message}`);
      }
    }
  }
  return {
    address,
    uiUrl: `http://${options.host}:${options.uiPort}`,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
