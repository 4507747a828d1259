import type { Request, Response } from 'express';
import type { Db } from '../db/client';

/**
 * Guesses (order passwords, staff tokens) per client address: a few per window, then a wait.
 * Counted in Postgres, so every API process shares one allowance per address.
 */
export class AttemptLimiter {
  constructor(
    private readonly db: Db,
    private readonly scope: string,
    private readonly perWindow: number,
    private readonly windowMs: number,
  ) {}

  /** Counts a try; returns the seconds to wait when this client is over its allowance. */
  async take(client: string, now: Date): Promise<number | undefined> {
    const { db, scope } = this;
    const since = new Date(now.getTime() - this.windowMs);
    // The lock makes count-then-insert one step per client: parallel guesses cannot all see room.
    const [, , [result]] = await db.$transaction([
      db.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`guess:${scope}:${client}`}))`,
      db.$executeRaw`DELETE FROM "GuessAttempt" WHERE "scope" = ${scope} AND "at" <= ${since}`,
      db.$queryRaw<Array<{ oldest: Date | null; taken: number }>>`
        WITH recent AS (SELECT "at" FROM "GuessAttempt" WHERE "scope" = ${scope} AND "client" = ${client} AND "at" > ${since}),
        taken AS (
          INSERT INTO "GuessAttempt" ("scope", "client", "at")
          SELECT ${scope}, ${client}, ${now} WHERE (SELECT count(*) FROM recent) < ${this.perWindow}
          RETURNING 1)
        SELECT (SELECT min("at") FROM recent) AS oldest, (SELECT count(*)::int FROM taken) AS taken`,
    ]);
    if (result.taken > 0) return undefined;
    return Math.max(1, Math.ceil((result.oldest!.getTime() + this.windowMs - now.getTime()) / 1000));
  }
}

/**
 * Counts this request's try; over the allowance it answers 429 with Retry-After and the page
 * `render` makes for the wait, and returns true (the caller stops there).
 */
export async function refusedAsTooMany(
  limiter: AttemptLimiter,
  req: Request,
  res: Response,
  now: Date,
  render: (waitSeconds: number) => string,
): Promise<boolean> {
  const wait = await limiter.take(req.ip ?? 'unknown', now);
  if (wait === undefined) return false;
  res.set('Retry-After', String(wait)).status(429).type('html').send(render(wait));
  return true;
}
