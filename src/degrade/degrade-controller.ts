import type { Db } from '../db/client';
import type { Config } from '../config';
import type { Logger } from '../logging';
import { IntervalLoop } from '../interval-loop';
import { readLag } from '../admission/admission-controller';
import { DEGRADE_LEVELS, degradeRank, type DegradeLevel } from './degrade-levels';
import { readDegradeSwitch } from './degrade-switch';

type Thresholds = Config['degrade'];

export interface DegradeStep {
  level: DegradeLevel;
  calmSince: Date | null;
  /** Set when the level changes: why. */
  reason?: string;
}

/**
 * The tier-2 alert's condition with hysteresis: a delivery lag over DEGRADE_LEAN_AT (or
 * DEGRADE_ESSENTIAL_AT) raises the level at once; it comes down one level at a time, only after the
 * lag has stayed under half of that level's threshold for DEGRADE_CALM, so a lag hovering at a
 * threshold does not flap the switch.
 */
export function nextDegradeLevel(current: { level: DegradeLevel; calmSince: Date | null }, lagMs: number | null, now: Date, t: Thresholds): DegradeStep {
  const lag = lagMs ?? 0;
  const wanted: DegradeLevel = lag > t.essentialAtMs ? 'essential' : lag > t.leanAtMs ? 'lean' : 'normal';
  if (degradeRank(wanted) > degradeRank(current.level)) {
    const threshold = wanted === 'essential' ? t.essentialAtMs : t.leanAtMs;
    return { level: wanted, calmSince: null, reason: `delivery lag ${Math.round(lag / 1000)} s over ${threshold / 1000} s` };
  }
  if (current.level === 'normal') return { level: 'normal', calmSince: null };
  const calmBelow = (current.level === 'essential' ? t.essentialAtMs : t.leanAtMs) / 2;
  if (lag >= calmBelow) return { level: current.level, calmSince: null };
  const calmSince = current.calmSince ?? now;
  if (now.getTime() - calmSince.getTime() < t.calmMs) return { level: current.level, calmSince };
  const lower = DEGRADE_LEVELS[degradeRank(current.level) - 1];
  return { level: lower, calmSince: null, reason: `delivery lag under ${calmBelow / 1000} s for ${t.calmMs / 1000} s` };
}

/**
 * The auto mode, in every worker: each interval, measure the lag and move the shared switch. The
 * update lands only while the switch is still in auto mode at the level read, so a staff change made
 * meanwhile wins, and two workers stepping at once move it once.
 */
export class DegradeController {
  private readonly loop: IntervalLoop;

  constructor(private readonly deps: { db: Db; thresholds: Thresholds; clock: () => Date; logger: Logger; intervalMs: number }) {
    this.loop = new IntervalLoop(() => this.tick(), deps.intervalMs, deps.logger, 'degrade step');
  }

  async tick(): Promise<DegradeStep | 'manual'> {
    const { db, thresholds, clock, logger } = this.deps;
    const now = clock();
    const current = await readDegradeSwitch(db);
    if (current.mode === 'manual') return 'manual';
    const { lagMs } = await readLag(db, now);
    const step = nextDegradeLevel(current, lagMs, now, thresholds);
    const changed = step.level !== current.level;
    if (!changed && (step.calmSince?.getTime() ?? null) === (current.calmSince?.getTime() ?? null)) return step;
    await db.degradeSwitch.updateMany({
      where: { name: 'orders', mode: 'auto', level: current.level },
      data: { level: step.level, calmSince: step.calmSince, ...(changed ? { reason: step.reason, changedBy: 'auto', changedAt: now } : {}) },
    });
    if (changed) logger.warn({ from: current.level, to: step.level, lagMs, reason: step.reason }, 'degrade level changed');
    return step;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
