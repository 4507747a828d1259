import type { Request, Response } from 'express';

/**
 * Guesses (order passwords, staff tokens) per client address: a few per window, then a wait. Kept in this process
 * (each API process counts its own), which bounds a guesser to a few tries a minute per process.
 */
export class AttemptLimiter {
  private readonly seen = new Map<string, number[]>();

  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
  ) {}

  /** Counts a try; returns the seconds to wait when this client is over its allowance. */
  take(client: string, now: number): number | undefined {
    const recent = (this.seen.get(client) ?? []).filter((at) => at > now - this.windowMs);
    if (recent.length >= this.perWindow) {
      this.seen.set(client, recent);
      return Math.max(1, Math.ceil((recent[0] + this.windowMs - now) / 1000));
    }
    recent.push(now);
    this.seen.set(client, recent);
    // Forget idle clients now and then, so the map does not grow with every address ever seen.
    if (this.seen.size > 10_000) for (const [key, times] of this.seen) if (times[times.length - 1] <= now - this.windowMs) this.seen.delete(key);
    return undefined;
  }
}

/**
 * Counts this request's try; over the allowance it answers 429 with Retry-After and the page
 * `render` makes for the wait, and returns true (the caller stops there).
 */
export function refusedAsTooMany(limiter: AttemptLimiter, req: Request, res: Response, now: Date, render: (waitSeconds: number) => string): boolean {
  const wait = limiter.take(req.ip ?? 'unknown', now.getTime());
  if (wait === undefined) return false;
  res.set('Retry-After', String(wait)).status(429).type('html').send(render(wait));
  return true;
}
