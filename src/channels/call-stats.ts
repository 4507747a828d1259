import type { Db } from '../db/client';
import { ChannelRequestError, aroundChannelCalls, type ChannelRegistry, type PaymentChannel } from '../payments/channel';

/** Calls are counted in buckets of this size, so a fresh state can ignore what came before it. */
export const CALL_BUCKET_MS = 10_000;

/**
 * Counts this process's calls to each channel instance and adds them to Postgres now and then
 * (ChannelCallStat), where the health prober reads every process's calls together.
 */
export class ChannelCallStats {
  private pending = new Map<string, { name: string; bucket: Date; calls: number; failures: number }>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  record(name: string, ok: boolean): void {
    const bucket = new Date(Math.floor(this.clock().getTime() / CALL_BUCKET_MS) * CALL_BUCKET_MS);
    const key = `${name} ${bucket.getTime()}`;
    const entry = this.pending.get(key) ?? { name, bucket, calls: 0, failures: 0 };
    entry.calls += 1;
    if (!ok) entry.failures += 1;
    this.pending.set(key, entry);
  }

  /** Adds what was counted since the last flush; counts that could not be written are kept for the next. */
  async flush(db: Db): Promise<void> {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const [i, entry] of entries.entries()) {
      try {
        await db.$executeRaw`
          INSERT INTO "ChannelCallStat" ("name", "bucket", "calls", "failures")
          VALUES (${entry.name}, ${entry.bucket}, ${entry.calls}, ${entry.failures})
          ON CONFLICT ("name", "bucket") DO UPDATE
          SET "calls" = "ChannelCallStat"."calls" + EXCLUDED."calls", "failures" = "ChannelCallStat"."failures" + EXCLUDED."failures"`;
      } catch (error) {
        for (const unwritten of entries.slice(i)) this.merge(unwritten);
        throw error;
      }
    }
  }

  /** Flushes every `intervalMs` until stopped; a failed flush is retried with the next one. */
  start(db: Db, intervalMs: number, onError: (error: unknown) => void): void {
    this.timer = setInterval(() => void this.flush(db).catch(onError), intervalMs);
    this.timer.unref();
  }

  async stop(db: Db): Promise<void> {
    clearInterval(this.timer);
    await this.flush(db).catch(() => undefined);
  }

  private merge(entry: { name: string; bucket: Date; calls: number; failures: number }) {
    const key = `${entry.name} ${entry.bucket.getTime()}`;
    const existing = this.pending.get(key);
    if (existing) {
      existing.calls += entry.calls;
      existing.failures += entry.failures;
    } else this.pending.set(key, { ...entry });
  }
}

/**
 * A failure the channel is to blame for: it could not be reached, timed out, or answered with a
 * server error. A definite answer (a refusal, a bad request) is the channel working.
 */
export function isChannelFault(error: unknown): boolean {
  return !(error instanceof ChannelRequestError) || error.retryable;
}

/** The same channel, with every call counted. */
function counted(channel: PaymentChannel, stats: ChannelCallStats): PaymentChannel {
  return aroundChannelCalls(channel, async (_call, run) => {
    try {
      const result = await run();
      stats.record(channel.name, true);
      return result;
    } catch (error) {
      stats.record(channel.name, !isChannelFault(error));
      throw error;
    }
  });
}

export function countChannelCalls(channels: ChannelRegistry, stats: ChannelCallStats): ChannelRegistry {
  return new Map([...channels].map(([name, channel]) => [name, counted(channel, stats)]));
}
