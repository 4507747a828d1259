import { epaySign } from '../payments/epay-signature';
import type { Trade } from './trades';

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
    /** Scales the retry schedule; tests use a small factor. */
    private readonly timeFactor = 1,
  ) {}

  /** Sends one notification now; true when the shop acknowledged it. */
  async sendOnce(trade: Trade): Promise<boolean> {
    const url = `${trade.notifyUrl}${trade.notifyUrl.includes('?') ? '&' : '?'}${new URLSearchParams(notifyParams(trade, this.key))}`;
    const attempt = trade.notifications.length + 1;
    let result: string;
    let acknowledged = false;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.text()).slice(0, 64);
      acknowledged = response.ok && body.trim() === 'success';
      result = `${response.status} ${body}`;
    } catch (error) {
      result = `error ${(error as Error).message}`;
    }
    trade.notifications.push({ attempt, at: new Date().toISOString(), result, acknowledged });
    return acknowledged;
  }

  /** Notifies now and keeps retrying in the background until acknowledged or the schedule ends. */
  async start(trade: Trade): Promise<boolean> {
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
