import { createSign } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { AlipayChannel, rawMember } from '../../src/payments/alipay';
import type { RawNotification } from '../../src/payments/channel';
import { rsaPair } from '../support/keys';

const alipayKeys = rsaPair(); // Alipay's own pair: it signs notifications
const appKeys = rsaPair(); // the merchant's pair
const APP_ID = '2021000000000001';

// The published RSA2 recipe, run through Node's crypto: sorted k=v& of all but sign/sign_type.
function signNotify(params: Record<string, string>, privateKey = alipayKeys.privateKey): Record<string, string> {
  const content = Object.keys(params)
    .filter((k) => params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return { ...params, sign_type: 'RSA2', sign: createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64') };
}

function notifyParams(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    notify_time: '2026-11-24 20:00:00',
    notify_type: 'trade_status_sync',
    notify_id: 'ac05099524730693a8b330c5ecf72da9786',
    app_id: APP_ID,
    charset: 'utf-8',
    version: '1.0',
    trade_no: '2026112422001404460500000001',
    out_trade_no: 'K261124ALIPAY01',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '88.88',
    subject: 'Steam ¥88 × 1',
    gmt_payment: '2026-11-24 19:59:58',
    ...overrides,
  };
}

const post = (params: Record<string, string>): RawNotification => ({
  method: 'POST',
  query: {},
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  rawBody: Buffer.from(new URLSearchParams(params).toString()),
});

describe('AlipayChannel notifications', () => {
  const channel = new AlipayChannel({
    appId: APP_ID,
    privateKey: appKeys.privateKey,
    alipayPublicKey: alipayKeys.publicKey,
    gatewayUrl: 'http://127.0.0.1:9/gateway.do',
  });
  const sdk = new AlipaySdk({ appId: APP_ID, privateKey: appKeys.privateKey, alipayPublicKey: alipayKeys.publicKey });

  it('signs test notifications exactly as the official SDK verifies them', () => {
    expect(sdk.checkNotifySignV2(signNotify(notifyParams()))).toBe(true);
    expect(sdk.checkNotifySignV2({ ...signNotify(notifyParams()), total_amount: '0.01' })).toBe(false);
  });

  it('accepts a valid notification (TRADE_SUCCESS and TRADE_FINISHED)', () => {
    expect(channel.parseNotification(post(signNotify(notifyParams())))).toMatchObject({
      verdict: 'verified',
      eventKey: 'ac05099524730693a8b330c5ecf72da9786',
      orderNo: 'K261124ALIPAY01',
      tradeNo: '2026112422001404460500000001',
      amountCents: 8888,
      currency: 'CNY',
      paid: true,
    });
    expect(channel.parseNotification(post(signNotify(notifyParams({ trade_status: 'TRADE_FINISHED' }))))).toMatchObject({ verdict: 'verified', paid: true });
    expect(channel.parseNotification(post(signNotify(notifyParams({ trade_status: 'WAIT_BUYER_PAY' }))))).toMatchObject({ verdict: 'verified', paid: false });
  });

  it.each(Object.keys(notifyParams()))('rejects a tampered %s', (field) => {
    const params = signNotify(notifyParams());
    params[field] = field === 'total_amount' ? '0.01' : `${params[field]}0`;
    expect(channel.parseNotification(post(params))).toMatchObject({ verdict: 'rejected' });
  });

  it('rejects a notification signed with another key, and another app', () => {
    expect(channel.parseNotification(post(signNotify(notifyParams(), appKeys.privateKey)))).toMatchObject({
      verdict: 'rejected',
      reason: 'signature mismatch',
    });
    expect(channel.parseNotification(post(signNotify(notifyParams({ app_id: '2021999999999999' }))))).toMatchObject({
      verdict: 'rejected',
      reason: 'app_id is not this merchant',
    });
  });

  it.each([
    ['an empty body', Buffer.alloc(0)],
    ['garbage', Buffer.from('%%%&&&===')],
    ['JSON', Buffer.from('{"trade_status":"TRADE_SUCCESS"}')],
    ['a non-base64 sign', Buffer.from(new URLSearchParams({ ...notifyParams(), sign: '!!!' }).toString())],
  ])('rejects %s without throwing', (_name, rawBody) => {
    const parsed = channel.parseNotification({ method: 'POST', query: {}, headers: {}, rawBody });
    expect(parsed.verdict).toBe('rejected');
  });

  it('answers exactly success / fail', () => {
    expect(channel.reply(true).body).toBe('success');
    expect(channel.reply(false)).toMatchObject({ status: 400, body: 'fail' });
  });

  it('finds the signed JSON member of a response verbatim', () => {
    const text = '{"alipay_trade_query_response":{"code":"10000","msg":"Success","nested":{"a":"}"}},"sign":"x"}';
    expect(rawMember(text, 'alipay_trade_query_response')).toBe('{"code":"10000","msg":"Success","nested":{"a":"}"}}');
  });
});
