// Figures both benchmarks read the same way: percentiles, and CPU time from /proc.
import { readFileSync } from 'node:fs';

export interface Stats {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function stats(values: number[]): Stats {
  if (values.length === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const round = (n: number) => Math.round(n * 10) / 10;
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]) };
}

/** The mean of the figures (0 for none): rounds of one scenario are averaged with it. */
export function mean(values: number[] = []): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
}

export const TICK = 100; // USER_HZ: /proc reports CPU time in 1/100 s on Linux

/** The fields of /proc/<pid>/stat after the command name (utime is [11], stime [12], rss pages [21]). */
export function procStat(pid: number | 'self'): string[] {
  const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return raw.slice(raw.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds one process has used (to the tick). */
export function processCpuSeconds(pid: number | 'self'): number {
  const stat = procStat(pid);
  return (Number(stat[11]) + Number(stat[12])) / TICK;
}

/** Busy and total CPU seconds of the whole machine since boot, from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0) / TICK;
  const idle = (fields[3] + fields[4]) / TICK;
  return { busy: total - idle, total };
}
