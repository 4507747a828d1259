import { timingSafeEqual } from 'node:crypto';
import type { EpayConfig } from '../config';
import type { ChannelReply, CreatePaymentInput, ParsedNotification, PaymentChannel, RawNotification, TradeStatus } from './channel';
import { epaySign } from './epay-signature';
import { centsToDecimal, decimalToCents } from './money';

const NOTIFY_FIELDS = ['pid', 'trade_no', 'out_trade_no', 'type', 'name', 'money', 'trade_status'] as const;
const EPAY_CURRENCY = 'CNY';

export class ChannelRequestError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = 'ChannelRequestError';
  }
}

/** Epay / 彩虹易支付: signed GET redirect to submit.php, MD5-signed GET notify, api.php queries. */
export class EpayChannel implements PaymentChannel {
  readonly name = 'epay';

  constructor(
    private readonly config: EpayConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async createPayment(input: CreatePaymentInput): Promise<{ payUrl: string }> {
    if (input.currency !== EPAY_CURRENCY) throw new Error(`Epay only takes ${EPAY_CURRENCY}`);
    const params: Record<string, string> = {
      pid: this.config.pid,
      type: input.payType ?? 'alipay',
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
    const params = request.method === 'POST' && request.rawBody.length > 0
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
    return accepted
      ? { status: 200, contentType: 'text/plain', body: 'success' }
      : { status: 400, contentType: 'text/plain', body: 'fail' };
  }

  async queryTrade(orderNo: string): Promise<TradeStatus> {
    const url = `${this.config.apiUrl}/api.php?${new URLSearchParams({ act: 'order', pid: this.config.pid, key: this.config.key, out_trade_no: orderNo })}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, { signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new ChannelRequestError(`Epay query failed: ${(error as Error).message}`, true);
    }
    if (!response.ok) throw new ChannelRequestError(`Epay query answered HTTP ${response.status}`, response.status >= 500);
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!body || typeof body.code !== 'number') throw new ChannelRequestError('Epay query answered malformed JSON', true);
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
}
