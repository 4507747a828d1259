import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';

// A short `npm run chaos` so it cannot rot: a few orders through every fault, then the checks.
describe('npm run chaos (smoke)', () => {
  it('loses nothing and sells nothing twice while parts die', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(PROJECT_ROOT, 'scripts/chaos/chaos.ts'),
        '--orders',
        '20',
        '--rate',
        '4',
        '--smtp-down-seconds',
        '3',
        '--worker-kills',
        '1',
        '--net-fault-seconds',
        '3',
      ],
      {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        encoding: 'utf8',
        timeout: 420_000,
      },
    );
    const out = run.stdout + run.stderr;
    expect({ status: run.status, tail: out.slice(-2500) }).toEqual({ status: 0, tail: expect.stringContaining('✔ chaos: nothing lost, nothing sold twice') });
    expect(out).toContain('invariant violations: 0');
    expect(out).toContain('callbacks lost (paid at the gateway, unknown to the shop): 0');
    expect(out).toMatch(/SIGKILL worker #1 +\d+ +yes/);
    // Those 20 paid inside the window and were delivered after it.
    expect(out).toMatch(/restart Postgres as 20 buyers pay +(?:[2-9]\d|\d{3,}) +yes/);
    // The storm is real: buyers paid while the API was down, and those orders were delivered after.
    expect(out).toMatch(/restart the API during a callback storm +(?:[2-9]\d|\d{3,}) +yes/);
    expect(out).toMatch(/orders by state: DELIVERED (?:[4-9]\d|\d{3,})\b/);
    // Faults on the wire between the parts, each touching orders in flight.
    expect(out).toMatch(/worker ↔ Postgres: \+200 ms, 20% loss for 3 s +[1-9]\d* +yes/);
    expect(out).toMatch(/API ↔ Temporal partitioned for 3 s +[1-9]\d* +yes/);
    expect(out).toMatch(/Keyflow ↔ gateway partitioned for 3 s +[1-9]\d* +yes/);
  }, 450_000);
});
