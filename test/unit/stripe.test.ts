import Stripe from 'stripe';
import { StripeChannel } from '../../src/payments/stripe';
import type { RawNotification } from '../../src/payments/channel';

const SECRET = 'whsec_test_0123456789abcdefghijklmnop';
const stripe = new Stripe('sk_test_unused_0123456789');

function event(type = 'payment_intent.succeeded', object: Record<string, unknown> = {}) {
  return JSON.stringify({
    id: 'evt_1QTestEvent0001',
    object: 'event',
    type,
    data: {
      object:
        type === 'checkout.session.completed'
          ? {
              id: 'cs_test_1',
              object: 'checkout.session',
              payment_intent: 'pi_3QTest0001',
              amount_total: 5000,
              currency: 'cny',
              payment_status: 'paid',
              metadata: { orderNo: 'K261124STRIPE1' },
              ...object,
            }
          : {
              id: 'pi_3QTest0001',
              object: 'payment_intent',
              amount_received: 5000,
              currency: 'cny',
              status: 'succeeded',
              metadata: { orderNo: 'K261124STRIPE1' },
              ...object,
            },
    },
  });
}

// Signed by Stripe's own SDK, not by Keyflow.
function request(payload: string, options: { secret?: string; timestamp?: number; header?: string } = {}): RawNotification {
  const header = options.header ?? stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? SECRET, timestamp: options.timestamp });
  return { method: 'POST', query: {}, headers: { 'stripe-signature': header }, rawBody: Buffer.from(payload) };
}

describe('StripeChannel webhooks', () => {
  const channel = new StripeChannel({ secretKey: 'sk_test_x', webhookSecret: SECRET, apiBase: 'http://127.0.0.1:9' });

  it('accepts payment_intent.succeeded and checkout.session.completed signed by the Stripe SDK', () => {
    expect(channel.parseNotification(request(event()))).toMatchObject({
      verdict: 'verified',
      eventKey: 'evt_1QTestEvent0001',
      orderNo: 'K261124STRIPE1',
      tradeNo: 'pi_3QTest0001',
      amountCents: 5000,
      currency: 'CNY',
      paid: true,
    });
    expect(channel.parseNotification(request(event('checkout.session.completed')))).toMatchObject({
      verdict: 'verified',
      tradeNo: 'pi_3QTest0001',
      amountCents: 5000,
      paid: true,
    });
  });

  it('treats other events as verified but not paid', () => {
    expect(channel.parseNotification(request(event('payment_intent.payment_failed')))).toMatchObject({ verdict: 'verified', paid: false });
  });

  it.each([
    ['the amount', (p: string) => p.replace('"amount_received":5000', '"amount_received":1')],
    ['the order number', (p: string) => p.replace('K261124STRIPE1', 'K261124STRIPE2')],
    ['the event id', (p: string) => p.replace('evt_1QTestEvent0001', 'evt_1QTestEvent0002')],
    ['the currency', (p: string) => p.replace('"cny"', '"usd"')],
    ['a single space', (p: string) => `${p} `],
  ])('rejects a body with %s changed after signing', (_name, tamper) => {
    const payload = event();
    const signed = request(payload);
    expect(channel.parseNotification({ ...signed, rawBody: Buffer.from(tamper(payload)) })).toMatchObject({
      verdict: 'rejected',
      reason: 'signature mismatch',
    });
  });

  it('rejects another endpoint secret', () => {
    expect(channel.parseNotification(request(event(), { secret: 'whsec_other_secret_000000000000' }))).toMatchObject({
      verdict: 'rejected',
      reason: 'signature mismatch',
    });
  });

  it('rejects stale and future timestamps (300 s window both ways)', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(channel.parseNotification(request(event(), { timestamp: now - 301 }))).toMatchObject({
      verdict: 'rejected',
      reason: 'timestamp outside the tolerance window',
    });
    expect(channel.parseNotification(request(event(), { timestamp: now + 301 }))).toMatchObject({
      verdict: 'rejected',
      reason: 'timestamp outside the tolerance window',
    });
    expect(channel.parseNotification(request(event(), { timestamp: now - 200 })).verdict).toBe('verified');
  });

  it.each([
    ['no header', { header: '' }],
    ['a malformed header', { header: 'garbage' }],
    ['a non-hex v1', { header: `t=${Math.floor(Date.now() / 1000)},v1=zzz` }],
  ])('rejects %s without throwing', (_name, options) => {
    expect(channel.parseNotification(request(event(), options)).verdict).toBe('rejected');
  });

  it('rejects a signed body that is not a payment event it can use', () => {
    expect(channel.parseNotification(request('not json')).verdict).toBe('rejected');
    expect(channel.parseNotification(request(event('payment_intent.succeeded', { metadata: {} })))).toMatchObject({
      verdict: 'rejected',
      reason: expect.stringContaining('without orderNo'),
    });
  });
});
