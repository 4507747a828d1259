import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminHeaders, createSkuWithKeys, payInSandbox, placeOrder, request, startStack, waitFor, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { orderWorkflowId } from '../../src/workflows/workflow-ids';
import { BuyerEmailKey } from '../../src/workflows/search-attributes';
import { DegradeController } from '../../src/degrade/degrade-controller';
import { DeferredEmailSender } from '../../src/degrade/deferred-emails';
import { createLogger } from '../../src/logging';
import type { OrderView } from '../../src/workflows/types';

describe('the degrade switch', () => {
  let stack: Stack;
  let hook: http.Server;
  const notices: Array<{ event: string; orderNo: string }> = [];
  const setSwitch = (json: object) => request('PUT', `${stack.api.url}/api/admin/degrade`, { headers: adminHeaders(), json });
  const timeline = async (orderNo: string) => {
    const view = await stack.temporal.workflow.getHandle(orderWorkflowId(orderNo)).query<OrderView>('status');
    return view.timeline.map((e) => e.note ?? '');
  };
  const mailsFor = (orderNo: string) => stack.sink.messages().filter((m) => m.subject.includes(orderNo));

  beforeAll(async () => {
    hook = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        notices.push(JSON.parse(raw));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    stack = await startStack({
      env: {
        OPERATOR_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
        OPERATOR_WEBHOOK_SECRET: 'degrade-webhook-secret-0123456789',
        LOW_STOCK_THRESHOLD: '5',
      },
    });
  });
  afterEach(async () => {
    await setSwitch({ mode: 'auto', level: 'normal' });
  });
  afterAll(async () => {
    await stack.stop();
    hook.close();
  });

  it('is read and set by staff only, says what each level leaves out, and audits who set it', async () => {
    expect((await request('GET', `${stack.api.url}/api/admin/degrade`)).status).toBe(401);
    const initial = await request('GET', `${stack.api.url}/api/admin/degrade`, { headers: adminHeaders() });
    expect(initial.body).toMatchObject({ level: 'normal', mode: 'auto', leavesOut: [] });
    expect(Object.keys(initial.body.levels)).toEqual(['normal', 'lean', 'essential']);

    const noLevel = await setSwitch({ mode: 'manual' });
    expect(noLevel.status).toBe(400);
    expect(noLevel.body.message).toMatch(/manual mode needs a level/);
    expect((await setSwitch({ mode: 'manual', level: 'frugal' })).status).toBe(400);
    expect((await setSwitch({ mode: 'auto', extra: 1 })).status).toBe(400);
    expect((await setSwitch({ mode: 'manual', level: 'lean', reason: 'sale\u0000' })).body.message).toMatch(/control characters/);

    const set = await setSwitch({ mode: 'manual', level: 'lean', reason: 'sale at noon' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ level: 'lean', mode: 'manual', reason: 'sale at noon' });
    expect(set.body.leavesOut.join(' ')).toMatch(/low-stock notices/);
    const audit = await stack.db.staffAudit.findFirst({ where: { action: 'degrade.set' }, orderBy: { id: 'desc' } });
    expect(audit?.detail).toEqual({ before: { level: 'normal', mode: 'auto' }, after: { level: 'lean', mode: 'manual' } });

    const metrics = await (await fetch(stack.api.metricsUrl)).text();
    expect(metrics).toMatch(/^keyflow_degrade_level\{mode="manual"\} 1$/m);
    // ADMISSION=off here: no admission rate at all, rather than a rate of 0/s.
    expect(metrics).not.toMatch(/^keyflow_admission_rate_per_second/m);
  });

  it('lean: a sale into low stock starts no operator notice, and says so on the timeline', async () => {
    const sku = uniqueSku('lean');
    await createSkuWithKeys(stack, sku, ['LEAN-1', 'LEAN-2']);
    await setSwitch({ mode: 'manual', level: 'lean' });
    const lean = await placeOrder(stack, sku);
    await setSwitch({ mode: 'auto', level: 'normal' });
    const normal = await placeOrder(stack, sku);
    for (const order of [lean, normal]) {
      await payInSandbox(stack, order);
      await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    }
    // The order placed at normal tells the operator; the one placed at lean, paid at the same time, does not.
    await waitFor(async () => notices.some((n) => n.orderNo === normal.orderNo), 'the normal order’s low-stock notice');
    expect(notices.filter((n) => n.orderNo === lean.orderNo)).toEqual([]);
    expect(await timeline(lean.orderNo)).toContain('low-stock notice left out (degrade level lean)');
    // Both buyers got their keys by email: lean defers no email.
    await waitFor(async () => mailsFor(lean.orderNo).length === 1 && mailsFor(normal.orderNo).length === 1, 'both delivery emails');
  });

  it('essential: the keys are delivered at once and the email follows when the level is lower again', async () => {
    const sku = uniqueSku('essential');
    await createSkuWithKeys(
      stack,
      sku,
      Array.from({ length: 10 }, (_, i) => `ESS-${i}`),
    );
    await setSwitch({ mode: 'manual', level: 'essential' });
    const order = await placeOrder(stack, sku);
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo)).result();
    expect(await timeline(order.orderNo)).toContain('delivery email deferred (degrade level essential); the keys are on the order page');
    expect(mailsFor(order.orderNo)).toEqual([]);
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).emailedAt).toBeNull();

    // Half a minute on, still essential: the sender waits.
    const later = () => new Date(Date.now() + 31_000);
    const sender = new DeferredEmailSender({ ...stack, clock: later, logger: createLogger('test', 'silent'), intervalMs: 1 });
    expect(await sender.step()).toBe(0);
    await setSwitch({ mode: 'auto', level: 'normal' });
    expect(await sender.step()).toBe(1);
    await waitFor(async () => mailsFor(order.orderNo).length === 1, 'the deferred delivery email');
    expect(mailsFor(order.orderNo)[0].text).toMatch(/ESS-\d/);
    await waitFor(async () => (await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).emailedAt, 'emailedAt');
    // Sent once: the next step finds nothing to send.
    expect(await sender.step()).toBe(0);
  });

  it('deferred emails: an address the mail server refuses for good is tried by one batch, then never handed over again', async () => {
    const sku = uniqueSku('refused');
    await createSkuWithKeys(stack, sku, ['REF-1']);
    await setSwitch({ mode: 'manual', level: 'essential' });
    const order = await placeOrder(stack, sku, 1, 'gone@mailbox.invalid');
    await payInSandbox(stack, order);
    await stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo)).result();
    await setSwitch({ mode: 'auto', level: 'normal' });
    const later = () => new Date(Date.now() + 31_000);
    const sender = new DeferredEmailSender({ ...stack, clock: later, logger: createLogger('test', 'silent'), intervalMs: 1 });
    expect(await sender.step()).toBe(1);
    const refused = () => stack.db.orderEvent.count({ where: { orderNo: order.orderNo, type: 'EMAIL_REJECTED' } });
    await waitFor(async () => (await refused()) === 1, 'the refusal on the timeline');
    // Another worker's sender (its own backoff, an hour on) finds nothing to send.
    const another = new DeferredEmailSender({ ...stack, clock: () => new Date(Date.now() + 3_600_000), logger: createLogger('test', 'silent'), intervalMs: 1 });
    expect(await another.step()).toBe(0);
    expect(await refused()).toBe(1);
  });

  it('staff change a refused address: the delivery email still owed goes to the new one, once; the timeline keeps both addresses', async () => {
    const sku = uniqueSku('changed');
    await createSkuWithKeys(stack, sku, ['CHG-1', 'CHG-2']);
    const order = await placeOrder(stack, sku, 1, 'typo@mailbox.invalid');
    await payInSandbox(stack, order);
    await stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo)).result();
    expect(await stack.db.orderEvent.count({ where: { orderNo: order.orderNo, type: 'EMAIL_REJECTED' } })).toBe(1);
    const sender = new DeferredEmailSender({ ...stack, clock: () => new Date(Date.now() + 31_000), logger: createLogger('test', 'silent'), intervalMs: 1 });
    expect(await sender.step()).toBe(0);

    const change = (json: object, orderNo = order.orderNo, headers: Record<string, string> = adminHeaders()) =>
      request('POST', `${stack.api.url}/api/admin/orders/${orderNo}/email`, { headers, json });
    expect((await change({ email: 'right@example.com' }, order.orderNo, {})).status).toBe(401);
    expect((await change({ email: 'not an address' })).status).toBe(400);
    expect((await change({ email: 'right@example.com', to: 'x@example.com' })).status).toBe(400);
    expect((await change({ email: 'right@example.com' }, 'NOSUCHORDER1')).status).toBe(404);
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).email).toBe('typo@mailbox.invalid');

    const changed = await change({ email: ' Right@Example.com ', note: 'buyer called' });
    expect(changed.body).toEqual({ orderNo: order.orderNo, email: 'right@example.com', changed: true, deliveryEmailOwed: true, runTold: false });
    expect((await change({ email: 'right@example.com' })).body).toMatchObject({ changed: false });
    const events = await stack.db.orderEvent.findMany({ where: { orderNo: order.orderNo, type: 'EMAIL_CHANGED' } });
    expect(events.map((e) => [e.actor, e.message])).toEqual([
      [expect.stringMatching(/^staff:/), "buyer's email changed from typo@mailbox.invalid to right@example.com: buyer called"],
    ]);

    // The old address's refusal no longer counts: the sender hands the email over, and only once.
    expect(await sender.step()).toBe(1);
    const mail = await waitFor(
      async () => stack.sink.messages().find((m) => m.to === 'right@example.com' && m.subject.includes(order.orderNo)),
      'the delivery email',
    );
    expect(mail.text).toContain('CHG-1');
    await waitFor(async () => (await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).emailedAt, 'emailedAt');
    expect(await sender.step()).toBe(0);
    // The buyer's page says the shop changed the address, in the shop's words.
    const view = await request('GET', `${stack.api.url}/api/orders/${order.orderNo}?token=${encodeURIComponent(order.accessToken)}`);
    expect(view.body.timeline.map((e: { type: string; message: string }) => [e.type, e.message])).toContainEqual([
      'EMAIL_CHANGED',
      'email address updated by the shop',
    ]);

    // An order whose run is still open: the Web UI finds it by the new address too.
    const live = await placeOrder(stack, sku, 1, 'before@example.com');
    expect((await change({ email: 'after@example.com' }, live.orderNo)).body).toMatchObject({ changed: true, deliveryEmailOwed: false, runTold: true });
    const shown = async () => (await stack.temporal.workflow.getHandle(orderWorkflowId(live.orderNo)).describe()).typedSearchAttributes.get(BuyerEmailKey);
    await waitFor(async () => (await shown()) === 'after@example.com', 'the new address in the run’s search attributes');
  });

  it('deferred emails: an order with a run still open is left to that run, and emailed by a batch once it has closed', async () => {
    const sku = uniqueSku('open-run');
    await createSkuWithKeys(stack, sku, []);
    const orderNo = `DEGOPEN${String(Date.now()).slice(-8)}`;
    // A follow-up run no worker picks up (nobody polls its queue) stands for one still at work on the order.
    const follower = await stack.temporal.workflow.start('supportActionWorkflow', {
      taskQueue: `nobody-${orderNo}`,
      workflowId: `order-${orderNo}-resend-test`,
      args: [],
    });
    const now = Date.now();
    await stack.db.order.create({
      data: {
        ...{ orderNo, sku, quantity: 1, unitPriceCents: 100, amountCents: 100, currency: 'CNY', email: 'open@example.com', channel: 'epay' },
        ...{
          status: 'DELIVERED',
          expiresAt: new Date(now),
          paidAt: new Date(now - 60_000),
          deliveredAt: new Date(now - 60_000),
          workflowId: follower.workflowId,
        },
      },
    });
    const sender = new DeferredEmailSender({ ...stack, clock: () => new Date(), logger: createLogger('test', 'silent'), intervalMs: 1 });
    const listed = async () => {
      for await (const run of stack.temporal.workflow.list({ query: `WorkflowId = '${follower.workflowId}'` })) return run;
      return undefined;
    };
    await waitFor(listed, 'the run in visibility');
    expect(await sender.step()).toBe(0);
    await follower.terminate('test over');
    await waitFor(async () => (await sender.step()) === 1, 'the order handed to a batch once its run has closed');
    await waitFor(async () => mailsFor(orderNo).length === 1, 'the deferred delivery email');
  });

  it('auto: steps up at once when deliveries lag, holds a staff setting, and steps down one level after a calm spell', async () => {
    const thresholds = { leanAtMs: 30_000, essentialAtMs: 120_000, calmMs: 20_000 };
    let now = new Date();
    const controller = new DegradeController({ db: stack.db, thresholds, clock: () => now, logger: createLogger('test', 'silent'), intervalMs: 1 });
    const sku = uniqueSku('auto');
    await createSkuWithKeys(stack, sku, []);
    // A payment 150 s old and not yet delivered: the worst lag there is.
    await stack.db.order.create({
      data: {
        orderNo: `DEGLAG${String(Date.now()).slice(-8)}`,
        sku,
        quantity: 1,
        unitPriceCents: 100,
        amountCents: 100,
        currency: 'CNY',
        email: 'lag@example.com',
        channel: 'epay',
        status: 'PAID',
        expiresAt: new Date(now.getTime() + 60_000),
        paidAt: new Date(now.getTime() - 150_000),
      },
    });
    expect(await controller.tick()).toMatchObject({ level: 'essential' });
    const status = await request('GET', `${stack.api.url}/api/admin/degrade`, { headers: adminHeaders() });
    expect(status.body).toMatchObject({ level: 'essential', mode: 'auto', changedBy: 'auto' });
    expect(status.body.reason).toMatch(/delivery lag 150 s over 120 s/);

    // Staff hold a level: auto leaves it alone.
    await setSwitch({ mode: 'manual', level: 'lean' });
    expect(await controller.tick()).toBe('manual');
    await setSwitch({ mode: 'auto' });

    // The lag gone: lean is held for the calm spell, then normal; never straight from a spike.
    await stack.db.order.deleteMany({ where: { sku } });
    expect(await controller.tick()).toMatchObject({ level: 'lean' });
    now = new Date(now.getTime() + 10_000);
    expect(await controller.tick()).toMatchObject({ level: 'lean' });
    now = new Date(now.getTime() + 15_000);
    expect(await controller.tick()).toMatchObject({ level: 'normal' });
  });
});
