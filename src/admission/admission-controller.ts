import type { Db } from '../db/client';
import { Prisma } from '../generated/prisma/client';
import { ORDER_STATUSES } from '../domain/order-status';
import type { Config } from '../config';
import type { Logger } from '../logging';
import { IntervalLoop } from '../interval-loop';

/** How the auto rate moves: down by a factor when deliveries lag, up by a step while they keep up and the rate is used. */
export const RATE_RULES = { minPerSec: 1, maxPerSec: 1000, decrease: 0.7, increasePerSec: 2, busyShare: 0.8 };
/** Recent means this long: deliveries and orders placed since then. */
const WINDOW_MS = 10_000;
/** Every state but FAILED, spelled out so the count reads the (status, createdAt) index instead of every order. */
const PLACED_STATUSES = ORDER_STATUSES.filter((s) => s !== 'FAILED');

export interface LagReading {
  /** p95 of paid→delivered over recent deliveries, or the age of the oldest payment not yet delivered, whichever is worse; null with neither. */
  lagMs: number | null;
  /** New orders a second, recently. */
  placedPerSec: number;
}

/**
 * Additive increase, multiplicative decrease: a lag over the target cuts the rate at once; a lag
 * under half of it raises the rate a step, but only while buyers use most of it (an idle shop's
 * rate stays where it was last proven).
 */
export function nextRate(rate: number, reading: LagReading, targetLagMs: number): number {
  if (reading.lagMs === null) return rate;
  if (reading.lagMs > targetLagMs) return Math.max(RATE_RULES.minPerSec, rate * RATE_RULES.decrease);
  if (reading.lagMs < targetLagMs / 2 && reading.placedPerSec >= rate * RATE_RULES.busyShare) {
    return Math.min(RATE_RULES.maxPerSec, rate + RATE_RULES.increasePerSec);
  }
  return rate;
}

export async function readLag(db: Db, now: Date): Promise<LagReading> {
  const since = new Date(now.getTime() - WINDOW_MS);
  const [row] = await db.$queryRaw<Array<{ p95: number | null; oldest: number | null; placed: number }>>`
    SELECT
      (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM "deliveredAt" - "paidAt") * 1000)
         FROM "Order" WHERE "status" = 'DELIVERED' AND "createdAt" > ${new Date(now.getTime() - 3_600_000)} AND "deliveredAt" > ${since} AND "paidAt" IS NOT NULL)::float8 AS "p95",
      (SELECT extract(epoch FROM ${now}::timestamp - min("paidAt")) * 1000
         FROM "Order" WHERE "status" IN ('AWAITING_PAYMENT', 'PAID') AND "paidAt" IS NOT NULL)::float8 AS "oldest",
      (SELECT count(*)::int FROM "Order" WHERE "status" IN (${Prisma.join(PLACED_STATUSES.map((status) => Prisma.sql`${status}::"OrderStatus"`))}) AND "createdAt" > ${since}) AS "placed"`;
  const lags = [row.p95, row.oldest].filter((v): v is number => v !== null);
  return { lagMs: lags.length ? Math.round(Math.max(...lags)) : null, placedPerSec: row.placed / (WINDOW_MS / 1000) };
}

/**
 * ADMISSION=auto: every interval, one worker's step (the update lands only if no other worker
 * stepped within half an interval) moves the shared rate by the measured lag.
 */
export class AdmissionController {
  private readonly loop: IntervalLoop;

  constructor(private readonly deps: { db: Db; config: Config['admission']; clock: () => Date; logger: Logger; intervalMs: number }) {
    this.loop = new IntervalLoop(() => this.tick(), deps.intervalMs, deps.logger, 'admission step');
  }

  async tick(): Promise<{ ratePerSec: number; lagMs: number | null } | 'skipped'> {
    const { db, config, clock, intervalMs } = this.deps;
    const now = clock();
    const reading = await readLag(db, now);
    const [row] = await db.$queryRaw<Array<{ ratePerSec: number }>>`SELECT "ratePerSec" FROM "Admission" WHERE "name" = 'orders'`;
    const rate = nextRate(row.ratePerSec, reading, config.targetLagMs);
    const updated = await db.$executeRaw`
      UPDATE "Admission" SET "ratePerSec" = ${rate}, "lagMs" = ${reading.lagMs}, "updatedAt" = ${now}
      WHERE "name" = 'orders' AND "updatedAt" < ${new Date(now.getTime() - intervalMs / 2)}`;
    if (updated === 0) return 'skipped';
    if (rate !== row.ratePerSec) this.deps.logger.info({ from: row.ratePerSec, to: rate, lagMs: reading.lagMs }, 'admission rate changed');
    return { ratePerSec: rate, lagMs: reading.lagMs };
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
