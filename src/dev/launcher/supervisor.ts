import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export interface ChildSpec {
  name: string;
  /** A TypeScript entry point (run through tsx) or a built one (dist/…/main.js, run by Node itself). */
  entry: string;
  env?: NodeJS.ProcessEnv;
}

const RESTART_LIMIT = 5;
const RESTART_WINDOW_MS = 60_000;

/**
 * Runs the local stack's processes, prefixing their output with their name. A child that dies is
 * reported loudly and restarted (up to 5 times a minute); past that the supervisor gives up and
 * `onGiveUp` stops everything.
 */
export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly restarts = new Map<string, number[]>();
  private stopping = false;

  constructor(private readonly onGiveUp: (name: string) => void) {}

  start(spec: ChildSpec): void {
    // KEYFLOW_NODE_ARGS passes extra Node flags to every child (e.g. `--cpu-prof` for profiling).
    const extra = process.env.KEYFLOW_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const loader = spec.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const child = spawn(process.execPath, [...extra, ...loader, spec.entry], {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.set(spec.name, child);
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => console.log(`${spec.name.padEnd(8)}│ ${line}`));
    }
    child.once('exit', (code, signal) => {
      this.children.delete(spec.name);
      if (this.stopping) return;
      console.error(`\n✖ ${spec.name} exited unexpectedly (${signal ?? `code ${code}`}).`);
      const now = Date.now();
      const recent = (this.restarts.get(spec.name) ?? []).filter((t) => now - t < RESTART_WINDOW_MS);
      if (recent.length >= RESTART_LIMIT) {
        console.error(`✖ ${spec.name} crashed ${RESTART_LIMIT} times in a minute; stopping Keyflow. Fix the error above and run npm start again.`);
        this.onGiveUp(spec.name);
        return;
      }
      this.restarts.set(spec.name, [...recent, now]);
      console.error(`  restarting ${spec.name} in 1 s…\n`);
      setTimeout(() => this.stopping || this.start(spec), 1000);
    });
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
