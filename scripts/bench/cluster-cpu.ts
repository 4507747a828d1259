// CPU of one Postgres cluster (a private one the bench made), apart from every other on the machine.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { procStat, TICK } from './measure';

/**
 * CPU seconds the cluster in `dir` has used: its postmaster, its live children (backends, WAL
 * sender or receiver, checkpointer) and, through the postmaster's cutime and cstime, those reaped.
 */
export function clusterCpuSeconds(dir: string): number {
  const postmaster = Number(readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const own = procStat(postmaster);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = procStat(Number(pid));
      // The field after the state is the parent's pid.
      if (Number(stat[1]) === postmaster) ticks += Number(stat[11]) + Number(stat[12]);
    } catch {
      // exited while we looked
    }
  }
  return ticks / TICK;
}
