import type { Db } from '../db/client';
import type { ChannelRegistry, PaymentChannel } from '../payments/channel';
import type { Logger } from '../logging';
import { IntervalLoop } from '../interval-loop';
import { errorMessage, firstLine } from '../error-text';
import { healthScore, nextHealth, type HealthRecord, type HealthState } from './health-model';
import { callCounts, paymentCounts, readChannelStats } from './health-stats';
import { readHealthRows, type SqlClient } from './health-rows';

/** An order number no shop ever issues: asking a channel about it is a signed query with no side effects. */
export const PROBE_ORDER_NO = 'KFPROBE0000000000000';
/** Fresh evidence reaches back at most this far, however long a state has lasted. */
const FRESH_WINDOW_MS = 2 * 60_000;
/** Any number will do, as long as nothing else in Keyflow takes this advisory lock. */
const PROBER_LOCK = 0x6b66_6368; // 'kfch'

export interface ChannelStateChange {
  name: string;
  from: HealthState;
  to: HealthState;
  reason: string;
  at: Date;
}

export interface ProberDeps {
  db: Db;
  /** The instances as configured, uncounted: probes are not traffic. */
  channels: ChannelRegistry;
  clock: () => Date;
  intervalMs: number;
  logger: Logger;
  /** Told of every state change once it is stored (the operator webhook). */
  onChange(change: ChannelStateChange): Promise<void>;
}

/**
 * Every interval, one process of all that run it (a Postgres advisory lock decides) asks each
 * instance a signed query, reads what the orders, notifications and call counts say, and stores
 * each instance's score and state in ChannelHealth, where every API process routes from.
 */
export class ChannelProber {
  private readonly loop: IntervalLoop;

  constructor(private readonly deps: ProberDeps) {
    this.loop = new IntervalLoop(() => this.tick(), deps.intervalMs, deps.logger, 'channel probe round');
  }

  /** One round; 'skipped' when another process holds the round or probed moments ago. */
  async tick(): Promise<'probed' | 'skipped'> {
    const { db, clock, intervalMs } = this.deps;
    const changes: ChannelStateChange[] = [];
    const outcome = await db.$transaction(
      async (tx) => {
        const [{ locked }] = await tx.$queryRaw<Array<{ locked: boolean }>>`SELECT pg_try_advisory_xact_lock(${PROBER_LOCK}) AS "locked"`;
        if (!locked) return 'skipped' as const;
        const [{ last }] = await tx.$queryRaw<Array<{ last: Date | null }>>`SELECT max("lastProbeAt") AS "last" FROM "ChannelHealth"`;
        if (last && clock().getTime() - last.getTime() < intervalMs / 2) return 'skipped' as const;
        changes.push(...(await this.round(tx)));
        return 'probed' as const;
      },
      { maxWait: 5_000, timeout: this.probeTimeoutMs() + 30_000 },
    );
    for (const change of changes) {
      this.deps.logger.warn({ channel: change.name, from: change.from, to: change.to, reason: change.reason }, 'payment channel state changed');
      await this.deps
        .onChange(change)
        .catch((error: unknown) =>
          this.deps.logger.error({ channel: change.name, err: firstLine(errorMessage(error), 300) }, 'could not tell the operator of a channel state change'),
        );
    }
    return outcome;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** A probe that takes longer than this failed: a gateway that hangs is as good as down. */
  private probeTimeoutMs(): number {
    return Math.min(5_000, Math.max(1_000, this.deps.intervalMs));
  }

  private async probe(channel: PaymentChannel): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('probe timed out')), this.probeTimeoutMs());
    });
    try {
      await Promise.race([channel.queryTrade(PROBE_ORDER_NO), timeout]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private async round(tx: SqlClient): Promise<ChannelStateChange[]> {
    const { db, channels, clock } = this.deps;
    const names = [...channels.keys()];
    const probes = new Map(await Promise.all([...channels].map(async ([name, channel]) => [name, await this.probe(channel)] as const)));
    const now = clock();
    const rows = await readHealthRows(tx, names);
    const stats = await readChannelStats(db, names, now);
    const changes: ChannelStateChange[] = [];
    for (const name of names) {
      const row = rows.get(name);
      const record: HealthRecord = row ?? { state: 'healthy', stateSince: now, probeFailures: 0, probeSuccesses: 0 };
      const freshSince = new Date(Math.max(record.stateSince.getTime(), now.getTime() - FRESH_WINDOW_MS));
      const [calls, payments] = await Promise.all([callCounts(db, [name], freshSince), paymentCounts(db, [name], freshSince, now)]);
      const step = nextHealth(
        record,
        {
          probeOk: probes.get(name)!,
          calls: calls.get(name)?.calls ?? 0,
          failedCalls: calls.get(name)?.failures ?? 0,
          payments: payments.get(name)?.payments ?? 0,
          lostCallbacks: payments.get(name)?.lost ?? 0,
        },
        now,
      );
      const channelStats = stats.get(name)!;
      const score = healthScore(channelStats, probes.get(name)!);
      await tx.$executeRaw`
        INSERT INTO "ChannelHealth" ("name", "state", "score", "stats", "stateSince", "lastProbeAt", "lastProbeOk", "probeFailures", "probeSuccesses", "updatedAt")
        VALUES (${name}, ${step.record.state}, ${score}, ${JSON.stringify(channelStats)}::jsonb, ${step.record.stateSince}, ${now}, ${probes.get(name)!},
                ${step.record.probeFailures}, ${step.record.probeSuccesses}, ${now})
        ON CONFLICT ("name") DO UPDATE SET
          "state" = EXCLUDED."state", "score" = EXCLUDED."score", "stats" = EXCLUDED."stats", "stateSince" = EXCLUDED."stateSince",
          "lastProbeAt" = EXCLUDED."lastProbeAt", "lastProbeOk" = EXCLUDED."lastProbeOk", "probeFailures" = EXCLUDED."probeFailures",
          "probeSuccesses" = EXCLUDED."probeSuccesses", "updatedAt" = EXCLUDED."updatedAt"`;
      if (step.change) changes.push({ name, ...step.change, at: now });
    }
    // Call counts older than a day tell nothing any more.
    await tx.$executeRaw`DELETE FROM "ChannelCallStat" WHERE "bucket" < ${new Date(now.getTime() - 24 * 3600_000)}`;
    return changes;
  }
}
