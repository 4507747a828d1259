import { randomBytes } from 'node:crypto';

export type TradeStatus = 'WAITING' | 'PAID' | 'REFUNDED';

export interface NotificationAttempt {
  attempt: number;
  at: string;
  /** HTTP status and the first bytes of the shop's answer, or the network error. */
  result: string;
  acknowledged: boolean;
  /** How long the shop took to answer this attempt. */
  ms?: number;
}

export interface Trade {
  pid: string;
  tradeNo: string;
  outTradeNo: string;
  type: string;
  name: string;
  money: string;
  notifyUrl: string;
  returnUrl: string;
  status: TradeStatus;
  createdAt: string;
  paidAt?: string;
  refundedAt?: string;
  refundNo?: string;
  notifications: NotificationAttempt[];
  /** How many times the merchant asked about this trade (api.php act=order), answered or not. */
  queries: number;
  /** How many refund calls reached the gateway (Epay's refund call has no idempotency key). */
  refundCalls: number;
}

/** The sandbox's own ledger of trades, as a real gateway would keep it. In memory: a sandbox. */
export class TradeBook {
  private readonly byOutTradeNo = new Map<string, Trade>();
  private sequence = 0;

  open(fields: Omit<Trade, 'tradeNo' | 'status' | 'createdAt' | 'notifications' | 'queries' | 'refundCalls'>): Trade {
    const existing = this.byOutTradeNo.get(fields.outTradeNo);
    if (existing) return existing;
    this.sequence += 1;
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const trade: Trade = {
      ...fields,
      tradeNo: `${day}${String(this.sequence).padStart(6, '0')}${randomBytes(3).toString('hex')}`,
      status: 'WAITING',
      createdAt: new Date().toISOString(),
      notifications: [],
      queries: 0,
      refundCalls: 0,
    };
    this.byOutTradeNo.set(trade.outTradeNo, trade);
    return trade;
  }

  get(outTradeNo: string): Trade | undefined {
    return this.byOutTradeNo.get(outTradeNo);
  }

  markPaid(trade: Trade): boolean {
    if (trade.status === 'PAID') return false;
    trade.status = 'PAID';
    trade.paidAt = new Date().toISOString();
    return true;
  }

  /** Refunds a paid trade; as at a real aggregator, a second call for a refunded trade is an error. */
  refund(trade: Trade): { ok: true; refundNo: string } | { ok: false; reason: string } {
    trade.refundCalls += 1;
    if (trade.status === 'REFUNDED') return { ok: false, reason: 'trade already refunded' };
    if (trade.status !== 'PAID') return { ok: false, reason: 'trade is not paid' };
    trade.status = 'REFUNDED';
    trade.refundedAt = new Date().toISOString();
    trade.refundNo = `R${trade.tradeNo}`;
    return { ok: true, refundNo: trade.refundNo };
  }

  all(): Trade[] {
    return [...this.byOutTradeNo.values()];
  }

  /** Paid (or since refunded) trades, newest first, for reconciliation. */
  recentPaid(limit = 500): Trade[] {
    return [...this.byOutTradeNo.values()]
      .filter((t) => t.paidAt)
      .reverse()
      .slice(0, limit);
  }
}
