import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';

// A short run of `npm run bench` so the benchmark cannot rot: both pipelines, the steady load and
// the race and the capacity steps, tiny numbers. The figures themselves are measured by `npm run bench`, not here.
/** `npm run bench` with these flags, writing its results to a fresh folder. */
function bench(args: string[], timeout: number) {
  const out = mkdtempSync(path.join(os.tmpdir(), 'keyflow-bench-smoke-'));
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/bench/bench.ts'), ...args, '--out', out], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: 'utf8',
    timeout,
  });
  return { run, out };
}

describe('npm run bench (smoke)', () => {
  it('runs both pipelines and writes the results file; the race sells exactly the keys there are', () => {
    const { run, out } = bench(
      [
        '--rate',
        '5',
        '--duration',
        '3',
        '--scenario',
        'steady',
        '--scenario',
        'race',
        '--race-buyers',
        '40',
        '--race-keys',
        '10',
        '--scenario',
        'capacity',
        '--capacity-from',
        '2',
        '--capacity-step',
        '3',
        '--capacity-seconds',
        '3',
        '--warmup',
        '2',
        '--trace',
        '5',
      ],
      300_000,
    );
    expect({ status: run.status, tail: run.stdout.slice(-1500) + run.stderr.slice(-1500) }).toEqual({
      status: 0,
      tail: expect.stringContaining('ratios (sync-baseline / keyflow)'),
    });
    expect(run.stdout).toMatch(/warm-up +keyflow .*not recorded/);
    expect(run.stdout).toMatch(/signal → task started +p50 [\d.]+ ms/);
    const result = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8'));
    expect(result.machine.cpus).toBeGreaterThan(0);
    const named = result.scenarios.map((s: { scenario: string; pipeline: string }) => `${s.scenario}/${s.pipeline}`);
    expect(named.filter((n: string) => !n.startsWith('capacity/'))).toEqual(['steady/keyflow', 'steady/sync-baseline', 'race/keyflow', 'race/sync-baseline']);
    for (const row of result.scenarios) {
      expect(Object.keys(row.ackMs)).toEqual(['p50', 'p95', 'p99', 'max']);
      expect(Object.keys(row.deliveredMs)).toEqual(['p50', 'p95', 'p99', 'max']);
      expect(typeof row.ordersPerSec).toBe('number');
      expect(typeof row.errors).toBe('number');
      expect(typeof row.refusedSoldOut).toBe('number');
    }
    const steady = result.scenarios.find((r: { scenario: string; pipeline: string }) => r.scenario === 'steady' && r.pipeline === 'keyflow');
    expect(steady.delivered).toBe(15);
    for (const race of result.scenarios.filter((r: { scenario: string }) => r.scenario === 'race')) expect(race.soldKeys).toBe(10);
    // The baseline's 30 buyers without a key are its callbacks answered with an error, named as such.
    const baselineRace = result.scenarios.find((r: { scenario: string; pipeline: string }) => r.scenario === 'race' && r.pipeline === 'sync-baseline');
    expect(baselineRace.errorKinds).toEqual({ 'first callback not acknowledged': 30 });
    // Keyflow's 30 buyers without a key are refused before they pay (the first 10 orders hold every key), and nobody is refunded.
    const keyflowRace = result.scenarios.find((r: { scenario: string; pipeline: string }) => r.scenario === 'race' && r.pipeline === 'keyflow');
    expect([keyflowRace.refusedHeld + keyflowRace.refusedSoldOut, keyflowRace.refunded, keyflowRace.errors]).toEqual([30, 0, 0]);
    expect(existsSync(path.join(out, 'steady.png'))).toBe(true);

    // Capacity: steps of 2 then 5 orders/s; a step counts only if it met the targets, and the
    // search stops at the first step that did not.
    for (const pipeline of ['keyflow', 'sync-baseline']) {
      const steps = result.scenarios.filter((r: { scenario: string; pipeline: string }) => r.scenario === 'capacity' && r.pipeline === pipeline);
      expect(steps.length).toBeGreaterThanOrEqual(1);
      expect(steps.map((r: { targetRate: number }) => r.targetRate)).toEqual([2, 5].slice(0, steps.length));
      for (const step of steps) {
        const met =
          step.errors === 0 &&
          step.delivered === step.orders &&
          step.ackMs.p99 <= result.targets.ackP99Ms &&
          step.deliveredMs.p99 <= result.targets.deliveredP99Ms;
        expect(step.meetsTargets).toBe(met);
      }
      expect(steps.slice(0, -1).every((r: { meetsTargets: boolean }) => r.meetsTargets)).toBe(true);
      const passed = steps.filter((r: { meetsTargets: boolean }) => r.meetsTargets).map((r: { targetRate: number }) => r.targetRate);
      expect(result.capacityOrdersPerSec[pipeline]).toBe(passed.length ? passed[passed.length - 1] : null);
    }
    expect(run.stdout).toMatch(/capacity: the highest steady rate/);
    expect(existsSync(path.join(out, 'capacity.png'))).toBe(true);
  }, 320_000);

  it('runs the channel outage and the flash sale (with admission and without) and reports their figures', () => {
    const { run, out } = bench(
      [
        ...['--scenario', 'flash-sale', '--scenario', 'channel-outage', '--warmup', '0', '--no-chart'],
        ...['--outage-rate', '4', '--outage-seconds', '30', '--outage-at', '6', '--outage-down', '14'],
        ...['--flash-buyers', '200', '--flash-keys', '20', '--flash-base-rate', '4', '--flash-peak-seconds', '4'],
      ],
      400_000,
    );
    expect({ status: run.status, tail: run.stdout.slice(-1500) + run.stderr.slice(-1500) }).toEqual({ status: 0, tail: expect.stringContaining('results:') });
    const result = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8'));
    const row = (scenario: string, pipeline = 'keyflow') =>
      result.scenarios.find((r: { scenario: string; pipeline: string }) => r.scenario === scenario && r.pipeline === pipeline);
    // The flash sale runs last, on a Keyflow restarted for each setting.
    expect(result.scenarios.map((r: { scenario: string; pipeline: string }) => `${r.scenario}/${r.pipeline}`)).toEqual([
      'channel-outage/keyflow',
      'channel-outage/sync-baseline',
      'flash-sale/keyflow',
      'flash-sale-admission-off/keyflow',
    ]);
    for (const scenario of ['flash-sale', 'flash-sale-admission-off']) {
      expect(row(scenario).flash).toMatchObject({ buyers: 200, soldKeys: 20, refunded: 0, serverErrors: 0, unsettled: 0 });
      expect(Object.keys(row(scenario).flash.waitedMs)).toEqual(['p50', 'p95', 'p99', 'max']);
    }
    // The baseline's orders all go to the gateway that went down; Keyflow's, from 10 s after the fault, to the other.
    expect(row('channel-outage', 'sync-baseline').outage.shareToDown).toBe(1);
    expect(row('channel-outage').outage.ordersInWindow).toBeGreaterThan(5);
    expect(row('channel-outage').outage.shareToDown).toBeLessThanOrEqual(0.05);
    expect(row('channel-outage').outage.paidBeforeFault).toBe(row('channel-outage').outage.deliveredOfThose);
    expect(run.stdout).toMatch(/200 buyers for 20 keys: \d+ orders taken/);
  }, 420_000);

  it('bench:steps places orders both ways, delivers and emails every order on both paths (payment with the keys, and paid first), and prints statements and CPU per step', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/bench/db-steps.ts'), '--orders', '20'], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: process.env.DATABASE_URL },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect({ status: run.status, out: run.stdout + run.stderr.slice(-1500) }).toEqual({
      status: 0,
      out: expect.stringContaining('20 orders placed both ways, delivered and emailed on each path'),
    });
    // The held placement is the lock and the guarded insert, with BEGIN and COMMIT around them.
    const placed = Object.fromEntries([...run.stdout.matchAll(/^\s+(insertOrder\w*)\s+([\d.]+)/gm)].map((m) => [m[1], Number(m[2])]));
    expect(placed).toEqual({ insertOrder: 1, insertOrderWithinStock: 4 });
    const totals = [...run.stdout.matchAll(/^\s+total\s+([\d.]+)\s+([\d.]+)/gm)].map((m) => Number(m[1]));
    expect(totals).toHaveLength(2);
    // Recording the payment inside the delivery's transaction costs no statement more than recording it first.
    const [oneStep, paidFirst] = totals;
    expect(oneStep).toBeGreaterThan(0);
    expect(oneStep).toBeLessThanOrEqual(paidFirst);
    // The common paid order takes the one-statement path (its fallback would give the same rows, in nine).
    expect(run.stdout).toMatch(/^one step:\n.*\n\s+deliverPayment\s+1\.0\s/m);
    expect(run.stdout).toMatch(/^\s+sendBuyerEmail\s+[\d.]+/m);
  }, 150_000);

  it('bench:floor runs both workflow shapes step by step and writes floor.json', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'keyflow-floor-smoke-'));
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/bench/floor.ts'), '--rates', '4,8', '--seconds', '2', '--warmup', '0', '--out', out],
      {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        encoding: 'utf8',
        timeout: 240_000,
      },
    );
    expect({ status: run.status, out: run.stdout.slice(-1500) + run.stderr.slice(-1500) }).toEqual({ status: 0, out: expect.stringContaining('wrote ') });
    const result = JSON.parse(readFileSync(path.join(out, 'floor.json'), 'utf8'));
    for (const shape of ['minimal', 'keyflow-shaped']) {
      const steps = result.steps.filter((s: { shape: string }) => s.shape === shape);
      // Every workflow the load generator started was signalled and completed, at 4/s and, unless
      // 4/s already missed the target (a shape stops there; a loaded CI machine can), at 8/s.
      expect(steps.map((s: { rate: number; workflows: number; errors: number }) => [s.rate, s.workflows, s.errors])).toEqual([
        [4, 8, 0],
        ...(steps[0]?.meetsTarget ? [[8, 16, 0]] : []),
      ]);
      for (const step of steps) {
        expect(step.meetsTarget).toBe(step.signalToDoneMs.p99 <= 1000);
        expect(step.cpuMsPerWorkflow.temporal).toBeGreaterThan(0);
      }
      expect(result.ceiling[shape]).toBe(steps.every((s: { meetsTarget: boolean }) => s.meetsTarget) ? 8 : steps[0].meetsTarget ? 4 : null);
    }
  }, 260_000);
});
