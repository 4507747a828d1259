import { randomBytes } from 'node:crypto';
import { Aes, Rsa } from 'wechatpay-axios-plugin';
import { WechatPayChannel } from '../../src/payments/wechatpay';
import type { RawNotification } from '../../src/payments/channel';
import { rsaPair } from '../support/keys';

const platform = rsaPair();
const merchant = rsaPair();
const APIV3_KEY = 'abcdefghijklmnopqrstuvwxyz012345';
const MCHID = '1900000109';

function transaction(overrides: Record<string, unknown> = {}) {
  return {
    mchid: MCHID,
    appid: 'wx0000000000000001',
    out_trade_no: 'K261124WECHAT1',
    transaction_id: '4200000000202611240000000001',
    trade_state: 'SUCCESS',
    amount: { total: 6600, payer_total: 6600, currency: 'CNY' },
    ...overrides,
  };
}

// Encrypted and signed with the wechatpay-axios-plugin SDK, not with Keyflow's code.
function notification(
  options: { tx?: Record<string, unknown>; eventType?: string; timestamp?: number; key?: string; serial?: string; apiV3Key?: string } = {},
): RawNotification {
  const nonce = randomBytes(6).toString('hex');
  const associated = 'transaction';
  const ciphertext = Aes.AesGcm.encrypt(JSON.stringify(transaction(options.tx)), options.apiV3Key ?? APIV3_KEY, nonce, associated);
  const body = JSON.stringify({
    id: 'EV-2026112400000001',
    create_time: '2026-11-24T20:00:00+08:00',
    resource_type: 'encrypt-resource',
    event_type: options.eventType ?? 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: associated, nonce },
  });
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const headerNonce = randomBytes(16).toString('hex');
  const signature = Rsa.sign(`${timestamp}\n${headerNonce}\n${body}\n`, Rsa.from(options.key ?? platform.privateKey, Rsa.KEY_TYPE_PRIVATE));
  return {
    method: 'POST',
    query: {},
    headers: {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': headerNonce,
      'wechatpay-signature': signature,
      'wechatpay-serial': options.serial ?? 'PLATFORM-SERIAL-1',
    },
    rawBody: Buffer.from(body),
  };
}

describe('WechatPayChannel notifications', () => {
  const channelConfig = {
    mchid: MCHID,
    appid: 'wx0000000000000001',
    apiV3Key: APIV3_KEY,
    platformPublicKey: platform.publicKey,
    platformSerial: 'PLATFORM-SERIAL-1',
    merchantPrivateKey: merchant.privateKey,
    merchantSerial: 'MERCHANT-SERIAL-1',
    apiBase: 'http://127.0.0.1:9',
  };
  const channel = new WechatPayChannel(channelConfig);

  it('accepts a notification signed and encrypted by the SDK', () => {
    expect(channel.parseNotification(notification())).toMatchObject({
      verdict: 'verified',
      eventKey: 'EV-2026112400000001',
      orderNo: 'K261124WECHAT1',
      tradeNo: '4200000000202611240000000001',
      amountCents: 6600,
      currency: 'CNY',
      paid: true,
    });
  });

  it('treats a non-success transaction as verified but not paid', () => {
    expect(channel.parseNotification(notification({ tx: { trade_state: 'NOTPAY' } }))).toMatchObject({ verdict: 'verified', paid: false });
  });

  it('rejects a tampered body, timestamp or nonce', () => {
    const good = notification();
    const tamperedBody = Buffer.from(good.rawBody.toString().replace('TRANSACTION.SUCCESS', 'TRANSACTION.SUCCESS '));
    expect(channel.parseNotification({ ...good, rawBody: tamperedBody })).toMatchObject({ verdict: 'rejected', reason: 'signature mismatch' });
    expect(
      channel.parseNotification({ ...good, headers: { ...good.headers, 'wechatpay-timestamp': String(Number(good.headers['wechatpay-timestamp']) - 1) } }),
    ).toMatchObject({ verdict: 'rejected' });
    expect(channel.parseNotification({ ...good, headers: { ...good.headers, 'wechatpay-nonce': 'other' } })).toMatchObject({
      verdict: 'rejected',
      reason: 'signature mismatch',
    });
  });

  it('rejects another signing key, another serial, another APIv3 key and another merchant', () => {
    expect(channel.parseNotification(notification({ key: merchant.privateKey }))).toMatchObject({ verdict: 'rejected', reason: 'signature mismatch' });
    expect(channel.parseNotification(notification({ serial: 'OTHER' }))).toMatchObject({ verdict: 'rejected', reason: 'unknown platform certificate serial' });
    expect(channel.parseNotification(notification({ apiV3Key: 'zyxwvutsrqponmlkjihgfedcba543210' }))).toMatchObject({
      verdict: 'rejected',
      reason: 'body or resource could not be read',
    });
    expect(channel.parseNotification(notification({ tx: { mchid: '1900000999' } }))).toMatchObject({
      verdict: 'rejected',
      reason: 'mchid is not this merchant',
    });
  });

  it('rejects stale and future timestamps (300 s window)', () => {
    // One fixed instant for the channel and the notifications: a second boundary crossed between them would move the window.
    const fixedMs = Date.now();
    const now = Math.floor(fixedMs / 1000);
    const channel = new WechatPayChannel(channelConfig, fetch, () => fixedMs);
    expect(channel.parseNotification(notification({ timestamp: now - 301 }))).toMatchObject({
      verdict: 'rejected',
      reason: 'timestamp outside the tolerance window',
    });
    expect(channel.parseNotification(notification({ timestamp: now + 301 }))).toMatchObject({
      verdict: 'rejected',
      reason: 'timestamp outside the tolerance window',
    });
  });

  it.each([
    ['no headers', { method: 'POST', query: {}, headers: {}, rawBody: Buffer.from('{}') }],
    [
      'a signed non-JSON body',
      (() => {
        const n = notification();
        return { ...n, rawBody: Buffer.from('x') };
      })(),
    ],
  ])('rejects %s without throwing', (_name, request) => {
    expect(channel.parseNotification(request as RawNotification).verdict).toBe('rejected');
  });

  it('answers 204, or 4xx with the JSON FAIL body', () => {
    expect(channel.reply(true)).toMatchObject({ status: 204, body: '' });
    const fail = channel.reply(false);
    expect(fail.status).toBe(400);
    expect(JSON.parse(fail.body)).toMatchObject({ code: 'FAIL' });
  });
});
