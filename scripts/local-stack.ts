// Boots what `npm start` boots, on free ports with a fresh database, for scripts that need a whole
// running Keyflow (bench, fuzz). Returns its URLs, its environment and a stop function.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase } from '../src/db/database';
import { PROJECT_ROOT } from '../src/paths';
import { freePort, freePortPair } from '../src/dev/launcher/free-port';

export { freePort, freePortPair };

export const runTs = (entry: string, env: NodeJS.ProcessEnv): ChildProcess =>
  spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, entry)], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });

export async function waitForText(child: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${text}":\n${seen.slice(-3000)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      seen += d;
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before "${text}":\n${seen.slice(-3000)}`)));
  });
}

export interface LocalStack {
  env: NodeJS.ProcessEnv;
  ports: Record<string, number>;
  api: string;
  sandbox: string;
  databaseUrl: string;
  adminToken: string;
  /** What the launcher and its processes printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** keepDatabase: stop() leaves the database (one the caller made, to use again). */
export async function startLocalStack(extraEnv: Record<string, string> = {}, options: { keepDatabase?: boolean } = {}): Promise<LocalStack> {
  const names = ['api', 'apiMetrics', 'callback', 'callbackMetrics', 'smtp', 'temporal', 'ui', 'codec', 'wm', 'sdk', 'baseline'];
  const ports: Record<string, number> = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()])));
  // The two local Epay gateways listen on SANDBOX_PORT and the port after it.
  ports.sandbox = await freePortPair();
  const databaseUrl = extraEnv.DATABASE_URL ?? `postgresql://postgres@127.0.0.1:5432/keyflow_script_${Date.now()}`;
  const adminToken = `script-admin-${randomBytes(8).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    PORT: String(ports.api),
    API_METRICS_PORT: String(ports.apiMetrics),
    CALLBACK_PORT: String(ports.callback),
    CALLBACK_METRICS_PORT: String(ports.callbackMetrics),
    SANDBOX_PORT: String(ports.sandbox),
    SMTP_URL: `smtp://127.0.0.1:${ports.smtp}`,
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    TEMPORAL_UI_PORT: String(ports.ui),
    CODEC_PORT: String(ports.codec),
    WORKER_METRICS_PORT: String(ports.wm),
    TEMPORAL_SDK_METRICS_PORT: String(ports.sdk),
    BASELINE_PORT: String(ports.baseline),
    KEYFLOW_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'keyflow-script-')),
    ADMIN_TOKEN: adminToken,
    CARD_KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    PAYLOAD_ENCRYPTION_KEYS: `script=${randomBytes(32).toString('hex')}`,
    EPAY_PID: '7777',
    EPAY_KEY: `script-epay-${randomBytes(8).toString('hex')}`,
    ...(process.env.KEYFLOW_NODE_ARGS ? { KEYFLOW_NODE_ARGS: process.env.KEYFLOW_NODE_ARGS } : {}),
    ...extraEnv,
  };
  const launcher = runTs('src/dev/launcher/launcher.ts', env);
  let output = '';
  launcher.stdout!.on('data', (d) => (output += d));
  launcher.stderr!.on('data', (d) => (output += d));
  await waitForText(launcher, 'Keyflow is running', 180_000);
  return {
    env,
    ports,
    api: `http://127.0.0.1:${ports.api}`,
    sandbox: `http://127.0.0.1:${ports.sandbox}`,
    databaseUrl,
    adminToken,
    output: () => output,
    async stop() {
      launcher.kill('SIGINT');
      await new Promise((resolve) => launcher.once('exit', resolve));
      if (!options.keepDatabase) await dropDatabase(databaseUrl).catch(() => undefined);
    },
  };
}
