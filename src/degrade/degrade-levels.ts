/**
 * The degrade switch's levels (the seed's 降级准备): each leaves out named optional work of new
 * orders, never a payment check, a key sale or a refund. An order runs at the level it was placed
 * at (its run input says which), so a run replays the same whatever the switch says later.
 */
export const DEGRADE_LEVELS = ['normal', 'lean', 'essential'] as const;
export type DegradeLevel = (typeof DEGRADE_LEVELS)[number];

export const isDegradeLevel = (value: unknown): value is DegradeLevel => DEGRADE_LEVELS.includes(value as DegradeLevel);

/** How far from normal a level is (0, 1, 2): the gauge's value and the order the auto mode steps in. */
export const degradeRank = (level: DegradeLevel): number => DEGRADE_LEVELS.indexOf(level);

/** What each level leaves out, as staff read it (GET /api/admin/degrade) and as the order run applies it. */
export const DEGRADE_EFFECTS: Record<DegradeLevel, readonly string[]> = {
  normal: [],
  lean: [
    'no low-stock notices to the operator (the stock gauge still shows it)',
    'no search-attribute writes for intermediate states (PAID before delivery, AWAITING_STOCK, REFUNDING); final states are still written',
    'timeline notes are kept for the status query but not written to the worker log',
    'unpaid orders ask their channel half as often (the last look at the deadline stays)',
  ],
  essential: [
    'everything lean leaves out',
    'unpaid orders ask their channel a quarter as often (the last look at the deadline stays)',
    'delivery emails are deferred: the buyer has the keys on the order page at once; the worker sends the emails once the level is lean or normal again',
  ],
};

/** Between two looks at the channel while unpaid, at this level (0 stays off). */
export function pollIntervalAt(level: DegradeLevel, baseMs: number): number {
  return baseMs * (level === 'essential' ? 4 : level === 'lean' ? 2 : 1);
}

export const sendsLowStockNotices = (level: DegradeLevel): boolean => level === 'normal';
export const writesIntermediateSearchAttributes = (level: DegradeLevel): boolean => level === 'normal';
export const logsTimelineNotes = (level: DegradeLevel): boolean => level === 'normal';
export const defersDeliveryEmail = (level: DegradeLevel): boolean => level === 'essential';
