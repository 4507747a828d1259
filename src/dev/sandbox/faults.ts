import { z } from 'zod';

/** What the sandbox can be told to do wrong, globally or per trade (per-trade wins). */
export const faultsSchema = z
  .object({
    /**
     * The gateway is down: its pay page, submit.php and api.php answer 503, and its notifications
     * are held, then sent with their retries once it is back (global only).
     */
    down: z.boolean().optional(),
    /** Notifications are not sent at all (the shop must poll or reconcile). */
    dropNotifications: z.boolean().optional(),
    /** Each notification is held back this long before it is sent. */
    delayNotificationsMs: z.number().int().min(0).max(600_000).optional(),
    /** Each notification is sent this many times at once. */
    duplicateNotifications: z.number().int().min(1).max(20).optional(),
    /** Each notification is held back until the next one has been sent (out of order); at most 2 s. */
    reorderNotifications: z.boolean().optional(),
    /** Notifications carry a wrong signature. */
    corruptSignature: z.boolean().optional(),
    /** Query calls answer HTTP 500. */
    queryError: z.boolean().optional(),
    /** Query calls are answered this late. */
    queryDelayMs: z.number().int().min(0).max(60_000).optional(),
    /** Refunds are refused for good (code -1). */
    refuseRefunds: z.boolean().optional(),
    /** Refund calls answer HTTP 500 (a channel that keeps failing). */
    failRefunds: z.boolean().optional(),
    /** Refund calls refund, then answer HTTP 502 as if the answer was lost on the way (once per trade). */
    loseRefundAnswer: z.boolean().optional(),
  })
  .strict();

export type Faults = z.infer<typeof faultsSchema>;

export class FaultBoard {
  private global: Faults = {};
  private readonly perTrade = new Map<string, Faults>();

  setGlobal(faults: Faults): void {
    this.global = faults;
  }

  setForTrade(outTradeNo: string, faults: Faults): void {
    this.perTrade.set(outTradeNo, faults);
  }

  for(outTradeNo: string | undefined): Faults {
    return { ...this.global, ...(outTradeNo ? this.perTrade.get(outTradeNo) : undefined) };
  }

  describe() {
    return { global: this.global, trades: Object.fromEntries(this.perTrade) };
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
