import { timingSafeEqual } from 'node:crypto';
import type { EpayConfig } from '../config';
import {
  ChannelRequestError,
  type ChannelReply,
  type CreatePaymentInput,
  type CreatedPayment,
  type ParsedNotification,
  type PaymentChannel,
  type RawNotification,
  type RefundRequest,
  type RefundResult,
  type TradeStatus,
  type PaidTrade,
} from './channel';
import { epaySign } from './epay-signature';
import { centsToDecimal, decimalToCents } from './money';

const NOTIFY_FIELDS = ['pid', 'trade_no', 'out_trade_no', 'type', 'name', 'money', 'trade_status'] as const;
const EPAY_CURRENCY = 'CNY';

/** Epay / 彩虹易支付: signed GET redirect to submit.php, MD5-signed GET notify, api.php queries. */
export class EpayChannel implements PaymentChannel {
  readonly type = 'epay';
  readonly name: string;
  readonly payTypes: readonly string[];

  constructor(
    private readonly config: EpayConfig & { name?: string; payTypes?: readonly string[] },
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.name = config.name ?? 'epay';
    this.payTypes = config.payTypes ?? ['alipay', 'wxpay'];
  }

  takesCurrency(currency: string): boolean {
    return currency === EPAY_CURRENCY;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    if (input.currency !== EPAY_CURRENCY) throw new Error(`Epay only takes ${EPAY_CURRENCY}`);
    const params: Record<string, string> = {
      pid: this.config.pid,
      type: input.payType ?? this.payTypes[0],
      out_trade_no: input.orderNo,
      notify_url: input.notifyUrl,
      return_url: input.returnUrl,
      name: input.subject,
      money: centsToDecimal(input.amountCents),
    };
    params.sign = epaySign(params, this.config.key);
    params.sign_type = 'MD5';
    return { payUrl: `${this.config.apiUrl}/submit.php?${new URLSearchParams(params)}` };
  }

  parseNotification(request: RawNotification): ParsedNotification {
    const params =
      request.method === 'POST' && request.rawBody.length > 0
        ? { ...request.query, ...Object.fromEntries(new URLSearchParams(request.rawBody.toString('utf8'))) }
        : request.query;
    const payload: Record<string, string> = {};
    for (const [name, value] of Object.entries(params)) {
      if (typeof value === 'string' && name !== 'sign') payload[name] = value.slice(0, 512);
    }
    const claimed = { eventKey: params.trade_no || undefined, orderNo: params.out_trade_no || undefined, payload };
    const reject = (reason: string): ParsedNotification => ({ verdict: 'rejected', reason, ...claimed });

    for (const field of NOTIFY_FIELDS) {
      if (typeof params[field] !== 'string' || params[field] === '') return reject(`missing ${field}`);
    }
    if (typeof params.sign !== 'string' || !/^[0-9a-fA-F]{32}$/.test(params.sign)) return reject('missing or malformed sign');
    if (params.sign_type && params.sign_type !== 'MD5') return reject(`unsupported sign_type ${params.sign_type}`);
    const expected = Buffer.from(epaySign(params, this.config.key), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(params.sign.toLowerCase(), 'hex'))) return reject('signature mismatch');
    if (params.pid !== this.config.pid) return reject('pid is not this merchant');
    const amountCents = decimalToCents(params.money);
    if (amountCents === undefined) return reject('malformed money');
    return {
      verdict: 'verified',
      eventKey: params.trade_no,
      orderNo: params.out_trade_no,
      tradeNo: params.trade_no,
      amountCents,
      currency: EPAY_CURRENCY,
      paid: params.trade_status === 'TRADE_SUCCESS',
      payload,
    };
  }

  reply(accepted: boolean): ChannelReply {
    return accepted ? { status: 200, contentType: 'text/plain', body: 'success' } : { status: 400, contentType: 'text/plain', body: 'fail' };
  }

  async queryTrade(orderNo: string): Promise<TradeStatus> {
    const body = await this.call('GET', { act: 'order', out_trade_no: orderNo });
    if (body.code !== 1) return { found: false, paid: false };
    const amountCents = typeof body.money === 'string' ? decimalToCents(body.money) : undefined;
    return {
      found: true,
      paid: Number(body.status) === 1,
      tradeNo: typeof body.trade_no === 'string' ? body.trade_no : undefined,
      amountCents,
      currency: EPAY_CURRENCY,
    };
  }

  /** Epay has no close call: an unpaid trade simply lapses. A late payment is handled by policy. */
  async closeTrade(): Promise<void> {}

  /**
   * Epay's refund call has no idempotency key: a retry after a lost answer would refund twice. So the
   * trade is asked first, and a refund it already shows is not sent again.
   */
  async refund(request: RefundRequest): Promise<RefundResult> {
    const trade = await this.call('GET', { act: 'order', out_trade_no: request.orderNo });
    if (trade.code === 1 && trade.trade_no === request.tradeNo && Number(trade.refund_status) === 1) {
      return { outcome: 'succeeded', refundNo: typeof trade.refund_no === 'string' ? trade.refund_no : undefined };
    }
    const body = await this.call('POST', {
      act: 'refund',
      out_trade_no: request.orderNo,
      trade_no: request.tradeNo,
      money: centsToDecimal(request.amountCents),
    });
    if (body.code === 1) return { outcome: 'succeeded', refundNo: typeof body.refund_no === 'string' ? body.refund_no : undefined };
    return { outcome: 'refused', reason: `Epay refused the refund: ${String(body.msg ?? 'no reason given').slice(0, 200)}` };
  }

  async listPaidTrades(limit: number): Promise<PaidTrade[]> {
    const body = await this.call('GET', { act: 'orders', limit: String(limit) });
    if (body.code !== 1 || !Array.isArray(body.data)) return [];
    return (body.data as Array<Record<string, unknown>>)
      .filter((t) => Number(t.status) === 1 && typeof t.out_trade_no === 'string' && typeof t.trade_no === 'string')
      .flatMap((t) => {
        const amountCents = decimalToCents(String(t.money));
        return amountCents === undefined ? [] : [{ orderNo: String(t.out_trade_no), tradeNo: String(t.trade_no), amountCents, currency: EPAY_CURRENCY }];
      });
  }

  /** api.php calls authenticate with pid + key; failures to reach the gateway are retryable. */
  private async call(method: 'GET' | 'POST', params: Record<string, string>): Promise<Record<string, unknown>> {
    const all = new URLSearchParams({ ...params, pid: this.config.pid, key: this.config.key });
    const url = method === 'GET' ? `${this.config.apiUrl}/api.php?${all}` : `${this.config.apiUrl}/api.php?act=${params.act}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        signal: AbortSignal.timeout(10_000),
        ...(method === 'POST' ? { body: all, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } } : {}),
      });
    } catch (error) {
      throw new ChannelRequestError(`Epay ${params.act} failed: ${(error as Error).message}`, true);
    }
    if (!response.ok) throw new ChannelRequestError(`Epay ${params.act} answered HTTP ${response.status}`, response.status >= 500 || response.status === 429);
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!body || typeof body.code !== 'number') throw new ChannelRequestError(`Epay ${params.act} answered malformed JSON`, true);
    return body;
  }
}
