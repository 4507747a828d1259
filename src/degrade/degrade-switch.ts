import type { Db } from '../db/client';
import type { Prisma } from '../generated/prisma/client';
import { DEGRADE_EFFECTS, isDegradeLevel, type DegradeLevel } from './degrade-levels';

export type DegradeMode = 'auto' | 'manual';

export interface DegradeState {
  name: string;
  level: DegradeLevel;
  mode: DegradeMode;
  reason: string | null;
  changedBy: string;
  changedAt: Date;
  calmSince: Date | null;
}

export async function readDegradeSwitch(db: Prisma.TransactionClient): Promise<DegradeState> {
  const row = await db.degradeSwitch.findUnique({ where: { name: 'orders' } });
  if (!row) throw new Error('the DegradeSwitch row is missing: run the migrations (npm run db:migrate)');
  // The table's CHECK constraints hold these to the known values.
  return { ...row, level: isDegradeLevel(row.level) ? row.level : 'normal', mode: row.mode === 'manual' ? 'manual' : 'auto' };
}

/** What staff see: the level in force, who set it and why, and what each level leaves out. */
export async function degradeStatus(db: Prisma.TransactionClient, thresholds: { leanAtMs: number; essentialAtMs: number; calmMs: number }) {
  const { calmSince: _calm, name: _name, ...state } = await readDegradeSwitch(db);
  return { ...state, leavesOut: DEGRADE_EFFECTS[state.level], levels: DEGRADE_EFFECTS, auto: thresholds };
}

/**
 * Staff set the switch: `manual` with a level holds it there until changed; `auto` hands it back to
 * the worker (which starts from the level given, or the current one). One transaction with the audit row.
 */
export interface DegradeChange {
  mode: DegradeMode;
  level?: DegradeLevel;
  reason?: string;
}

async function setDegradeSwitch(db: Db, change: DegradeChange, staff: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const before = await readDegradeSwitch(tx);
    const level = change.level ?? before.level;
    await tx.degradeSwitch.update({
      where: { name: 'orders' },
      data: { level, mode: change.mode, reason: change.reason ?? `set by ${staff}`, changedBy: staff, changedAt: new Date(), calmSince: null },
    });
    await tx.staffAudit.create({
      data: {
        staff,
        action: 'degrade.set',
        target: 'orders',
        detail: { before: { level: before.level, mode: before.mode }, after: { level, mode: change.mode } },
      },
    });
  });
}

/**
 * The level new orders are placed at, read at most once per `ttlMs` per process: placing an order
 * must not cost a database round trip more. When the database cannot be read the last level known
 * stays (normal before any): the switch only ever leaves out optional work, so no order waits on it.
 */
export class DegradeLevelCache {
  private known: { level: DegradeLevel; at: number } | undefined;
  private reading?: Promise<DegradeLevel>;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 1000,
  ) {}

  async level(): Promise<DegradeLevel> {
    if (this.known && Date.now() - this.known.at < this.ttlMs) return this.known.level;
    this.reading ??= readDegradeSwitch(this.db)
      .then(({ level }) => {
        this.known = { level, at: Date.now() };
        return level;
      })
      .catch(() => this.known?.level ?? 'normal')
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** Staff set the switch (the admin API, the console): this process's next order sees the new level at once. */
  async set(change: DegradeChange, staff: string): Promise<void> {
    await setDegradeSwitch(this.db, change, staff);
    this.known = undefined;
  }
}
