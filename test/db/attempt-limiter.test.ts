import { createDb, type Db } from '../../src/db/client';
import { AttemptLimiter } from '../../src/web/attempt-limiter';

describe('guess limits shared through Postgres', () => {
  let db: Db;
  let other: Db;
  const WINDOW_MS = 60_000;
  beforeAll(() => {
    db = createDb(process.env.DATABASE_URL!, { max: 6 });
    // A second pool stands for a second API process.
    other = createDb(process.env.DATABASE_URL!, { max: 6 });
  });
  afterAll(async () => {
    await db.$disconnect();
    await other.$disconnect();
  });

  it('two processes share one allowance per address, even when the guesses arrive together', async () => {
    const here = new AttemptLimiter(db, 'test-shared', 5, WINDOW_MS);
    const there = new AttemptLimiter(other, 'test-shared', 5, WINDOW_MS);
    const now = new Date('2026-12-01T10:00:00Z');
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? here : there).take('198.51.100.7', now)));
    expect(answers.filter((wait) => wait === undefined)).toHaveLength(5);
    expect(answers.filter((wait) => wait === 60)).toHaveLength(7);
    // Another address, and the same address guessing another kind of secret, have their own allowance.
    expect(await here.take('198.51.100.8', now)).toBeUndefined();
    expect(await new AttemptLimiter(other, 'test-other-scope', 5, WINDOW_MS).take('198.51.100.7', now)).toBeUndefined();
  });

  it('says how long until the oldest guess leaves the window, lets the address in then, and forgets old guesses', async () => {
    const limiter = new AttemptLimiter(db, 'test-window', 2, WINDOW_MS);
    const t0 = new Date('2026-12-01T11:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    expect(await limiter.take('203.0.113.1', t0)).toBeUndefined();
    expect(await limiter.take('203.0.113.1', at(20_000))).toBeUndefined();
    expect(await limiter.take('203.0.113.1', at(30_000))).toBe(30);
    expect(await limiter.take('203.0.113.1', at(59_500))).toBe(1);
    // The first guess has left the window: one more try, then the wait runs from the second.
    expect(await limiter.take('203.0.113.1', at(60_001))).toBeUndefined();
    expect(await limiter.take('203.0.113.1', at(61_000))).toBe(19);
    // Refused tries are not counted, and guesses older than the window are deleted on the next try.
    const rows = await db.guessAttempt.findMany({ where: { scope: 'test-window' }, orderBy: { at: 'asc' } });
    expect(rows.map((r) => r.at.getTime() - t0.getTime())).toEqual([20_000, 60_001]);
  });
});
