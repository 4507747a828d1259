import { createPublicKey, createSign, randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { AlipaySdk } from 'alipay-sdk';
import { Aes, Rsa } from 'wechatpay-axios-plugin';
import { adminHeaders, createSkuWithKeys, paymentSignals, request, startStack, waitFor, waitForStatus, type Stack } from '../support/stack';
import { checkInvariants } from '../../src/invariants/check';
import { uniqueSku } from '../support/config';
import { startChannelPeers, type ChannelPeers, type PeerTrade } from '../support/channel-peers';

type Channel = 'alipay' | 'stripe' | 'wechatpay';

describe('Alipay, Stripe and WeChat Pay end to end (SDK-signed notifications, local channel hosts)', () => {
  let peers: ChannelPeers;
  let stack: Stack;
  const stripe = new Stripe('sk_test_unused_0123456789');

  beforeAll(async () => {
    peers = await startChannelPeers();
    stack = await startStack({ env: { ...peers.env, RESTOCK_WAIT: '0', PAYMENT_POLL_INTERVAL: '0' } });
  });
  afterAll(async () => {
    await stack.stop();
    await peers.close();
  });

  async function order(channel: Channel, sku: string) {
    const response = await request('POST', `${stack.api.url}/api/orders`, { json: { sku, quantity: 1, email: `${channel}@example.com`, channel } });
    expect(response.status).toBe(201);
    return response.body as { orderNo: string; payUrl: string; amountCents: number; accessToken: string };
  }

  /** The channel's own notification for a paid trade, signed the way that channel signs. */
  function notify(channel: Channel, t: PeerTrade) {
    const url = `${stack.api.url}/api/payments/${channel}/notify`;
    if (channel === 'alipay') {
      const params: Record<string, string> = {
        notify_id: `n${randomBytes(8).toString('hex')}`,
        notify_type: 'trade_status_sync',
        notify_time: '2026-11-24 20:00:00',
        app_id: peers.alipay.appId,
        trade_no: t.tradeNo,
        out_trade_no: t.orderNo,
        trade_status: 'TRADE_SUCCESS',
        total_amount: (t.amountCents / 100).toFixed(2),
        charset: 'utf-8',
        version: '1.0',
      };
      const content = Object.keys(params)
        .sort()
        .map((k) => `${k}=${params[k]}`)
        .join('&');
      const signed = { ...params, sign_type: 'RSA2', sign: createSign('RSA-SHA256').update(content).sign(peers.alipay.keys.privateKey, 'base64') };
      expect(
        new AlipaySdk({ appId: peers.alipay.appId, privateKey: peers.alipay.keys.privateKey, alipayPublicKey: peers.alipay.keys.publicKey }).checkNotifySignV2(
          signed,
        ),
      ).toBe(true);
      return request('POST', url, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(signed).toString() });
    }
    if (channel === 'stripe') {
      const payload = JSON.stringify({
        id: `evt_${randomBytes(8).toString('hex')}`,
        object: 'event',
        type: 'payment_intent.succeeded',
        data: {
          object: {
            id: t.tradeNo,
            object: 'payment_intent',
            status: 'succeeded',
            amount_received: t.amountCents,
            currency: 'cny',
            metadata: { orderNo: t.orderNo },
          },
        },
      });
      const header = stripe.webhooks.generateTestHeaderString({ payload, secret: peers.stripe.webhookSecret });
      return request('POST', url, { headers: { 'Content-Type': 'application/json', 'Stripe-Signature': header }, body: payload });
    }
    const nonce = randomBytes(6).toString('hex');
    const ciphertext = Aes.AesGcm.encrypt(
      JSON.stringify({
        mchid: peers.wechat.mchid,
        out_trade_no: t.orderNo,
        transaction_id: t.tradeNo,
        trade_state: 'SUCCESS',
        amount: { total: t.amountCents, currency: 'CNY' },
      }),
      peers.wechat.apiV3Key,
      nonce,
      'transaction',
    );
    const body = JSON.stringify({
      id: `EV-${randomBytes(8).toString('hex')}`,
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: 'encrypt-resource',
      resource: { algorithm: 'AEAD_AES_256_GCM', ciphertext, nonce, associated_data: 'transaction' },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headerNonce = randomBytes(16).toString('hex');
    const signature = Rsa.sign(`${timestamp}\n${headerNonce}\n${body}\n`, Rsa.from(peers.wechat.platform.privateKey, Rsa.KEY_TYPE_PRIVATE));
    return request('POST', url, {
      headers: {
        'Content-Type': 'application/json',
        'Wechatpay-Timestamp': timestamp,
        'Wechatpay-Nonce': headerNonce,
        'Wechatpay-Signature': signature,
        'Wechatpay-Serial': peers.wechat.serial,
      },
      body,
    });
  }

  const ACK: Record<Channel, [number, string]> = { alipay: [200, 'success'], stripe: [200, '{"received":true}'], wechatpay: [204, ''] };

  it('lists every enabled channel when a buyer picks a wrong one', async () => {
    const response = await request('POST', `${stack.api.url}/api/orders`, { json: { sku: 'whatever', quantity: 1, email: 'a@b.co', channel: 'paypal' } });
    expect(response.body.message).toContain('channel must be auto or one of: epay, alipay, stripe, wechatpay');
  });

  it.each(['alipay', 'stripe', 'wechatpay'] as const)("%s: pay URL, signed notification answered in the channel's words, delivered", async (channel) => {
    const sku = uniqueSku(channel);
    await createSkuWithKeys(stack, sku, [`${channel.toUpperCase()}-KEY-1`]);
    const placed = await order(channel, sku);
    if (channel === 'alipay') {
      const params = Object.fromEntries(new URL(placed.payUrl).searchParams);
      expect(params.method).toBe('alipay.trade.page.pay');
      // The page-pay URL is signed with the app key: Alipay's SDK (holding the app public key) agrees.
      const appPublicKey = createPublicKey(peers.env.ALIPAY_PRIVATE_KEY).export({ type: 'spki', format: 'pem' }).toString();
      const appSdk = new AlipaySdk({ appId: peers.alipay.appId, privateKey: peers.alipay.keys.privateKey, alipayPublicKey: appPublicKey });
      expect(appSdk.checkNotifySignV2(params)).toBe(true);
    }
    if (channel === 'stripe') expect(placed.payUrl).toMatch(/^https:\/\/checkout\.stripe\.test\//);
    if (channel === 'wechatpay') expect(placed.payUrl).toBe(`weixin://wxpay/bizpayurl?pr=${placed.orderNo}`);

    const t = peers.pay(placed.orderNo, placed.amountCents);
    const response = await notify(channel, t);
    expect([response.status, response.text]).toEqual(ACK[channel]);
    const delivered = await waitForStatus(stack.db, placed.orderNo, 'DELIVERED');
    expect(delivered.channel).toBe(channel);
    expect(await stack.db.payment.findFirst({ where: { orderNo: placed.orderNo } })).toMatchObject({ channel, tradeNo: t.tradeNo });
  });

  it.each(['alipay', 'stripe', 'wechatpay'] as const)('%s: a forged notification is answered with failure and changes nothing', async (channel) => {
    const sku = uniqueSku(`${channel}-forged`);
    await createSkuWithKeys(stack, sku, ['F-1']);
    const placed = await order(channel, sku);
    // A forgery first: claims a 0.01 payment with no valid signature for this channel.
    const forged = await request('POST', `${stack.api.url}/api/payments/${channel}/notify`, {
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Stripe-Signature': 't=1,v1=00',
        'Wechatpay-Timestamp': '1',
        'Wechatpay-Nonce': 'x',
        'Wechatpay-Signature': 'x',
        'Wechatpay-Serial': peers.wechat.serial,
      },
      body: 'total_amount=0.01&out_trade_no=' + placed.orderNo,
    });
    expect(forged.status).toBe(400);
    if (channel === 'wechatpay') expect(JSON.parse(forged.text)).toMatchObject({ code: 'FAIL' });
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: placed.orderNo } })).status).toBe('AWAITING_PAYMENT');
    // The real notification still gets through afterwards, and it is the only one the order ever heard of.
    const real = await notify(channel, peers.pay(placed.orderNo, placed.amountCents));
    expect(real.status).toBeLessThan(300);
    await waitForStatus(stack.db, placed.orderNo, 'DELIVERED');
    expect(await paymentSignals(stack, placed.orderNo)).toBe(1);
    expect(await stack.db.paymentNotification.count({ where: { channel, verdict: 'REJECTED' } })).toBeGreaterThanOrEqual(1);
  });

  it.each(['alipay', 'stripe', 'wechatpay'] as const)('%s: refunds through the channel with the stable idempotency key when stock ran out', async (channel) => {
    const sku = uniqueSku(`${channel}-refund`);
    await createSkuWithKeys(stack, sku, ['R-1']);
    const placed = await order(channel, sku);
    await stack.db.cardKey.updateMany({ where: { sku }, data: { status: 'VOID' } });
    const t = peers.pay(placed.orderNo, placed.amountCents);
    await notify(channel, t);
    await waitForStatus(stack.db, placed.orderNo, 'REFUNDED');
    expect([...t.refunds.keys()]).toEqual([`refund-${placed.orderNo}-${t.tradeNo}`]);
  });

  it('stripe: a second payment for a delivered order is refunded, the order stays delivered', async () => {
    const sku = uniqueSku('twice');
    await createSkuWithKeys(stack, sku, ['TW-1', 'TW-2']);
    const placed = await order('stripe', sku);
    const first = peers.pay(placed.orderNo, placed.amountCents);
    await notify('stripe', first);
    await waitForStatus(stack.db, placed.orderNo, 'DELIVERED');
    await stack.temporal.workflow.getHandle(`order-${placed.orderNo}`).result();
    // The buyer paid again in another checkout session.
    const second = { ...first, tradeNo: `pi_second_${placed.orderNo}`, refunds: new Map<string, string>() };
    peers.trades.set(`${placed.orderNo}-second`, second);
    await notify('stripe', second);
    await waitFor(
      async () => (await stack.db.refund.findFirst({ where: { orderNo: placed.orderNo, status: 'SUCCEEDED' } })) ?? undefined,
      'the second payment refunded',
    );
    expect([...second.refunds.keys()]).toEqual([`refund-${placed.orderNo}-${second.tradeNo}`]);
    expect(first.refunds.size).toBe(0);
    const after = await stack.db.order.findUniqueOrThrow({ where: { orderNo: placed.orderNo }, include: { payments: true } });
    expect(after.status).toBe('DELIVERED');
    expect(after.payments.map((p) => p.tradeNo).sort()).toEqual([first.tradeNo, second.tradeNo].sort());
    expect(await stack.db.cardKey.count({ where: { sku, status: 'SOLD' } })).toBe(1);
    expect(await checkInvariants(stack.db, { graceMs: 60_000 })).toEqual([]);

    // A staff refund afterwards returns the payment that settled the order, never the second one again.
    const refunded = await request('POST', `${stack.api.url}/api/admin/orders/${placed.orderNo}/refund`, {
      headers: adminHeaders(),
      json: { note: 'buyer asked' },
    });
    expect(refunded.body.status).toBe('REFUNDED');
    expect([...first.refunds.keys()]).toEqual([`refund-${placed.orderNo}-${first.tradeNo}`]);
    expect(second.refunds.size).toBe(1);
  });

  it('stripe: two late payments arriving together are both settled: one fulfils the order, the other is refunded', async () => {
    const sku = uniqueSku('two-late');
    await createSkuWithKeys(stack, sku, ['TL-1', 'TL-2']);
    const placed = await order('stripe', sku);
    // The order closes first (a buyer cancels), then two checkout sessions' payments arrive at once.
    await request('POST', `${stack.api.url}/api/orders/${placed.orderNo}/cancel`, {
      headers: { Authorization: `Bearer ${(placed as { accessToken?: string }).accessToken}` },
    });
    await waitForStatus(stack.db, placed.orderNo, 'CANCELLED');
    const a = { ...peers.pay(placed.orderNo, placed.amountCents), tradeNo: `pi_late_a_${placed.orderNo}`, refunds: new Map<string, string>() };
    const b = { ...a, tradeNo: `pi_late_b_${placed.orderNo}`, refunds: new Map<string, string>() };
    peers.trades.set(`${placed.orderNo}-a`, a);
    peers.trades.set(`${placed.orderNo}-b`, b);
    await Promise.all([notify('stripe', a), notify('stripe', b)]);
    await waitForStatus(stack.db, placed.orderNo, 'DELIVERED');
    await waitFor(async () => a.refunds.size + b.refunds.size === 1 || undefined, 'the other late payment refunded');
    const payments = await stack.db.payment.findMany({ where: { orderNo: placed.orderNo }, orderBy: { tradeNo: 'asc' } });
    expect(payments.map((p) => p.tradeNo)).toEqual([a.tradeNo, b.tradeNo]);
    expect(payments.filter((p) => p.settles)).toHaveLength(1);
    const settled = payments.find((p) => p.settles)!;
    expect((settled.tradeNo === a.tradeNo ? a : b).refunds.size).toBe(0);
    expect(await stack.db.cardKey.count({ where: { sku, status: 'SOLD' } })).toBe(1);
    expect(await checkInvariants(stack.db, { graceMs: 60_000 })).toEqual([]);
  });

  it('every request Keyflow sent carried a signature the channel host accepted', () => {
    expect(peers.requests.length).toBeGreaterThan(0);
    expect(peers.requests.filter((r) => !r.verified)).toEqual([]);
    expect(peers.requests.filter((r) => r.channel === 'stripe' && r.path === 'refunds').every((r) => r.idempotencyKey?.startsWith('refund-'))).toBe(true);
  });
});

