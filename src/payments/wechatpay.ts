import { createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
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
import { privateKeyFrom, publicKeyFrom, rsaSign, rsaVerify } from './rsa';

export interface WechatPayConfig {
  mchid: string;
  appid: string;
  /** APIv3 key: 32 characters, decrypts notification resources. */
  apiV3Key: string;
  /** WeChat Pay platform public key and its serial (verifies notifications and responses). */
  platformPublicKey: string;
  platformSerial: string;
  /** The merchant's API private key and certificate serial (signs requests). */
  merchantPrivateKey: string;
  merchantSerial: string;
  apiBase: string;
}

export const WECHATPAY_TOLERANCE_SECONDS = 300;

/** AEAD_AES_256_GCM as WeChat Pay uses it: base64(ciphertext ‖ 16-byte tag), nonce as IV, AAD. */
export function decryptResource(apiV3Key: string, resource: { ciphertext: string; nonce: string; associated_data?: string }): string {
  const data = Buffer.from(resource.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(resource.nonce, 'utf8'));
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}

/** WeChat Pay API v3: Native pay, signed + encrypted notifications, query, close, refund. */
export class WechatPayChannel implements PaymentChannel {
  readonly name = 'wechatpay';
  readonly type = 'wechatpay';
  readonly payTypes: readonly string[] = ['wxpay'];
  private readonly merchantKey: KeyObject;
  private readonly platformKey: KeyObject;

  constructor(
    private readonly config: WechatPayConfig,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {
    if (Buffer.byteLength(config.apiV3Key) !== 32) throw new Error('the WeChat Pay APIv3 key must be 32 bytes');
    this.merchantKey = privateKeyFrom(config.merchantPrivateKey);
    this.platformKey = publicKeyFrom(config.platformPublicKey);
  }

  /** Signs a request (`WECHATPAY2-SHA256-RSA2048`) and verifies the platform's signature on the answer. */
  private async call(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>) {
    const text = body ? JSON.stringify(body) : '';
    const timestamp = Math.floor(this.now() / 1000);
    const nonce = randomBytes(16).toString('hex');
    const signature = rsaSign(`${method}\n${path}\n${timestamp}\n${nonce}\n${text}\n`, this.merchantKey);
    const response = await channelFetch(
      'WeChat Pay',
      `${this.config.apiBase}${path}`,
      {
        method,
        headers: {
          Accept: 'application/json',
          ...(body ? { 'Content-Type': 'application/json' } : {}),
          Authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${this.config.mchid}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestamp}",serial_no="${this.config.merchantSerial}"`,
        },
        body: body ? text : undefined,
      },
      this.fetchImpl,
    );
    const h = (name: string) => response.headers.get(name) ?? '';
    if (
      response.status < 300 &&
      !rsaVerify(`${h('wechatpay-timestamp')}\n${h('wechatpay-nonce')}\n${response.text}\n`, h('wechatpay-signature'), this.platformKey)
    ) {
      throw new ChannelRequestError(`WeChat Pay ${method} ${path} response signature mismatch`, true);
    }
    return { status: response.status, body: response.text ? parseJson('WeChat Pay', response.text) : {} };
  }

  takesCurrency(currency: string): boolean {
    return currency === 'CNY';
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    const { status, body } = await this.call('POST', '/v3/pay/transactions/native', {
      appid: this.config.appid,
      mchid: this.config.mchid,
      description: input.subject.slice(0, 127),
      out_trade_no: input.orderNo,
      notify_url: input.notifyUrl,
      amount: { total: input.amountCents, currency: input.currency },
      // The trade lapses with the order (RFC 3339, Beijing time as WeChat Pay writes it).
      time_expire: beijingRfc3339(input.expiresAt),
    });
    if (status >= 300 || typeof body.code_url !== 'string') throw new ChannelRequestError(`WeChat Pay refused the order: ${body.message ?? status}`, false);
    // A QR payload (weixin://wxpay/…): the pay page renders it as a code.
    return { payUrl: body.code_url };
  }

  parseNotification(request: RawNotification): ParsedNotification {
    const h = (name: string) => request.headers[name] ?? '';
    const reject = (reason: string, eventKey?: string): ParsedNotification => ({ verdict: 'rejected', reason, eventKey, payload: {} });
    const timestamp = h('wechatpay-timestamp');
    const nonce = h('wechatpay-nonce');
    const signature = h('wechatpay-signature');
    if (!timestamp || !nonce || !signature) return reject('missing Wechatpay-* headers');
    if (h('wechatpay-serial') !== this.config.platformSerial) return reject('unknown platform certificate serial');
    if (!/^\d+$/.test(timestamp) || Math.abs(this.now() / 1000 - Number(timestamp)) > WECHATPAY_TOLERANCE_SECONDS)
      return reject('timestamp outside the tolerance window');
    if (!rsaVerify(`${timestamp}\n${nonce}\n${request.rawBody.toString('utf8')}\n`, signature, this.platformKey)) return reject('signature mismatch');

    let event: any;
    let transaction: any;
    try {
      event = JSON.parse(request.rawBody.toString('utf8'));
      if (event?.resource?.algorithm !== 'AEAD_AES_256_GCM') return reject('unsupported resource algorithm', event?.id);
      transaction = JSON.parse(decryptResource(this.config.apiV3Key, event.resource));
    } catch {
      return reject('body or resource could not be read', event?.id);
    }
    if (typeof event.id !== 'string') return reject('notification without id');
    if (transaction.mchid !== this.config.mchid) return reject('mchid is not this merchant', event.id);
    const payload = {
      id: event.id,
      event_type: event.event_type,
      out_trade_no: transaction.out_trade_no,
      transaction_id: transaction.transaction_id,
      trade_state: transaction.trade_state,
    };
    const total = transaction.amount?.total;
    if (typeof transaction.out_trade_no !== 'string' || typeof transaction.transaction_id !== 'string' || !Number.isSafeInteger(total)) {
      return reject('transaction without out_trade_no, transaction_id or amount', event.id);
    }
    return {
      verdict: 'verified',
      eventKey: event.id,
      orderNo: transaction.out_trade_no,
      tradeNo: transaction.transaction_id,
      amountCents: total,
      currency: String(transaction.amount.currency ?? 'CNY'),
      paid: event.event_type === 'TRANSACTION.SUCCESS' && transaction.trade_state === 'SUCCESS',
      paidAt: notifiedAt(transaction.success_time),
      payload,
    };
  }

  reply(accepted: boolean): ChannelReply {
    return accepted
      ? { status: 204, contentType: 'application/json', body: '' }
      : { status: 400, contentType: 'application/json', body: JSON.stringify({ code: 'FAIL', message: 'notification rejected' }) };
  }

  async queryTrade(orderNo: string): Promise<TradeStatus> {
    const { status, body } = await this.call('GET', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderNo)}?mchid=${this.config.mchid}`);
    if (status === 404) return { found: false, paid: false };
    if (status >= 300) throw new ChannelRequestError(`WeChat Pay query failed: ${body.message ?? status}`, false);
    return {
      found: true,
      paid: body.trade_state === 'SUCCESS',
      tradeNo: body.transaction_id,
      amountCents: body.amount?.total,
      currency: body.amount?.currency ?? 'CNY',
    };
  }

  async closeTrade(orderNo: string): Promise<void> {
    const { status, body } = await this.call('POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderNo)}/close`, { mchid: this.config.mchid });
    if (status >= 300 && body.code !== 'ORDER_NOT_EXIST' && body.code !== 'ORDER_CLOSED') {
      throw new ChannelRequestError(`WeChat Pay could not close ${orderNo}: ${body.message ?? status}`, false);
    }
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const { status, body } = await this.call('POST', '/v3/refund/domestic/refunds', {
      out_trade_no: request.orderNo,
      out_refund_no: request.idempotencyKey,
      reason: request.reason.slice(0, 80),
      amount: { refund: request.amountCents, total: request.amountCents, currency: request.currency },
    });
    // PROCESSING is an accepted refund that settles asynchronously; only a definite error is a refusal.
    if (status < 300 && ['SUCCESS', 'PROCESSING'].includes(body.status)) return { outcome: 'succeeded', refundNo: body.refund_id };
    return { outcome: 'refused', reason: `WeChat Pay refused the refund: ${body.message ?? body.status ?? status}` };
  }
}

/** `2026-11-30T20:15:00+08:00`: the instant in China Standard Time. */
function beijingRfc3339(at: Date): string {
  return `${new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}
