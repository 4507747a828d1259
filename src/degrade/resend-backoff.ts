/**
 * When an order handed to a batch of deferred emails may be handed again. Its first batch usually
 * sends it, and it is never seen again; one that comes back (its email failed, say a mailbox the
 * server rejects) waits twice as long each time, up to `maxMs`, so it is tried about as often as
 * the order's own run would have retried it, not once per sender step. In memory: a restarted
 * worker starts again from the first delay, which costs a few early tries and nothing else.
 */
export class ResendBackoff {
  private readonly handed = new Map<string, { times: number; nextAt: number }>();

  constructor(private readonly options: { firstMs: number; maxMs: number }) {}

  /** Those of `due` that may go to a batch now (the others keep their place for later). */
  ready(due: readonly string[], now: number): string[] {
    const seen = new Set(due);
    // Orders no longer due were sent (or left the horizon): nothing to remember.
    for (const orderNo of this.handed.keys()) if (!seen.has(orderNo)) this.handed.delete(orderNo);
    return due.filter((orderNo) => (this.handed.get(orderNo)?.nextAt ?? 0) <= now);
  }

  /** Records that these went to a batch at `now`. */
  handedOver(orderNos: readonly string[], now: number): void {
    for (const orderNo of orderNos) {
      const times = (this.handed.get(orderNo)?.times ?? 0) + 1;
      this.handed.set(orderNo, { times, nextAt: now + Math.min(this.options.maxMs, this.options.firstMs * 2 ** (times - 1)) });
    }
  }
}
