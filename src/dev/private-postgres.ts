import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Debian's Postgres server binaries, newest version installed. */
export const PG_BIN = () => path.join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().pop()!, 'bin');

function asPostgres(cmd: string, args: string[]): void {
  execFileSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN(), cmd), ...args], { stdio: 'pipe' });
}

export interface PrivatePostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/<database>` */
  url(database: string): string;
  dir: string;
  start(): void;
  stop(): void;
  /** Stops it and deletes its files. */
  remove(): void;
}

function controls(data: string, dir: string, port: number, settings: Record<string, string>): Pick<PrivatePostgres, 'start' | 'stop'> {
  const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
  return {
    start: () => asPostgres('pg_ctl', ['-D', data, '-o', options, '-w', '-l', path.join(dir, 'pg.log'), 'start']),
    stop: () => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
  };
}

function privateCluster(dir: string, data: string, port: number, settings: Record<string, string>): PrivatePostgres {
  const cluster: PrivatePostgres = {
    dir,
    url: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    ...controls(data, dir, port, settings),
    remove() {
      try {
        cluster.stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}

const clusterDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyflow-pg-'));
  chmodSync(dir, 0o777);
  return dir;
};

/**
 * A streaming replica of `primaryPort`'s cluster (pg_basebackup, hot standby), on `port`: read-only,
 * replaying the primary's WAL as it comes. initdb's trust rules already let loopback replicate.
 */
export function createStreamingReplica(primaryPort: number, port: number, settings: Record<string, string> = {}): PrivatePostgres {
  const dir = clusterDir();
  const data = path.join(dir, 'pg');
  asPostgres('pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primaryPort),
    '-U',
    'postgres',
    '-D',
    data,
    '-R',
    '-X',
    'stream',
    '--checkpoint=fast',
    '--no-sync',
  ]);
  return privateCluster(dir, data, port, { hot_standby: 'on', ...settings });
}

/**
 * A Postgres cluster of its own (Debian's server binaries, run as the postgres user), never the
 * machine's shared server: for runs that stop it, or need server settings of their own.
 */
export function createPrivatePostgres(port: number, settings: Record<string, string> = {}): PrivatePostgres {
  const dir = clusterDir();
  const data = path.join(dir, 'pg');
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  return privateCluster(dir, data, port, settings);
}
