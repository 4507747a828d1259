import type { Config } from '../config';
import type { Db } from '../db/client';
import { readChannelStats } from './health-stats';
import type { ChannelRouter, ChannelStatus } from './router';

/** The environment's starting weight of each instance: EPAY_<NAME>_WEIGHT for Epay, 1 for the rest. */
export function configuredWeights(config: Config): Map<string, number> {
  return new Map(config.epayInstances.map((e) => [e.name, e.weight]));
}

/** One instance as staff see it (GET /api/admin/channels); rates between 0 and 1, null without data. */
export interface ChannelReport extends Omit<ChannelStatus, 'health'> {
  successRate: number | null;
  callbackLatencyMs: { p50: number | null; p99: number | null };
  callbackLossRate: number | null;
  errorRate: number | null;
  stateSince: string | null;
  lastProbeAt: string | null;
  lastProbeOk: boolean | null;
}

/** State and score as the prober last stored them; the rates as of now. */
export async function channelReport(db: Db, router: ChannelRouter, now: Date): Promise<ChannelReport[]> {
  router.invalidate();
  const statuses = await router.statuses();
  const stats = await readChannelStats(
    db,
    statuses.map((s) => s.name),
    now,
  );
  return statuses.map((s) => {
    const live = stats.get(s.name)!;
    return {
      name: s.name,
      type: s.type,
      payTypes: s.payTypes,
      enabled: s.enabled,
      weight: s.weight,
      state: s.state,
      score: s.score,
      successRate: live.successRate,
      callbackLatencyMs: live.callbackLatencyMs,
      callbackLossRate: live.callbackLossRate,
      errorRate: live.errorRate,
      stateSince: s.health?.stateSince.toISOString() ?? null,
      lastProbeAt: s.health?.lastProbeAt?.toISOString() ?? null,
      lastProbeOk: s.health?.lastProbeOk ?? null,
    };
  });
}

export interface OverrideChange {
  /** null clears the override: the environment's value (enabled) applies again. */
  enabled?: boolean | null;
  weight?: number | null;
}

/** Stores staff's override of an instance and who made it, in one transaction with the audit row. */
export async function setChannelOverride(db: Db, name: string, change: OverrideChange, staff: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const existing = await tx.channelOverride.findUnique({ where: { name } });
    const enabled = change.enabled === undefined ? (existing?.enabled ?? null) : change.enabled;
    const weight = change.weight === undefined ? (existing?.weight ?? null) : change.weight;
    if (enabled === null && weight === null) await tx.channelOverride.deleteMany({ where: { name } });
    else
      await tx.channelOverride.upsert({
        where: { name },
        create: { name, enabled, weight, updatedBy: staff },
        update: { enabled, weight, updatedBy: staff, updatedAt: new Date() },
      });
    await tx.staffAudit.create({
      data: {
        staff,
        action: 'channel.override',
        target: name,
        detail: { before: { enabled: existing?.enabled ?? null, weight: existing?.weight ?? null }, after: { enabled, weight } },
      },
    });
  });
}
