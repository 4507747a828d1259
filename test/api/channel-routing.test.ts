import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminHeaders, createSkuWithKeys, request, startStack, waitFor, waitForStatus, type Stack } from '../support/stack';
import { TEST_SUPPORT_TOKEN, uniqueSku } from '../support/config';
import { startChannelPeers, type ChannelPeers } from '../support/channel-peers';
import { ChannelProber, type ChannelStateChange } from '../../src/channels/prober';
import { createChannelRegistry } from '../../src/payments/registry';
import { createLogger } from '../../src/logging';
import { startChannelNotice } from '../../src/orders/order-runs';
import { startApiServer, type RunningApi } from '../../src/api/server';

const SECRET = 'channel-webhook-secret-0123456789';

// Two real Epay sandbox gateways (epay, epay-b) and the Alipay, Stripe and WeChat Pay peers, routed
// over HTTP by two API servers; health comes from the real prober, driven round by round.
describe('routing new orders around a failing channel instance', () => {
  let peers: ChannelPeers;
  let stack: Stack;
  let second: RunningApi;
  let prober: ChannelProber;
  let hook: http.Server;
  const notices: Array<{ body: Record<string, string>; valid: boolean }> = [];
  const changes: ChannelStateChange[] = [];
  const sku = uniqueSku('route');

  beforeAll(async () => {
    hook = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(req.headers['x-keyflow-signature'] ?? '')) ?? [];
        notices.push({ body: JSON.parse(raw), valid: Boolean(t) && v1 === createHmac('sha256', SECRET).update(`${t}.${raw}`).digest('hex') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    peers = await startChannelPeers();
    stack = await startStack({
      backupGateway: true,
      env: {
        ...peers.env,
        EPAY_B_PAY_TYPES: 'wxpay',
        CHANNEL_PROBE_INTERVAL: '1s',
        // Hundreds of unpaid orders route here; stock holds would refuse them (test/workflow/race.test.ts checks holds).
        STOCK_HOLDS: 'false',
        OPERATOR_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
        OPERATOR_WEBHOOK_SECRET: SECRET,
      },
    });
    // A second API server with its own router and cache: both must route from what Postgres says.
    second = await startApiServer(stack.config, { port: 0, metricsPort: 0, logger: createLogger('api-2', 'silent') });
    prober = new ChannelProber({
      db: stack.db,
      channels: createChannelRegistry(stack.config),
      clock: () => new Date(),
      // Rounds are driven by the test; a short interval only keeps the "probed moments ago" guard out of the way.
      intervalMs: 1,
      logger: createLogger('prober', 'silent'),
      onChange: async (change) => {
        changes.push(change);
        await startChannelNotice({ temporal: stack.temporal, config: stack.config }, change);
      },
    });
    await createSkuWithKeys(
      stack,
      sku,
      Array.from({ length: 120 }, (_, i) => `ROUTE-${i}`),
    );
  });
  afterAll(async () => {
    await second.close();
    await stack.stop();
    await peers.close();
    hook.close();
  });

  const order = (api: string, body: Record<string, unknown>) =>
    request('POST', `${api}/api/orders`, { json: { sku, quantity: 1, email: `route-${Math.random().toString(36).slice(2)}@example.com`, ...body } });
  const setFault = (url: string, faults: Record<string, unknown>) => request('PUT', `${url}/api/faults`, { json: faults });
  const channelsView = async (token?: string) =>
    (await request('GET', `${stack.api.url}/api/admin/channels`, { headers: adminHeaders(token) })).body as Array<Record<string, any>>;
  const state = async (name: string) => (await channelsView()).find((c) => c.name === name)!.state;
  /** Routes `count` auto orders through each API server and counts where they went. */
  async function spread(count: number, body: Record<string, unknown> = { channel: 'auto' }) {
    const seen: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
      for (const api of [stack.api.url, second.url]) {
        const { status, body: placed } = await order(api, body);
        expect(status).toBe(201);
        seen[placed.channel] = (seen[placed.channel] ?? 0) + 1;
      }
    }
    return seen;
  }

  it('probes every instance with a signed query and finds them all answering', async () => {
    expect(await prober.tick()).toBe('probed');
    const view = await channelsView();
    expect(view.map((c) => c.name).sort()).toEqual(['alipay', 'epay', 'epay-b', 'stripe', 'wechatpay']);
    for (const channel of view) {
      expect(channel).toMatchObject({ enabled: true, weight: 1, state: 'healthy', lastProbeOk: true });
      expect(channel.score).toBeGreaterThan(0.5);
    }
    expect(view.find((c) => c.name === 'epay-b')).toMatchObject({ type: 'epay', payTypes: ['wxpay'] });
    expect(view.find((c) => c.name === 'stripe')).toMatchObject({ type: 'stripe', payTypes: ['card'] });
  });

  it('chooses among instances that offer the pay type and take the currency, and says which', async () => {
    const { status, body } = await order(stack.api.url, {});
    expect(status).toBe(201);
    const row = await stack.db.order.findUniqueOrThrow({ where: { orderNo: body.orderNo } });
    expect(row.channel).toBe(body.channel);

    // alipay is offered by epay and the Alipay channel; epay-b offers only wxpay.
    const alipay = await spread(8, { channel: 'auto', payType: 'alipay' });
    expect(Object.keys(alipay).every((name) => ['epay', 'alipay'].includes(name))).toBe(true);
    const card = await spread(3, { payType: 'card' });
    expect(card).toEqual({ stripe: 6 });

    const unknownType = await order(stack.api.url, { payType: 'qqpay' });
    expect(unknownType.status).toBe(409);
    expect(unknownType.body).toMatchObject({ error: 'pay_type_unavailable', message: 'no enabled channel takes pay type qqpay in CNY' });
    const wrongType = await order(stack.api.url, { channel: 'epay-b', payType: 'alipay' });
    expect(wrongType.status).toBe(409);
    expect(wrongType.body.message).toBe('channel epay-b does not take pay type alipay in CNY; channels that do: epay, alipay');
  });

  it('sends no new order to a gateway that stopped answering, in both API servers, and tells the operator', async () => {
    await setFault(stack.sandboxUrl, { down: true });
    await prober.tick();
    expect(await state('epay')).toBe('degraded');
    await prober.tick();
    expect(await state('epay')).toBe('down');
    expect(changes.map((c) => `${c.name}:${c.from}→${c.to}`)).toEqual(['epay:healthy→degraded', 'epay:degraded→down']);

    // Each server's cache is at most two seconds old: wait until both refuse the down instance by name.
    for (const api of [stack.api.url, second.url]) {
      const refused = await waitFor(async () => {
        const answer = await order(api, { channel: 'epay' });
        return answer.status === 503 && answer;
      }, `${api} to see epay down`);
      expect(refused.body).toMatchObject({ error: 'channel_down' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(5);
    }
    const routed = await spread(15, { channel: 'auto', payType: 'wxpay' });
    expect(routed.epay).toBeUndefined();
    expect((routed['epay-b'] ?? 0) + (routed.wechatpay ?? 0)).toBe(30);

    const notice = await waitFor(async () => notices.find((n) => n.body.channel === 'epay' && n.body.state === 'down'), 'the channel.state notice');
    expect(notice.valid).toBe(true);
    expect(notice.body).toMatchObject({ event: 'channel.state', channel: 'epay', state: 'down' });
    expect(notice.body.detail).toContain('epay: degraded → down (2 probes in a row failed)');
  });

  it('refuses before payment, with Retry-After, when no instance for the pay type answers', async () => {
    await setFault(stack.backup!.url, { down: true });
    await prober.tick();
    await prober.tick();
    expect(await state('epay-b')).toBe('down');
    // Only the two Epay instances offer this pay type once WeChat Pay is disabled by staff.
    await request('PUT', `${stack.api.url}/api/admin/channels/wechatpay`, { headers: adminHeaders(), json: { enabled: false } });
    await waitFor(async () => (await order(second.url, { payType: 'wxpay' })).status === 503, 'the second server to see the override');
    const tradesBefore = [
      (await request('GET', `${stack.sandboxUrl}/api/trades`)).body.length,
      (await request('GET', `${stack.backup!.url}/api/trades`)).body.length,
    ];
    const email = `all-down-${Date.now()}@example.com`;
    const refused = await request('POST', `${second.url}/api/orders`, { json: { sku, quantity: 1, email, payType: 'wxpay' } });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe('no_channel_available');
    expect(refused.body.message).toContain('cannot take payment');
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(await stack.db.order.count({ where: { email } })).toBe(0);
    expect([
      (await request('GET', `${stack.sandboxUrl}/api/trades`)).body.length,
      (await request('GET', `${stack.backup!.url}/api/trades`)).body.length,
    ]).toEqual(tradesBefore);
    await request('PUT', `${stack.api.url}/api/admin/channels/wechatpay`, { headers: adminHeaders(), json: { enabled: null } });
  });

  it('brings a recovered instance back through a small share of traffic, then fully', async () => {
    await setFault(stack.sandboxUrl, {});
    await setFault(stack.backup!.url, {});
    await prober.tick();
    await prober.tick();
    expect(await state('epay')).toBe('degraded');
    // A degraded instance still gets orders: with the others disabled, all of them.
    for (const name of ['alipay', 'epay-b']) {
      await request('PUT', `${stack.api.url}/api/admin/channels/${name}`, { headers: adminHeaders(), json: { enabled: false } });
    }
    const trial = await waitFor(async () => {
      const seen = await spread(3, { payType: 'alipay' });
      return seen.epay === 6 && seen;
    }, 'orders at the degraded instance');
    expect(trial).toEqual({ epay: 6 });
    for (let i = 0; i < 3; i++) await prober.tick();
    expect(await state('epay')).toBe('healthy');
    expect(changes.filter((c) => c.name === 'epay').map((c) => c.to)).toEqual(['degraded', 'down', 'degraded', 'healthy']);
  });

  it('lets staff disable or reweigh an instance at runtime, recorded with their name; null clears it', async () => {
    const put = await request('PUT', `${stack.api.url}/api/admin/channels/epay`, { headers: adminHeaders(TEST_SUPPORT_TOKEN), json: { enabled: false } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'epay', enabled: false });
    const refused = await waitFor(async () => {
      const answer = await order(second.url, { channel: 'epay' });
      return answer.status === 409 && answer;
    }, 'the second server to see the override');
    expect(refused.body).toMatchObject({ error: 'channel_disabled' });
    expect(refused.body.message).toBe('channel epay is disabled; enabled channels: stripe, wechatpay');

    const audit = await stack.db.staffAudit.findMany({ where: { target: 'epay' }, orderBy: { id: 'asc' } });
    expect(audit.at(-1)).toMatchObject({ staff: 'alice', action: 'channel.override', detail: { after: { enabled: false, weight: null } } });

    // Everything back to the environment's values; then weight 0 takes an instance out of routing only.
    for (const name of ['epay', 'alipay', 'epay-b']) {
      await request('PUT', `${stack.api.url}/api/admin/channels/${name}`, { headers: adminHeaders(), json: { enabled: null } });
    }
    expect(await stack.db.channelOverride.count()).toBe(0);
    for (const name of ['epay', 'epay-b', 'wechatpay'])
      await request('PUT', `${stack.api.url}/api/admin/channels/${name}`, { headers: adminHeaders(), json: { weight: 0 } });
    const zero = await waitFor(async () => {
      const answer = await order(second.url, { payType: 'wxpay' });
      return answer.status !== 201 && answer;
    }, 'weight 0 to apply');
    expect(zero.status).toBe(409);
    expect(zero.body.message).toBe('every enabled channel that takes pay type wxpay in CNY has weight 0; staff can give one a weight');
    const named = await order(second.url, { channel: 'epay-b' });
    expect(named.status).toBe(201);

    const bad = await request('PUT', `${stack.api.url}/api/admin/channels/epay`, { headers: adminHeaders(), json: { weight: -1 } });
    expect(bad.status).toBe(400);
    const unknown = await request('PUT', `${stack.api.url}/api/admin/channels/paypal`, { headers: adminHeaders(), json: { enabled: true } });
    expect(unknown.status).toBe(404);
  });

  it('keeps an order placed at an instance that fails: it is delivered once the instance is back', async () => {
    for (const name of ['epay', 'epay-b', 'wechatpay'])
      await request('PUT', `${stack.api.url}/api/admin/channels/${name}`, { headers: adminHeaders(), json: { weight: null } });
    const placed = await order(stack.api.url, { channel: 'epay' });
    expect(placed.status).toBe(201);
    await fetch(placed.body.payUrl);
    await setFault(stack.sandboxUrl, { down: true });
    // The buyer paid just before the gateway went down; its notification waits for the gateway.
    const paying = request('POST', `${stack.sandboxUrl}/api/trades/${placed.body.orderNo}/pay`);
    await new Promise((r) => setTimeout(r, 500));
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: placed.body.orderNo } })).status).toBe('AWAITING_PAYMENT');
    await setFault(stack.sandboxUrl, {});
    expect((await paying).body.acknowledged).toBe(true);
    const delivered = await waitForStatus(stack.db, placed.body.orderNo, 'DELIVERED');
    expect(delivered.channel).toBe('epay');
  });
});
