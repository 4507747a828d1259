import { epaySign } from '../../payments/epay-signature';
import type { Trade } from './trades';
import { sleep, type FaultBoard } from './faults';

/** Like a real gateway: retry until the shop answers exactly `success`, on a widening schedule. */
export const NOTIFY_SCHEDULE_MS = [0, 15_000, 60_000, 180_000, 600_000, 1_800_000, 3_600_000];

export function notifyParams(trade: Trade, key: string): Record<string, string> {
  const params: Record<string, string> = {
    pid: trade.pid,
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    type: trade.type,
    name: trade.name,
    money: trade.money,
    trade_status: 'TRADE_SUCCESS',
  };
  params.sign = epaySign(params, key);
  params.sign_type = 'MD5';
  return params;
}

export class Notifier {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly key: string,
    private readonly faults: FaultBoard,
    /** Scales the retry schedule; tests use a small factor. */
    private readonly timeFactor = 1,
  ) {}

  /** Sends one notification now (as the fault switches allow); true when the shop acknowledged it. */
  async sendOnce(trade: Trade): Promise<boolean> {
    const faults = this.faults.for(trade.outTradeNo);
    const attempt = trade.notifications.length + 1;
    if (faults.dropNotifications) {
      trade.notifications.push({ attempt, at: new Date().toISOString(), result: 'dropped (fault switch)', acknowledged: false });
      return false;
    }
    if (faults.delayNotificationsMs) await sleep(faults.delayNotificationsMs);
    // A gateway that is down sends nothing (even what it was about to send); what it owes goes out once it is back.
    while (this.faults.for(undefined).down) await sleep(200);
    const params = notifyParams(trade, this.key);
    if (faults.corruptSignature) params.sign = params.sign.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const url = `${trade.notifyUrl}${trade.notifyUrl.includes('?') ? '&' : '?'}${new URLSearchParams(params)}`;
    const started = performance.now();
    const copies = await Promise.all(Array.from({ length: faults.duplicateNotifications ?? 1 }, () => this.deliver(url)));
    const acknowledged = copies.some((c) => c.acknowledged);
    trade.notifications.push({
      attempt,
      at: new Date().toISOString(),
      result: copies.map((c) => c.result).join(' | '),
      acknowledged,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
    return acknowledged;
  }

  private async deliver(url: string): Promise<{ acknowledged: boolean; result: string }> {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.text()).slice(0, 64);
      return { acknowledged: response.ok && body.trim() === 'success', result: `${response.status} ${body}` };
    } catch (error) {
      return { acknowledged: false, result: `error ${(error as Error).message}` };
    }
  }

  private held?: { trade: Trade; release: () => void };

  /** Notifies now and keeps retrying in the background until acknowledged or the schedule ends. */
  async start(trade: Trade): Promise<boolean> {
    if (this.faults.for(trade.outTradeNo).reorderNotifications) {
      // Out of order: this trade waits until the next one has been notified (or 2 s pass).
      const previous = this.held;
      if (!previous) {
        await new Promise<void>((release) => {
          const timer = setTimeout(release, 2000);
          this.held = { trade, release: () => (clearTimeout(timer), release()) };
        });
        this.held = undefined;
      } else {
        this.held = undefined;
        const sent = await this.firstAttempt(trade);
        previous.release();
        return sent;
      }
    }
    return this.firstAttempt(trade);
  }

  private async firstAttempt(trade: Trade): Promise<boolean> {
    if (await this.sendOnce(trade)) return true;
    this.scheduleRetry(trade, 1);
    return false;
  }

  private scheduleRetry(trade: Trade, step: number): void {
    if (step >= NOTIFY_SCHEDULE_MS.length) return;
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      if (trade.notifications.some((n) => n.acknowledged)) return;
      if (!(await this.sendOnce(trade))) this.scheduleRetry(trade, step + 1);
    }, NOTIFY_SCHEDULE_MS[step] * this.timeFactor);
    timer.unref();
    this.timers.add(timer);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
