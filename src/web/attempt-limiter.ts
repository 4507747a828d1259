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