describe('polling each channel when the callback never comes', () => {
  let peers: ChannelPeers;
  let stack: Stack;
  beforeAll(async () => {
    peers = await startChannelPeers();
    stack = await startStack({ env: { ...peers.env, PAYMENT_POLL_INTERVAL: '400ms' } });
  });
  afterAll(async () => {
    await stack.stop();
    await peers.close();
  });

  it.each(['alipay', 'stripe', 'wechatpay'] as const)('%s: the trade query (signed request, verified answer) completes the order', async (channel) => {
    const sku = uniqueSku(`${channel}-poll`);
    await createSkuWithKeys(stack, sku, ['P-1']);
    const response = await request('POST', `${stack.api.url}/api/orders`, { json: { sku, quantity: 1, email: 'poll@example.com', channel } });
    peers.pay(response.body.orderNo, response.body.amountCents);
    await waitForStatus(stack.db, response.body.orderNo, 'DELIVERED', 10_000);
    const paid = await stack.db.orderEvent.findFirstOrThrow({ where: { orderNo: response.body.orderNo, type: 'PAID' } });
    expect(paid.message).toContain('(poll)');
    expect(peers.requests.filter((r) => r.channel === channel && !r.verified)).toEqual([]);
  });
});

describe('the payment deadline closes the trade at the channel', () => {
  let peers: ChannelPeers;
  let stack: Stack;
  beforeAll(async () => {
    peers = await startChannelPeers();
    stack = await startStack({ env: { ...peers.env, PAYMENT_DEADLINE: '1s', PAYMENT_POLL_INTERVAL: '0' } });
  });
  afterAll(async () => {
    await stack.stop();
    await peers.close();
  });

  it.each([
    ['alipay', 'alipay.trade.close'],
    ['wechatpay', '/v3/pay/transactions/out-trade-no/{orderNo}/close'],
  ] as const)('%s: a signed close call, then EXPIRED', async (channel, closePath) => {
    const sku = uniqueSku(`${channel}-close`);
    await createSkuWithKeys(stack, sku, ['X-1']);
    const response = await request('POST', `${stack.api.url}/api/orders`, { json: { sku, quantity: 1, email: 'close@example.com', channel } });
    await waitForStatus(stack.db, response.body.orderNo, 'EXPIRED', 10_000);
    const path = closePath.replace('{orderNo}', response.body.orderNo);
    expect(peers.requests.filter((r) => r.channel === channel && r.path === path)).toEqual([expect.objectContaining({ verified: true })]);
  });
});
