/** What a channel adapter sees of an incoming notification: the raw request, before any parsing. */
export interface RawNotification {
  method: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

export interface VerifiedPayment {
  verdict: 'verified';
  /** The channel's unique id of this event (inbox dedupe key). */
  eventKey: string;
  orderNo: string;
  tradeNo: string;
  amountCents: number;
  currency: string;
  /** False for verified notifications that do not report a completed payment. */
  paid: boolean;
  /** When the channel says the buyer paid, where the notification carries it (callback latency). */
  paidAt?: Date;
  payload: Record<string, unknown>;
}

/** A timestamp from a notification, or undefined when it is missing or not a date. */
export function notifiedAt(text: unknown): Date | undefined {
  if (typeof text !== 'string' && typeof text !== 'number') return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

export interface RejectedNotification {
  verdict: 'rejected';
  reason: string;
  /** Whatever the request claimed, for the inbox record; never trusted. */
  eventKey?: string;
  orderNo?: string;
  payload: Record<string, unknown>;
}

export type ParsedNotification = VerifiedPayment | RejectedNotification;

export interface ChannelReply {
  status: number;
  contentType: string;
  body: string;
}

export interface CreatePaymentInput {
  orderNo: string;
  amountCents: number;
  currency: string;
  subject: string;
  payType?: string;
  notifyUrl: string;
  returnUrl: string;
  /** The order's payment deadline: channels that can expire a trade expire it with the order. */
  expiresAt: Date;
}

export interface CreatedPayment {
  payUrl: string;
  /** The channel's own handle on the trade, when closing it needs more than the order number (Stripe: the session id). */
  channelRef?: string;
}

export interface TradeStatus {
  found: boolean;
  paid: boolean;
  tradeNo?: string;
  amountCents?: number;
  currency?: string;
}

export interface RefundRequest {
  orderNo: string;
  tradeNo: string;
  amountCents: number;
  currency: string;
  reason: string;
  /** Stable per refund intent and reused on every retry, so the channel refunds at most once. */
  idempotencyKey: string;
}

export type RefundResult = { outcome: 'succeeded'; refundNo?: string } | { outcome: 'refused'; reason: string };

/**
 * A failed call to a channel. `retryable` false means the channel gave a definite answer that
 * retrying cannot change (bad credentials, malformed request); true means try again later.
 */
export class ChannelRequestError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ChannelRequestError';
  }
}

export type ChannelType = 'epay' | 'alipay' | 'stripe' | 'wechatpay';

/** One payment channel instance: how to ask for money, how to believe a notification, how to give it back. */
export interface PaymentChannel {
  /** The instance's name: `epay`, `epay-backup`, `alipay`, …; routes, orders and health use it. */
  readonly name: string;
  readonly type: ChannelType;
  /** What a buyer can pay with through it: `alipay`, `wxpay` (Epay's types), `card` (Stripe). */
  readonly payTypes: readonly string[];
  /** Whether it can take money in this currency (Epay, Alipay and WeChat Pay: CNY only). */
  takesCurrency(currency: string): boolean;
  createPayment(input: CreatePaymentInput): Promise<CreatedPayment>;
  /** Must never throw: malformed input is a rejection with a reason. */
  parseNotification(request: RawNotification): ParsedNotification;
  reply(accepted: boolean): ChannelReply;
  queryTrade(orderNo: string): Promise<TradeStatus>;
  /**
   * Stops an unpaid trade from being paid; a no-op where the channel has no such call. A definite
   * refusal (often: the buyer has just paid) is a non-retryable ChannelRequestError.
   */
  closeTrade(orderNo: string, channelRef?: string): Promise<void>;
  refund(request: RefundRequest): Promise<RefundResult>;
  /** Recently paid trades, newest first, for channels that can list them (reconciliation). */
  listPaidTrades?(limit: number): Promise<PaidTrade[]>;
}

export interface PaidTrade {
  orderNo: string;
  tradeNo: string;
  amountCents: number;
  currency: string;
}

export type ChannelRegistry = ReadonlyMap<string, PaymentChannel>;

/** The calls a channel makes over the network. */
export type ChannelCall = 'createPayment' | 'queryTrade' | 'closeTrade' | 'refund' | 'listPaidTrades';

/** The same channel with `around` wrapped about every network call (counting, tracing). */
export function aroundChannelCalls(channel: PaymentChannel, around: <R>(call: ChannelCall, run: () => Promise<R>) => Promise<R>): PaymentChannel {
  const wrap =
    <A extends unknown[], R>(name: ChannelCall, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      around(name, () => call.apply(channel, args));
  const listPaidTrades = channel.listPaidTrades;
  return {
    name: channel.name,
    type: channel.type,
    payTypes: channel.payTypes,
    takesCurrency: (currency) => channel.takesCurrency(currency),
    parseNotification: (request) => channel.parseNotification(request),
    reply: (accepted) => channel.reply(accepted),
    createPayment: wrap('createPayment', channel.createPayment),
    queryTrade: wrap('queryTrade', channel.queryTrade),
    closeTrade: wrap('closeTrade', channel.closeTrade),
    refund: wrap('refund', channel.refund),
    ...(listPaidTrades ? { listPaidTrades: wrap('listPaidTrades', listPaidTrades) } : {}),
  };
}
