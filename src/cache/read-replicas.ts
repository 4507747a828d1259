import type { Db } from '../db/client';
import type { Logger } from '../logging';
import type { ChangeListener } from './change-feed';
import { IntervalLoop } from '../interval-loop';
import { metrics } from '../observability/metrics';
import { errorMessage, firstLine } from '../error-text';

export interface Replica {
  /** host:port/database, for logs and the lag gauge. */
  name: string;
  db: Db;
}

export interface ReadRouterOptions {
  /** A replica further behind than this serves nothing. */
  maxLagMs: number;
  checkEveryMs: number;
  /** When the change feed began hearing every change (null while down): older changes are unknown. */
  hearingSince: () => number | null;
  logger: Logger;
  clock?: () => number;
}

interface ReplicaState extends Replica {
  /** Every change committed before this moment (this process's clock) is on the replica; null: unusable. */
  freshAsOf: number | null;
  checks: number;
}

/** A WAL position "16/B374D848" as one number. */
function lsnValue(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/**
 * Sends reads that may be a moment old to streaming replicas, and everything else to the primary.
 * Freshness is measured, not assumed: each check notes the primary's WAL position at a moment, and a
 * replica that has replayed past it holds every change committed before that moment. An order's read
 * goes to a replica only when that moment is after the order's last change this process heard of
 * (the change feed), so a buyer never sees their order go back in time; a list goes when the replica
 * is within `maxLagMs`. A replica that is down, lagging or failing a read sends reads to the primary.
 */
export class ReadRouter implements ChangeListener {
  private readonly replicas: ReplicaState[];
  /** Orders changed within maxLagMs, oldest first, with when this process heard of it. */
  private readonly changed = new Map<string, number>();
  /** The primary's WAL position at moments of this process's clock, oldest first. */
  private samples: Array<{ at: number; lsn: bigint }> = [];
  private readonly loop: IntervalLoop;
  private readonly clock: () => number;
  private turn = 0;

  constructor(
    private readonly primary: Db,
    replicas: Replica[],
    private readonly options: ReadRouterOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.replicas = replicas.map((r) => ({ ...r, freshAsOf: null, checks: 0 }));
    this.loop = new IntervalLoop(() => this.check(), options.checkEveryMs, options.logger, 'replica lag check');
  }

  get hasReplicas(): boolean {
    return this.replicas.length > 0;
  }

  /** Measures once (so the first reads may already use replicas), then keeps measuring. */
  async start(): Promise<void> {
    if (!this.hasReplicas) return;
    await this.check().catch(() => undefined);
    for (const r of this.replicas) {
      if (r.freshAsOf === null) this.options.logger.warn({ replica: r.name }, 'read replica not usable at start-up; its reads go to the primary until it is');
    }
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  orderChanged(orderNo: string): void {
    this.changed.delete(orderNo);
    this.changed.set(orderNo, this.clock());
  }

  catalogueChanged(): void {}

  reset(): void {
    this.changed.clear();
  }

  /** `read` on a replica holding every change of this order this process knows of, else on the primary. */
  forOrder<T>(orderNo: string, read: (db: Db) => Promise<T>): Promise<T> {
    const since = this.options.hearingSince();
    const changedAt = this.changed.get(orderNo) ?? 0;
    return this.route(read, (freshAsOf) => since !== null && freshAsOf > since && freshAsOf > changedAt);
  }

  /** `read` (a list, a search, the catalogue: fine a moment old) on a replica within maxLagMs, else on the primary. */
  forLists<T>(read: (db: Db) => Promise<T>): Promise<T> {
    return this.route(read, () => true);
  }

  private async route<T>(read: (db: Db) => Promise<T>, freshEnough: (freshAsOf: number) => boolean): Promise<T> {
    if (!this.hasReplicas) return read(this.primary);
    const oldest = this.clock() - this.options.maxLagMs;
    const usable = this.replicas.filter((r) => r.freshAsOf !== null && r.freshAsOf > oldest);
    const fresh = usable.filter((r) => freshEnough(r.freshAsOf!));
    if (fresh.length === 0) {
      metrics.readRoute.inc({ target: usable.length > 0 ? 'primary-lagging' : 'primary-none' });
      return read(this.primary);
    }
    const replica = fresh[this.turn++ % fresh.length];
    try {
      const result = await read(replica.db);
      metrics.readRoute.inc({ target: 'replica' });
      return result;
    } catch (error) {
      // Unusable until a check says otherwise; this read still gets its answer.
      replica.freshAsOf = null;
      this.options.logger.warn({ replica: replica.name, err: firstLine(errorMessage(error), 300) }, 'read replica failed a read; using the primary');
      metrics.readRoute.inc({ target: 'primary-failed' });
      return read(this.primary);
    }
  }

  private async check(): Promise<void> {
    const at = this.clock();
    const [{ lsn }] = await this.primary.$queryRaw<Array<{ lsn: string }>>`SELECT pg_current_wal_lsn()::text AS lsn`;
    this.samples.push({ at, lsn: lsnValue(lsn) });
    await Promise.all(this.replicas.map((r) => this.checkReplica(r)));
    const oldest = this.clock() - this.options.maxLagMs;
    // Samples and changes older than the lag bound can no longer decide anything.
    const keepFrom = this.samples.findIndex((s) => s.at >= oldest);
    this.samples = keepFrom < 0 ? this.samples.slice(-1) : this.samples.slice(Math.max(0, keepFrom - 1));
    for (const [orderNo, heardAt] of this.changed) {
      if (heardAt >= oldest) break;
      this.changed.delete(orderNo);
    }
  }

  private async checkReplica(replica: ReplicaState): Promise<void> {
    try {
      const [{ lsn }] = await replica.db.$queryRaw<Array<{ lsn: string | null }>>`SELECT pg_last_wal_replay_lsn()::text AS lsn`;
      if (lsn === null) throw new Error('not a streaming replica (pg_last_wal_replay_lsn() is null): check DATABASE_REPLICA_URLS');
      const replayed = lsnValue(lsn);
      const caughtUp = this.samples.filter((s) => s.lsn <= replayed).pop();
      if (caughtUp) replica.freshAsOf = Math.max(replica.freshAsOf ?? 0, caughtUp.at);
      if (replica.freshAsOf !== null) metrics.replicaLagSeconds.set({ replica: replica.name }, Math.max(0, this.clock() - replica.freshAsOf) / 1000);
    } catch (error) {
      if (replica.freshAsOf !== null || replica.checks === 0) {
        this.options.logger.warn({ replica: replica.name, err: firstLine(errorMessage(error), 300) }, 'read replica check failed; its reads go to the primary');
      }
      replica.freshAsOf = null;
      metrics.replicaLagSeconds.remove({ replica: replica.name });
    } finally {
      replica.checks++;
    }
  }
}
