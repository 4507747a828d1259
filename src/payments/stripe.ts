import { createHmac, timingSafeEqual } from 'node:crypto';
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

/** Stripe's shortest Checkout Session life (expires_at must be at least 30 minutes ahead), with a minute to spare. */
const MIN_SESSION_LIFE_MS = 31 * 60_000;

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
  apiBase: string;
}

/** Stripe's own default: a signature older or newer than this is a replay or a wrong clock. */
export const STRIPE_TOLERANCE_SECONDS = 300;

/** Stripe Checkout for payment, signed webhooks for confirmation, the Refunds API with idempotency keys. */
export class StripeChannel implements PaymentChannel {
  readonly name = 'stripe';
  readonly type = 'stripe';
  readonly payTypes: readonly string[] = ['card'];

  constructor(
    private readonly config: StripeConfig,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  private async call(method: 'GET' | 'POST', path: string, form?: Record<string, string>, idempotencyKey?: string) {
    const response = await channelFetch(
      'Stripe',
      `${this.config.apiBase}${path}`,
      {
        method,
        headers: {
          Authorization: `Bearer ${this.config.secretKey}`,
          ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
          ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
        },
        body: form ? new URLSearchParams(form) : undefined,
      },
      this.fetchImpl,
    );
    return { status: response.status, body: parseJson('Stripe', response.text) };
  }

  /** Stripe charges in the SKU's own currency. */
  takesCurrency(): boolean {
    return true;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    const { status, body } = await this.call(
      'POST',
      '/v1/checkout/sessions',
      {
        mode: 'payment',
        success_url: input.returnUrl,
        cancel_url: input.returnUrl,
        client_reference_id: input.orderNo,
        'line_items[0][quantity]': '1',
        'line_items[0][price_data][currency]': input.currency.toLowerCase(),
        'line_items[0][price_data][unit_amount]': String(input.amountCents),
        'line_items[0][price_data][product_data][name]': input.subject,
        'metadata[orderNo]': input.orderNo,
        'payment_intent_data[metadata][orderNo]': input.orderNo,
        // Stripe lets a session live 30 minutes at least; closeTrade expires it at the order's deadline.
        expires_at: String(Math.ceil(Math.max(input.expiresAt.getTime(), Date.now() + MIN_SESSION_LIFE_MS) / 1000)),
      },
      `checkout-${input.orderNo}`,
    );
    if (status >= 400 || typeof body.url !== 'string')
      throw new ChannelRequestError(`Stripe refused the checkout session: ${body.error?.message ?? status}`, false);
    return { payUrl: body.url, channelRef: typeof body.id === 'string' ? body.id : undefined };
  }

  parseNotification(request: RawNotification): ParsedNotification {
    const reject = (reason: string, eventKey?: string, orderNo?: string): ParsedNotification => ({
      verdict: 'rejected',
      reason,
      eventKey,
      orderNo,
      payload: {},
    });
    const header = request.headers['stripe-signature'];
    if (!header) return reject('missing Stripe-Signature');
    const parts = header.split(',').map((p) => p.split('='));
    const t = parts.find(([k]) => k === 't')?.[1];
    const signatures = parts.filter(([k]) => k === 'v1').map(([, v]) => v ?? '');
    if (!t || !/^\d+$/.test(t) || signatures.length === 0) return reject('malformed Stripe-Signature');
    const expected = createHmac('sha256', this.config.webhookSecret).update(`${t}.`).update(request.rawBody).digest();
    const matches = signatures.some((s) => /^[0-9a-f]{64}$/.test(s) && timingSafeEqual(expected, Buffer.from(s, 'hex')));
    if (!matches) return reject('signature mismatch');
    if (Math.abs(this.now() / 1000 - Number(t)) > STRIPE_TOLERANCE_SECONDS) return reject('timestamp outside the tolerance window');

    let event: any;
    try {
      event = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      return reject('body is not JSON');
    }
    const object = event?.data?.object;
    if (typeof event?.id !== 'string' || typeof event.type !== 'string' || !object) return reject('not a Stripe event');
    const orderNo: string | undefined = object.metadata?.orderNo ?? object.client_reference_id ?? undefined;
    const payload = { id: event.id, type: event.type, object: object.id, orderNo };
    let paid = false;
    let tradeNo: unknown;
    let amount: unknown;
    if (event.type === 'payment_intent.succeeded') {
      paid = object.status === 'succeeded';
      tradeNo = object.id;
      amount = object.amount_received;
    } else if (event.type === 'checkout.session.completed') {
      paid = object.payment_status === 'paid';
      tradeNo = object.payment_intent;
      amount = object.amount_total;
    }
    if (!paid)
      return {
        verdict: 'verified',
        eventKey: event.id,
        orderNo: orderNo ?? '',
        tradeNo: String(object.id),
        amountCents: 0,
        currency: '',
        paid: false,
        payload,
      };
    if (!orderNo || typeof tradeNo !== 'string' || !Number.isSafeInteger(amount) || typeof object.currency !== 'string') {
      return reject('payment event without orderNo metadata, payment intent, amount or currency', event.id, orderNo);
    }
    return {
      verdict: 'verified',
      eventKey: event.id,
      orderNo,
      tradeNo,
      amountCents: amount as number,
      currency: object.currency.toUpperCase(),
      paid: true,
      paidAt: typeof event.created === 'number' ? notifiedAt(event.created * 1000) : undefined,
      payload,
    };
  }

  reply(accepted: boolean): ChannelReply {
    return accepted
      ? { status: 200, contentType: 'application/json', body: '{"received":true}' }
      : { status: 400, contentType: 'application/json', body: '{"received":false}' };
  }

  async queryTrade(orderNo: string): Promise<TradeStatus> {
    const query = new URLSearchParams({ query: `metadata['orderNo']:'${orderNo}'` });
    const { status, body } = await this.call('GET', `/v1/payment_intents/search?${query}`);
    if (status >= 400) throw new ChannelRequestError(`Stripe search failed: ${body.error?.message ?? status}`, false);
    const succeeded = (body.data ?? []).find((pi: any) => pi.status === 'succeeded');
    if (!succeeded) return { found: (body.data ?? []).length > 0, paid: false };
    return { found: true, paid: true, tradeNo: succeeded.id, amountCents: succeeded.amount_received, currency: String(succeeded.currency).toUpperCase() };
  }

  /** Expires the Checkout Session at the order's deadline; Stripe refuses once it was paid. */
  async closeTrade(orderNo: string, sessionId?: string): Promise<void> {
    if (!sessionId) return;
    const { status, body } = await this.call('POST', `/v1/checkout/sessions/${encodeURIComponent(sessionId)}/expire`, {});
    if (status >= 400) throw new ChannelRequestError(`Stripe could not expire the checkout session of ${orderNo}: ${body.error?.message ?? status}`, false);
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const { status, body } = await this.call(
      'POST',
      '/v1/refunds',
      {
        payment_intent: request.tradeNo,
        amount: String(request.amountCents),
        'metadata[orderNo]': request.orderNo,
        'metadata[reason]': request.reason.slice(0, 500),
      },
      request.idempotencyKey,
    );
    if (status < 400) return { outcome: 'succeeded', refundNo: body.id };
    if (body.error?.code === 'charge_already_refunded') return { outcome: 'succeeded' };
    return { outcome: 'refused', reason: `Stripe refused the refund: ${body.error?.message ?? status}` };
  }
}
