import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';

// A short run of `npm run bench` so the benchmark cannot rot: both pipelines, the steady load and
// the race, tiny numbers. The figures themselves are measured by `npm run bench`, not here.
describe('npm run bench (smoke)', () => {
  it('runs both pipelines and writes the results file; the race sells exactly the keys there are', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'keyflow-bench-smoke-'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/bench/bench.ts'), '--rate', '5', '--duration', '3', '--scenario', 'steady', '--scenario', 'race', '--race-buyers', '40', '--race-keys', '10', '--warmup', '2', '--trace', '5', '--out', out], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect({ status: run.status, tail: run.stdout.slice(-1500) + run.stderr.slice(-1500) }).toEqual({ status: 0, tail: expect.stringContaining('ratios (sync-baseline / keyflow)') });
    expect(run.stdout).toMatch(/warm-up +keyflow .*not recorded/);
    expect(run.stdout).toMatch(/signal → task started +p50 [\d.]+ ms/);
    const result = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8'));
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(result.scenarios.map((s: { scenario: string; pipeline: string }) => `${s.scenario}/${s.pipeline}`)).toEqual(['steady/keyflow', 'steady/sync-baseline', 'race/keyflow', 'race/sync-baseline']);
    for (const row of result.scenarios) {
      expect(Object.keys(row.ackMs)).toEqual(['p50', 'p95', 'p99', 'max']);
      expect(Object.keys(row.deliveredMs)).toEqual(['p50', 'p95', 'p99', 'max']);
      expect(typeof row.ordersPerSec).toBe('number');
      expect(typeof row.errors).toBe('number');
    }
    const steady = result.scenarios.find((r: { scenario: string; pipeline: string }) => r.scenario === 'steady' && r.pipeline === 'keyflow');
    expect(steady.delivered).toBe(15);
    for (const race of result.scenarios.filter((r: { scenario: string }) => r.scenario === 'race')) expect(race.soldKeys).toBe(10);
    expect(existsSync(path.join(out, 'steady.png'))).toBe(true);
  }, 320_000);

  it('bench:steps delivers and emails every order and prints statements and CPU per step', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/bench/db-steps.ts'), '--orders', '20'], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: process.env.DATABASE_URL },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect({ status: run.status, out: run.stdout + run.stderr.slice(-1500) }).toEqual({ status: 0, out: expect.stringContaining('20 orders delivered and emailed') });
    const total = /^total\s+([\d.]+)\s+([\d.]+)/m.exec(run.stdout);
    expect(Number(total?.[1])).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/^sendBuyerEmail\s+[\d.]+/m);
  }, 150_000);
});
