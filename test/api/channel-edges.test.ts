import { createSkuWithKeys, request, startStack, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { startChannelPeers, type ChannelPeers } from '../support/channel-peers';

type Channel = 'alipay' | 'stripe' | 'wechatpay';

// The edges of a payment's life at the channel: the trade lapses with the order, and a buyer who pays
// just as the shop closes the trade is delivered, not left waiting.
describe('payments at the edges (Alipay, Stripe and WeChat Pay peers)', () => {
  let peers: ChannelPeers;
  let stack: Stack;
  beforeAll(async () => {
    peers = await startChannelPeers();
    stack = await startStack({ env: { ...peers.env, PAYMENT_DEADLINE: '2s', PAYMENT_POLL_INTERVAL: '0' } });
  });
  afterAll(async () => {
    await stack.stop();
    await peers.close();
  });

  async function order(channel: Channel) {
    const sku = uniqueSku(`${channel}-edge`);
    await createSkuWithKeys(stack, sku, ['EDGE-1']);
    const response = await request('POST', `${stack.api.url}/api/orders`, { json: { sku, quantity: 1, email: `${channel}-edge@example.com`, channel } });
    expect(response.status).toBe(201);
    return response.body as { orderNo: string; payUrl: string; amountCents: number; expiresAt: string };
  }

  it.each(['alipay', 'wechatpay', 'stripe'] as const)(
    '%s: the buyer pays just as the deadline closes the trade; the channel refuses the close, is asked, and the order is delivered',
    async (channel) => {
      const placed = await order(channel);
      peers.payAtClose.set(placed.orderNo, placed.amountCents);
      const delivered = await waitForStatus(stack.db, placed.orderNo, ['DELIVERED', 'EXPIRED'], 20_000);
      expect(delivered.status).toBe('DELIVERED');
      const paid = await stack.db.orderEvent.findFirstOrThrow({ where: { orderNo: placed.orderNo, type: 'PAID' } });
      expect(paid.message).toContain(peers.trades.get(placed.orderNo)!.tradeNo);
    },
  );

  it('Alipay and WeChat Pay trades lapse with the order (time_expire); a Stripe session lives 30 minutes at least and is expired at the deadline', async () => {
    const alipay = await order('alipay');
    const biz = JSON.parse(new URL(alipay.payUrl).searchParams.get('biz_content')!);
    // Beijing time, as Alipay reads it.
    const beijing = new Date(Date.parse(alipay.expiresAt) + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
    expect(biz.time_expire).toBe(beijing);

    const wechat = await order('wechatpay');
    const created = peers.created.get(wechat.orderNo)!;
    expect(Date.parse(String(created.time_expire))).toBe(Math.floor(Date.parse(wechat.expiresAt) / 1000) * 1000);
    expect(String(created.time_expire)).toMatch(/\+08:00$/);

    const stripe = await order('stripe');
    const session = peers.stripeSessions.get(`cs_test_${stripe.orderNo}`)!;
    expect(session.expiresAt * 1000).toBeGreaterThanOrEqual(Date.now() + 29 * 60_000);
    await waitForStatus(stack.db, stripe.orderNo, 'EXPIRED', 20_000);
    expect(session.expired).toBe(true);
  });
});
