import { createSign, randomBytes } from 'node:crypto';
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlipaySdk } from 'alipay-sdk';
import { Rsa } from 'wechatpay-axios-plugin';
import { rsaPair } from './keys';

/**
 * Local stand-ins for the Alipay, Stripe and WeChat Pay hosts. They check Keyflow's request
 * signatures with the channels' own SDKs and sign their answers by the published recipes, so
 * the adapters' outbound calls are exercised against code this project did not write.
 */
export interface PeerTrade {
  orderNo: string;
  tradeNo: string;
  amountCents: number;
  paid: boolean;
  refunds: Map<string, string>;
}

export interface ChannelPeers {
  url: string;
  env: Record<string, string>;
  alipay: { keys: { privateKey: string; publicKey: string }; appId: string };
  stripe: { webhookSecret: string };
  wechat: { platform: { privateKey: string; publicKey: string }; apiV3Key: string; mchid: string; serial: string };
  trades: Map<string, PeerTrade>;
  requests: Array<{ channel: string; path: string; idempotencyKey?: string; verified: boolean }>;
  /** The buyer pays at the channel (a trade is opened if the channel had none, as with Alipay page pay). */
  pay(orderNo: string, amountCents: number): PeerTrade;
  /** Orders whose buyer pays (this amount) just as the shop closes the trade: the close finds it paid and is refused. */
  payAtClose: Map<string, number>;
  /** Stripe Checkout Sessions expired by the shop, and the expires_at each was created with. */
  stripeSessions: Map<string, { expiresAt: number; expired: boolean }>;
  /** What each WeChat Pay trade was created with (Alipay's page pay is a URL the buyer opens). */
  created: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startChannelPeers(): Promise<ChannelPeers> {
  const alipayKeys = rsaPair();
  const appKeys = rsaPair();
  const platform = rsaPair();
  const merchant = rsaPair();
  const appId = '2021000000000042';
  const mchid = '1900000042';
  const apiV3Key = randomBytes(16).toString('hex');
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  const trades = new Map<string, PeerTrade>();
  const requests: ChannelPeers['requests'] = [];
  const payAtClose: ChannelPeers['payAtClose'] = new Map();
  const stripeSessions: ChannelPeers['stripeSessions'] = new Map();
  const created: ChannelPeers['created'] = new Map();
  /** A close that finds the trade paid is refused, as the channels refuse it. */
  const closeFinds = (orderNo: string): 'paid' | 'open' => {
    const amount = payAtClose.get(orderNo);
    if (amount !== undefined) trade(orderNo, amount).paid = true;
    return trades.get(orderNo)?.paid ? 'paid' : 'open';
  };
  const trade = (orderNo: string, amountCents: number) => {
    if (!trades.has(orderNo)) trades.set(orderNo, { orderNo, tradeNo: `T${randomBytes(6).toString('hex')}`, amountCents, paid: false, refunds: new Map() });
    return trades.get(orderNo)!;
  };

  const app = express();
  const alipaySdk = new AlipaySdk({ appId, privateKey: alipayKeys.privateKey, alipayPublicKey: appKeys.publicKey });

  // ---- Alipay gateway ----
  app.post('/alipay/gateway.do', express.urlencoded({ extended: false }), (req, res) => {
    const params = req.body as Record<string, string>;
    const verified = alipaySdk.checkNotifySignV2(params);
    requests.push({ channel: 'alipay', path: params.method, verified });
    const biz = JSON.parse(params.biz_content ?? '{}');
    const key = `${String(params.method).replace(/\./g, '_')}_response`;
    let body: Record<string, unknown>;
    const t = trades.get(biz.out_trade_no);
    if (!verified) body = { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature' };
    else if (params.method === 'alipay.trade.query')
      body = t
        ? {
            code: '10000',
            msg: 'Success',
            trade_no: t.tradeNo,
            out_trade_no: t.orderNo,
            trade_status: t.paid ? 'TRADE_SUCCESS' : 'WAIT_BUYER_PAY',
            total_amount: (t.amountCents / 100).toFixed(2),
          }
        : { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST' };
    else if (params.method === 'alipay.trade.refund') {
      if (t?.paid) t.refunds.set(biz.out_request_no, biz.refund_amount);
      body = t?.paid
        ? { code: '10000', msg: 'Success', fund_change: 'Y', refund_fee: biz.refund_amount }
        : { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST', sub_msg: 'trade not paid' };
    } else if (params.method === 'alipay.trade.close')
      body =
        closeFinds(biz.out_trade_no) === 'paid'
          ? { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_STATUS_ERROR', sub_msg: '交易状态不合法' }
          : { code: '10000', msg: 'Success' };
    else body = { code: '40004', msg: 'unknown method' };
    const member = JSON.stringify(body);
    const sign = createSign('RSA-SHA256').update(member, 'utf8').sign(alipayKeys.privateKey, 'base64');
    res.type('json').send(`{"${key}":${member},"sign":"${sign}"}`);
  });

  // ---- Stripe API ----
  const stripeAuth = (req: express.Request) => req.get('authorization') === 'Bearer sk_test_keyflow_peer_0000000000';
  app.post('/stripe/v1/checkout/sessions', express.urlencoded({ extended: false }), (req, res) => {
    const orderNo = req.body['metadata[orderNo]'];
    requests.push({ channel: 'stripe', path: 'checkout.sessions', idempotencyKey: req.get('idempotency-key'), verified: stripeAuth(req) });
    trade(orderNo, Number(req.body['line_items[0][price_data][unit_amount]']));
    stripeSessions.set(`cs_test_${orderNo}`, { expiresAt: Number(req.body.expires_at), expired: false });
    res.json({ id: `cs_test_${orderNo}`, url: `https://checkout.stripe.test/c/pay/cs_test_${orderNo}` });
  });
  app.post('/stripe/v1/checkout/sessions/:id/expire', express.urlencoded({ extended: false }), (req, res) => {
    requests.push({ channel: 'stripe', path: 'checkout.sessions.expire', verified: stripeAuth(req) });
    const session = stripeSessions.get(req.params.id);
    if (!session) return res.status(404).json({ error: { code: 'resource_missing', message: 'No such checkout session' } });
    if (closeFinds(req.params.id.replace(/^cs_test_/, '')) === 'paid') {
      return res
        .status(400)
        .json({ error: { code: 'checkout_session_not_expirable', message: 'Only Checkout Sessions with a status of open can be expired.' } });
    }
    session.expired = true;
    res.json({ id: req.params.id, object: 'checkout.session', status: 'expired' });
  });
  app.get('/stripe/v1/payment_intents/search', (req, res) => {
    const orderNo = /metadata\['orderNo'\]:'([^']+)'/.exec(String(req.query.query))?.[1];
    requests.push({ channel: 'stripe', path: 'payment_intents.search', verified: stripeAuth(req) });
    const t = orderNo ? trades.get(orderNo) : undefined;
    res.json({
      object: 'search_result',
      data: t
        ? [
            {
              id: t.tradeNo,
              status: t.paid ? 'succeeded' : 'requires_payment_method',
              amount_received: t.paid ? t.amountCents : 0,
              currency: 'cny',
              metadata: { orderNo },
            },
          ]
        : [],
    });
  });
  app.post('/stripe/v1/refunds', express.urlencoded({ extended: false }), (req, res) => {
    const key = req.get('idempotency-key');
    requests.push({ channel: 'stripe', path: 'refunds', idempotencyKey: key, verified: stripeAuth(req) });
    const t = [...trades.values()].find((x) => x.tradeNo === req.body.payment_intent);
    if (!t?.paid) return res.status(400).json({ error: { code: 'resource_missing', message: 'No such payment_intent' } });
    if (key) t.refunds.set(key, req.body.amount);
    res.json({ id: `re_${key}`, status: 'succeeded', amount: Number(req.body.amount) });
  });

  // ---- WeChat Pay API v3 ----
  const wechat = express.Router();
  wechat.use(express.text({ type: () => true }));
  wechat.use((req, res, next) => {
    const auth = req.get('authorization') ?? '';
    const fields = Object.fromEntries([...auth.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const message = `${req.method}\n${req.originalUrl.replace(/^\/wechat/, '')}\n${fields.timestamp}\n${fields.nonce_str}\n${typeof req.body === 'string' ? req.body : ''}\n`;
    const verified =
      auth.startsWith('WECHATPAY2-SHA256-RSA2048 ') &&
      fields.mchid === mchid &&
      Rsa.verify(message, fields.signature ?? '', Rsa.from(merchant.publicKey, Rsa.KEY_TYPE_PUBLIC));
    requests.push({
      channel: 'wechatpay',
      path: req.path,
      idempotencyKey: typeof req.body === 'string' && req.body ? JSON.parse(req.body).out_refund_no : undefined,
      verified,
    });
    const send = res.json.bind(res);
    // Every answer is signed by the platform key, as WeChat Pay signs its responses.
    res.json = (value: unknown) => {
      const text = value === undefined ? '' : JSON.stringify(value);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = randomBytes(16).toString('hex');
      res.set({
        'Wechatpay-Timestamp': timestamp,
        'Wechatpay-Nonce': nonce,
        'Wechatpay-Serial': 'PEER-PLATFORM-1',
        'Wechatpay-Signature': Rsa.sign(`${timestamp}\n${nonce}\n${text}\n`, Rsa.from(platform.privateKey, Rsa.KEY_TYPE_PRIVATE)),
      });
      return text ? send(value) : (res.end(), res);
    };
    if (!verified) return res.status(401).json({ code: 'SIGN_ERROR', message: 'signature invalid' });
    next();
  });
  wechat.post('/v3/pay/transactions/native', (req, res) => {
    const body = JSON.parse(req.body);
    trade(body.out_trade_no, body.amount.total);
    created.set(body.out_trade_no, body);
    res.json({ code_url: `weixin://wxpay/bizpayurl?pr=${body.out_trade_no}` });
  });
  wechat.get('/v3/pay/transactions/out-trade-no/:orderNo', (req, res) => {
    const t = trades.get(req.params.orderNo);
    if (!t) return res.status(404).json({ code: 'ORDER_NOT_EXIST', message: 'order does not exist' });
    res.json({
      out_trade_no: t.orderNo,
      transaction_id: t.tradeNo,
      trade_state: t.paid ? 'SUCCESS' : 'NOTPAY',
      amount: { total: t.amountCents, currency: 'CNY' },
    });
  });
  wechat.post('/v3/pay/transactions/out-trade-no/:orderNo/close', (req, res) =>
    closeFinds(req.params.orderNo) === 'paid' ? res.status(400).json({ code: 'ORDERPAID', message: '订单已支付' }) : res.status(204).json(undefined),
  );
  wechat.post('/v3/refund/domestic/refunds', (req, res) => {
    const body = JSON.parse(req.body);
    const t = trades.get(body.out_trade_no);
    if (!t?.paid) return res.status(400).json({ code: 'RESOURCE_NOT_EXISTS', message: 'order not paid' });
    t.refunds.set(body.out_refund_no, String(body.amount.refund));
    res.json({ refund_id: `50000${body.out_refund_no.length}`, out_refund_no: body.out_refund_no, status: 'SUCCESS' });
  });
  app.use('/wechat', wechat);

  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    env: {
      ALIPAY_APP_ID: appId,
      ALIPAY_PRIVATE_KEY: appKeys.privateKey,
      ALIPAY_PUBLIC_KEY: alipayKeys.publicKey,
      ALIPAY_GATEWAY_URL: `${url}/alipay/gateway.do`,
      STRIPE_SECRET_KEY: 'sk_test_keyflow_peer_0000000000',
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_BASE: `${url}/stripe`,
      WECHATPAY_MCHID: mchid,
      WECHATPAY_APPID: 'wx00000000000042',
      WECHATPAY_APIV3_KEY: apiV3Key,
      WECHATPAY_PLATFORM_PUBLIC_KEY: platform.publicKey,
      WECHATPAY_PLATFORM_SERIAL: 'PEER-PLATFORM-1',
      WECHATPAY_MERCHANT_PRIVATE_KEY: merchant.privateKey,
      WECHATPAY_MERCHANT_SERIAL: 'PEER-MERCHANT-1',
      WECHATPAY_API_BASE: `${url}/wechat`,
    },
    alipay: { keys: alipayKeys, appId },
    stripe: { webhookSecret },
    wechat: { platform, apiV3Key, mchid, serial: 'PEER-PLATFORM-1' },
    trades,
    requests,
    payAtClose,
    stripeSessions,
    created,
    pay(orderNo, amountCents) {
      const t = trade(orderNo, amountCents);
      t.paid = true;
      return t;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
