import type { Logger } from '../logging';

/**
 * Signals that the notify endpoint stopped waiting for. A stored callback is already safe (the
 * inbox relay and the order's own payment poll deliver it if this process dies), so the channel is
 * answered after a short wait while the signal finishes here; shutdown drains what is left.
 */
export class PendingSignals {
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly waitMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs `signal` to the end in the background and resolves with its result if it settles within
   * the wait, or with `undefined` once the wait is over.
   */
  async within<T>(signal: Promise<T>, context: Record<string, unknown>): Promise<T | undefined> {
    const tracked = signal.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    // A failure is logged once here; the relay retries every stored callback that was not signalled.
    tracked.catch((error) => this.logger.error({ ...context, err: error }, 'signalling a stored payment failed; the inbox relay will retry it'));
    if (this.waitMs <= 0) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, this.waitMs, undefined);
    });
    try {
      return await Promise.race([tracked, waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  get size(): number {
    return this.running.size;
  }

  /** Waits for every signal still in flight, whatever its result. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
