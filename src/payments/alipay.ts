import type { KeyObject } from 'node:crypto';
import {
  ChannelRequestError,
  type ChannelReply,
  type CreatePaymentInput,
  type CreatedPayment,
  notifiedAt,
  type ParsedNotification,
  type PaymentChannel,
  type RawNotification,
  type RefundRequest,
  type RefundResult,
  type TradeStatus,
} from './channel';
import { channelFetch, parseJson } from './channel-http';
import { centsToDecimal, decimalToCents } from './money';
import { privateKeyFrom, publicKeyFrom, rsaSign, rsaVerify } from './rsa';

export interface AlipayConfig {
  appId: string;
  /** The merchant's application private key (signs requests). */
  privateKey: string;
  /** Alipay's public key (verifies notifications and responses). */
  alipayPublicKey: string;
  gatewayUrl: string;
}

const PAID_STATES = new Set(['TRADE_SUCCESS', 'TRADE_FINISHED']);
const CURRENCY = 'CNY';

/** The RSA2 signing content: sorted `k=v&…` of the non-empty parameters other than those excluded. */
export function alipaySignContent(params: Record<string, string>, exclude: readonly string[]): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

function timestamp(date: Date): string {
  // Alipay wants Beijing time as "yyyy-MM-dd HH:mm:ss".
  return new Date(date.getTime() + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
}

/** Alipay (支付宝) open platform: page pay, RSA2-signed async notify, trade query/close/refund. */
export class AlipayChannel implements PaymentChannel {
  readonly name = 'alipay';
  readonly type = 'alipay';
  readonly payTypes: readonly string[] = ['alipay'];
  private readonly privateKey: KeyObject;
  private readonly alipayKey: KeyObject;

  constructor(
    private readonly config: AlipayConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.privateKey = privateKeyFrom(config.privateKey);
    this.alipayKey = publicKeyFrom(config.alipayPublicKey);
  }

  private signed(method: string, bizContent: Record<string, unknown>, extra: Record<string, string> = {}): Record<string, string> {
    const params: Record<string, string> = {
      app_id: this.config.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: timestamp(new Date()),
      version: '1.0',
      biz_content: JSON.stringify(bizContent),
      ...extra,
    };
    params.sign = rsaSign(alipaySignContent(params, ['sign']), this.privateKey);
    return params;
  }

  takesCurrency(currency: string): boolean {
    return currency === CURRENCY;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    if (input.currency !== CURRENCY) throw new Error(`Alipay only takes ${CURRENCY}`);
    const params = this.signed(
      'alipay.trade.page.pay',
      {
        out_trade_no: input.orderNo,
        total_amount: centsToDecimal(input.amountCents),
        subject: input.subject,
        product_code: 'FAST_INSTANT_TRADE_PAY',
        // The trade lapses with the order: nobody can pay it after the deadline.
        time_expire: timestamp(input.expiresAt),
      },
      { notify_url: input.notifyUrl, return_url: input.returnUrl },
    );
    return { payUrl: `${this.config.gatewayUrl}?${new URLSearchParams(params)}` };
  }

  parseNotification(request: RawNotification): ParsedNotification {
    const params: Record<string, string> = Object.fromEntries(new URLSearchParams(request.rawBody.toString('utf8')));
    const payload = Object.fromEntries(
      Object.entries(params)
        .filter(([k]) => k !== 'sign')
        .map(([k, v]) => [k, v.slice(0, 512)]),
    );
    const claimed = { eventKey: params.notify_id || undefined, orderNo: params.out_trade_no || undefined, payload };
    const reject = (reason: string): ParsedNotification => ({ verdict: 'rejected', reason, ...claimed });

    if (request.method !== 'POST') return reject('Alipay notifies by POST');
    for (const field of ['notify_id', 'app_id', 'out_trade_no', 'trade_no', 'trade_status', 'total_amount', 'sign']) {
      if (!params[field]) return reject(`missing ${field}`);
    }
    if (params.sign_type && params.sign_type !== 'RSA2') return reject(`unsupported sign_type ${params.sign_type}`);
    if (!rsaVerify(alipaySignContent(params, ['sign', 'sign_type']), params.sign, this.alipayKey)) return reject('signature mismatch');
    if (params.app_id !== this.config.appId) return reject('app_id is not this merchant');
    const amountCents = decimalToCents(params.total_amount);
    if (amountCents === undefined) return reject('malformed total_amount');
    return {
      verdict: 'verified',
      eventKey: params.notify_id,
      orderNo: params.out_trade_no,
      tradeNo: params.trade_no,
      amountCents,
      currency: CURRENCY,
      paid: PAID_STATES.has(params.trade_status),
      // gmt_payment is Beijing time, "yyyy-MM-dd HH:mm:ss".
      paidAt: params.gmt_payment ? notifiedAt(`${params.gmt_payment.replace(' ', 'T')}+08:00`) : undefined,
      payload,
    };
  }

  reply(accepted: boolean): ChannelReply {
    return accepted ? { status: 200, contentType: 'text/plain', body: 'success' } : { status: 400, contentType: 'text/plain', body: 'fail' };
  }

  /** Calls an OpenAPI method and returns its verified response object. */
  private async call(method: string, bizContent: Record<string, unknown>): Promise<Record<string, any>> {
    const response = await channelFetch(
      'Alipay',
      this.config.gatewayUrl,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8' },
        body: new URLSearchParams(this.signed(method, bizContent)),
      },
      this.fetchImpl,
    );
    const key = `${method.replace(/\./g, '_')}_response`;
    const body = parseJson('Alipay', response.text);
    const raw = rawMember(response.text, key);
    if (!raw || typeof body.sign !== 'string') throw new ChannelRequestError(`Alipay ${method} answered without a signed ${key}`, true);
    // A response we cannot verify could be anyone's: never act on it.
    if (!rsaVerify(raw, body.sign, this.alipayKey)) throw new ChannelRequestError(`Alipay ${method} response signature mismatch`, true);
    return body[key];
  }

  async queryTrade(orderNo: string): Promise<TradeStatus> {
    const result = await this.call('alipay.trade.query', { out_trade_no: orderNo });
    if (result.code !== '10000') return { found: false, paid: false };
    return {
      found: true,
      paid: PAID_STATES.has(result.trade_status),
      tradeNo: result.trade_no,
      amountCents: decimalToCents(String(result.total_amount)),
      currency: CURRENCY,
    };
  }

  async closeTrade(orderNo: string): Promise<void> {
    const result = await this.call('alipay.trade.close', { out_trade_no: orderNo });
    if (result.code !== '10000' && result.sub_code !== 'ACQ.TRADE_NOT_EXIST') {
      throw new ChannelRequestError(`Alipay could not close ${orderNo}: ${result.sub_msg ?? result.msg}`, result.code === '20000');
    }
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const result = await this.call('alipay.trade.refund', {
      out_trade_no: request.orderNo,
      refund_amount: centsToDecimal(request.amountCents),
      refund_reason: request.reason.slice(0, 256),
      out_request_no: request.idempotencyKey,
    });
    if (result.code === '10000') return { outcome: 'succeeded', refundNo: request.idempotencyKey };
    if (result.code === '20000') throw new ChannelRequestError(`Alipay refund unavailable: ${result.sub_msg ?? result.msg}`, true);
    return { outcome: 'refused', reason: `Alipay refused the refund: ${result.sub_msg ?? result.msg}` };
  }
}

/** The exact JSON text of `"key": {...}` in a response, as Alipay signed it. */
export function rawMember(text: string, key: string): string | undefined {
  const start = text.indexOf(`"${key}"`);
  if (start < 0) return undefined;
  const open = text.indexOf('{', start);
  if (open < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(open, i + 1);
  }
  return undefined;
}
