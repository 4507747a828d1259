import { orderWorkflow } from '../../src/workflows/order';
import type { OrderRunInput } from '../../src/workflows/types';
import { WorkflowFailedError } from '@temporalio/client';
import { paymentReceivedSignal, statusQuery } from '../../src/workflows/order-messages';
import { orderWorkflowId } from '../../src/workflows/workflow-ids';
import { createSkuWithKeys, payInSandbox, placeOrder, request, startStack, setTradeFaults, waitFor, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { createPaymentActivities } from '../../src/activities/payment';
import { createDeliveryActivities } from '../../src/activities/delivery';
import type { ActivityDeps } from '../../src/activities';
import { deliverAtOnce } from '../../src/activities/delivery-at-once';
import { observeTransitions } from '../../src/db/order-transition';
import { createOrderWorker } from '../../src/worker/worker';
import { prewarmWorkflow } from '../../src/workflows/prewarm';

describe('OrderWorkflow on the real dev server, Postgres, sandbox gateway and SMTP sink', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { PAYMENT_DEADLINE: '3s', RESTOCK_WAIT: '0' } });
  });
  afterAll(() => stack.stop());

  it('delivers the keys after payment and emails the buyer', async () => {
    const sku = uniqueSku();
    await createSkuWithKeys(stack, sku, ['KEY-A1', 'KEY-A2', 'KEY-A3']);
    const order = await placeOrder(stack, sku, 2, 'deliver@example.com');
    expect(order.status).toBe('AWAITING_PAYMENT');

    await payInSandbox(stack, order);
    const delivered = await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    expect(delivered.paidAt).not.toBeNull();
    expect(delivered.deliveredAt).not.toBeNull();

    const keys = await stack.db.cardKey.findMany({ where: { orderNo: order.orderNo }, orderBy: { id: 'asc' } });
    expect(keys.map((k) => k.status)).toEqual(['SOLD', 'SOLD']);
    const mail = await waitFor(async () => stack.sink.messages().find((m) => m.to === 'deliver@example.com'), 'delivery email');
    expect(mail.text).toContain('KEY-A1');
    expect(mail.text).toContain('KEY-A2');
    expect(mail.text).not.toContain('KEY-A3');
    expect(mail.text).toContain(`/orders/${order.orderNo}?token=`);

    const handle = stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo));
    expect(await handle.result()).toEqual({ status: 'DELIVERED' });
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(`${order.orderNo} · 2 × Test ${sku} · epay`);
    expect(await description.staticDetails()).toContain(`2 × Test ${sku} (${sku}) · 20 CNY · epay`);
    const view = await handle.query(statusQuery);
    expect(view.timeline.map((t) => t.status)).toEqual(['AWAITING_PAYMENT', 'PAID', 'DELIVERED']);
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).emailedAt).not.toBeNull();
  });

  it('keeps card-key plaintext out of the workflow history, and every payload encrypted', async () => {
    const sku = uniqueSku();
    await createSkuWithKeys(stack, sku, ['PLAINTEXT-SECRET-777']);
    const order = await placeOrder(stack, sku);
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    const handle = stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo));
    await handle.result();
    const history = await handle.fetchHistory();
    const raw = JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    expect(raw).not.toContain('PLAINTEXT-SECRET-777');
    const payloads: Array<{ metadata?: Record<string, Uint8Array> }> = [];
    const collect = (value: unknown): void => {
      if (!value || typeof value !== 'object') return;
      if (Array.isArray(value)) return value.forEach(collect);
      const record = value as Record<string, unknown>;
      if (Array.isArray(record.payloads)) payloads.push(...(record.payloads as typeof payloads));
      Object.entries(record).forEach(([key, child]) => key !== 'searchAttributes' && collect(child));
    };
    collect(history.events);
    // The SDK core writes its own marker bookkeeping (patch ids; local activity type, attempt and
    // timing) without the codec. Nothing else may be plain, and that bookkeeping holds no order data.
    const CORE_MARKER_FIELDS = new Set([
      'id',
      'deprecated',
      'seq',
      'attempt',
      'activity_id',
      'activity_type',
      'complete_time',
      'backoff',
      'original_schedule_time',
    ]);
    const plain = payloads.filter((p) => Buffer.from(p.metadata!.encoding).toString() !== 'binary/encrypted');
    for (const payload of plain) {
      const fields = Object.keys(JSON.parse(Buffer.from((payload as { data: Uint8Array }).data).toString()));
      expect(fields.filter((f) => !CORE_MARKER_FIELDS.has(f))).toEqual([]);
    }
    // Encrypted: the order's input, the payment signal, each step's result (delivery, email), the run's result.
    expect(payloads.length - plain.length).toBeGreaterThanOrEqual(5);
  });

  it('expires an unpaid order at the deadline', async () => {
    const sku = uniqueSku();
    await createSkuWithKeys(stack, sku, ['KEY-E1']);
    const order = await placeOrder(stack, sku);
    const expired = await waitForStatus(stack.db, order.orderNo, 'EXPIRED', 15_000);
    expect(expired.closedAt).not.toBeNull();
    const key = await stack.db.cardKey.findFirstOrThrow({ where: { sku } });
    expect(key.status).toBe('AVAILABLE');
    const result = await stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo)).result();
    expect(result.status).toBe('EXPIRED');
  });

  it('keeps no workflow stack traces by default (WORKFLOW_STACK_TRACES=off): the Stack Trace query says so; with it on, the query answers', async () => {
    expect(stack.config.workflowStackTraces).toBe(false);
    const sku = uniqueSku();
    await createSkuWithKeys(stack, sku, ['KEY-ST1']);
    const order = await placeOrder(stack, sku);
    const waiting = stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo));
    await expect(waiting.query('__stack_trace')).rejects.toThrow(/stack traces are not enabled/);
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');

    const taskQueue = `${stack.config.temporal.taskQueue}-traced`;
    const traced = await createOrderWorker({ ...stack.config, workflowStackTraces: true, temporal: { ...stack.config.temporal, taskQueue } });
    try {
      const answered = await traced.worker.runUntil(async () => {
        const run = await stack.temporal.workflow.start(prewarmWorkflow, { workflowId: `stack-trace-${sku}`, taskQueue, args: [{ sku, connections: 1 }] });
        await run.result();
        return run.query<string>('__stack_trace');
      });
      expect(typeof answered).toBe('string');
    } finally {
      await traced.close();
    }
  });

  it('delivers once when the same payment is signalled five times at once', async () => {
    const sku = uniqueSku();
    await createSkuWithKeys(stack, sku, ['KEY-D1', 'KEY-D2']);
    const order = await placeOrder(stack, sku);
    const handle = stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo));
    // Paid at the gateway, its callback lost; the same report then arrives five times (reconciliation, relays).
    await fetch(order.payUrl);
    await setTradeFaults(stack, order.orderNo, { dropNotifications: true });
    const { tradeNo } = await payInSandbox(stack, order);
    const report = { channel: 'epay', tradeNo, amountCents: order.amountCents, currency: 'CNY', source: 'reconciliation' as const };
    await Promise.all(Array.from({ length: 5 }, () => handle.signal(paymentReceivedSignal, report)));
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await handle.result();
    expect(await stack.db.payment.count({ where: { orderNo: order.orderNo } })).toBe(1);
    expect(await stack.db.cardKey.count({ where: { orderNo: order.orderNo } })).toBe(1);
    expect(await stack.db.cardKey.count({ where: { sku, status: 'AVAILABLE' } })).toBe(1);
  });

  it('re-running the payment step of a delivered order (a retried workflow task) changes nothing', async () => {
    const sku = uniqueSku();
    await createSkuWithKeys(
      stack,
      sku,
      Array.from({ length: 10 }, (_, i) => `KEY-RR${i}`),
    );
    const order = await placeOrder(stack, sku);
    await payInSandbox(stack, order);
    await stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo)).result();
    const payment = await stack.db.payment.findFirstOrThrow({ where: { orderNo: order.orderNo } });
    const { recordPayment } = createPaymentActivities({ db: stack.db, clock: () => new Date() } as unknown as ActivityDeps);
    const report = {
      channel: payment.channel,
      tradeNo: payment.tradeNo,
      amountCents: payment.amountCents,
      currency: payment.currency,
      source: 'callback' as const,
    };
    const proof = { kind: 'poll' as const };
    await expect(recordPayment({ orderNo: order.orderNo, payment: report, proof })).resolves.toBe('already');
    expect(await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).toMatchObject({ status: 'DELIVERED' });
    expect(await stack.db.payment.count({ where: { orderNo: order.orderNo } })).toBe(1);
    // Another trade is not a re-run: a second payment for a settled order, kept (to be given back), never settling it.
    await expect(recordPayment({ orderNo: order.orderNo, payment: { ...report, tradeNo: `${report.tradeNo}-2` }, proof })).resolves.toBe('second');
    expect(await stack.db.payment.findMany({ where: { orderNo: order.orderNo }, select: { tradeNo: true, settles: true }, orderBy: { id: 'asc' } })).toEqual([
      { tradeNo: report.tradeNo, settles: true },
      { tradeNo: `${report.tradeNo}-2`, settles: false },
    ]);
    await stack.db.payment.deleteMany({ where: { tradeNo: `${report.tradeNo}-2` } });

    // An order already PAID (its move done, say, by a run that died after it) still keeps the payment, as the one that settles it.
    const paid = await stack.db.order.create({
      data: {
        orderNo: `${order.orderNo}P`,
        sku,
        quantity: 1,
        unitPriceCents: 1,
        amountCents: 1,
        currency: 'CNY',
        email: 'p@example.com',
        channel: 'epay',
        status: 'PAID',
        expiresAt: new Date(),
      },
    });
    await expect(recordPayment({ orderNo: paid.orderNo, payment: { ...report, tradeNo: `${report.tradeNo}-P`, amountCents: 1 }, proof })).resolves.toBe(
      'recorded',
    );
    expect(await stack.db.payment.findMany({ where: { orderNo: paid.orderNo }, select: { tradeNo: true } })).toEqual([{ tradeNo: `${report.tradeNo}-P` }]);
    expect(await stack.db.order.findUniqueOrThrow({ where: { orderNo: paid.orderNo } })).toMatchObject({ status: 'PAID' });
    // Not a real order (no workflow): gone again before other files check the invariants of this database.
    await stack.db.$transaction([
      stack.db.payment.deleteMany({ where: { orderNo: paid.orderNo } }),
      stack.db.orderEvent.deleteMany({ where: { orderNo: paid.orderNo } }),
      stack.db.order.delete({ where: { orderNo: paid.orderNo } }),
    ]);
  });

  it('the one-step delivery: short of stock it records only the payment; once delivered, a re-run returns the same keys and writes nothing', async () => {
    const sku = uniqueSku();
    await createSkuWithKeys(stack, sku, []);
    // An order row with no workflow, so nothing else acts on it while the step is called directly.
    const order = await stack.db.order.create({
      data: {
        orderNo: `OS${Date.now()}`,
        sku,
        quantity: 1,
        unitPriceCents: 1000,
        amountCents: 1000,
        currency: 'CNY',
        email: 'os@example.com',
        channel: 'epay',
        status: 'AWAITING_PAYMENT',
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    const { deliverPayment } = createDeliveryActivities({ db: stack.db, clock: () => new Date() } as unknown as ActivityDeps);
    const request = {
      orderNo: order.orderNo,
      sku,
      quantity: 1,
      payment: { channel: 'epay', tradeNo: `T-${order.orderNo}`, amountCents: 1000, currency: 'CNY', source: 'callback' as const },
      proof: { kind: 'poll' as const },
    };
    const eventTypes = async () => (await stack.db.orderEvent.findMany({ where: { orderNo: order.orderNo }, orderBy: { id: 'asc' } })).map((e) => e.type);
    try {
      await expect(deliverPayment(request)).resolves.toEqual({ delivered: false, available: 0 });
      expect(await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).toMatchObject({ status: 'PAID' });
      expect(await stack.db.payment.count({ where: { orderNo: order.orderNo } })).toBe(1);
      expect(await eventTypes()).toEqual(['PAID']);

      await createSkuWithKeys(stack, sku, ['KEY-OS1', 'KEY-OS2']);
      const first = await deliverPayment({ ...request, lowStockThreshold: 5 });
      expect(first).toMatchObject({ delivered: true, remaining: 1 });
      const keyIds = 'delivered' in first && first.delivered ? first.keyIds : [];
      expect(await stack.db.cardKey.findMany({ where: { orderNo: order.orderNo }, select: { id: true, status: true } })).toEqual([
        { id: keyIds[0], status: 'SOLD' },
      ]);
      expect(await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).toMatchObject({ status: 'DELIVERED' });
      const events = await eventTypes();
      expect(events).toEqual(['PAID', 'KEYS_RESERVED', 'DELIVERED']);

      // A retried workflow task runs the step again: same keys, nothing new written.
      await expect(deliverPayment(request)).resolves.toEqual({ delivered: true, keyIds, remaining: -1 });
      expect(await eventTypes()).toEqual(events);
      expect(await stack.db.payment.count({ where: { orderNo: order.orderNo } })).toBe(1);
      expect(await stack.db.cardKey.count({ where: { sku, status: 'AVAILABLE' } })).toBe(1);
    } finally {
      // Not a real order (no workflow): gone again before other files check the invariants of this database.
      await stack.db.$transaction([
        stack.db.cardKey.deleteMany({ where: { sku } }),
        stack.db.payment.deleteMany({ where: { orderNo: order.orderNo } }),
        stack.db.orderEvent.deleteMany({ where: { orderNo: order.orderNo } }),
        stack.db.order.delete({ where: { orderNo: order.orderNo } }),
      ]);
    }
  });

  it('a paid order with its keys in stock is delivered in one statement, with the rows the step-by-step path writes; anything else writes nothing', async () => {
    const sku = uniqueSku();
    await createSkuWithKeys(stack, sku, ['KEY-AO1', 'KEY-AO2', 'KEY-AO3']);
    const orderNo = `AO${Date.now()}`;
    await stack.db.order.create({
      data: {
        orderNo,
        sku,
        quantity: 2,
        unitPriceCents: 500,
        amountCents: 1000,
        currency: 'CNY',
        email: 'ao@example.com',
        channel: 'epay',
        status: 'AWAITING_PAYMENT',
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    const seenAt = new Date(Date.now() - 5_000);
    const payment = { channel: 'epay', tradeNo: `T-${orderNo}`, amountCents: 1000, currency: 'CNY', source: 'callback' as const, seenAt: seenAt.toISOString() };
    const request = { orderNo, sku, quantity: 2, lowStockThreshold: 5, payment, proof: { kind: 'poll' as const } };
    const moves: string[] = [];
    const stopObserving = observeTransitions((t, order) => moves.push(`${t.to} ${order.channel}`));
    const untouched = async () => {
      expect(await stack.db.order.findUniqueOrThrow({ where: { orderNo } })).toMatchObject({ status: 'AWAITING_PAYMENT', paidAt: null });
      expect(await stack.db.cardKey.count({ where: { sku, status: 'AVAILABLE' } })).toBe(3);
      expect(await stack.db.orderEvent.count({ where: { orderNo } })).toBe(0);
      expect(moves).toEqual([]);
    };
    try {
      // A callback's report the inbox does not confirm (no such notification).
      await expect(deliverAtOnce(stack.db, { ...request, proof: { kind: 'inbox', notificationId: 2_000_000_000 } }, new Date())).resolves.toBeUndefined();
      await untouched();
      // More keys than the SKU has.
      await expect(deliverAtOnce(stack.db, { ...request, quantity: 4 }, new Date())).resolves.toBeUndefined();
      await untouched();
      // The trade recorded before: the unique violation undoes the whole statement.
      await stack.db.payment.create({ data: { orderNo, channel: 'epay', tradeNo: payment.tradeNo, amountCents: 1000, currency: 'CNY' } });
      await expect(deliverAtOnce(stack.db, request, new Date())).resolves.toBeUndefined();
      await untouched();
      await stack.db.payment.deleteMany({ where: { orderNo } });

      const at = new Date();
      const delivery = await deliverAtOnce(stack.db, request, at);
      const sold = await stack.db.cardKey.findMany({
        where: { orderNo },
        select: { id: true, status: true, reservedAt: true, soldAt: true },
        orderBy: { id: 'asc' },
      });
      expect(delivery).toEqual({ delivered: true, keyIds: sold.map((k) => k.id), remaining: 1 });
      expect(sold).toEqual(sold.map(({ id }) => ({ id, status: 'SOLD', reservedAt: at, soldAt: at })));
      expect(await stack.db.order.findUniqueOrThrow({ where: { orderNo } })).toMatchObject({
        status: 'DELIVERED',
        statusReason: null,
        paidAt: seenAt,
        deliveredAt: at,
      });
      expect(await stack.db.payment.findMany({ where: { orderNo }, select: { tradeNo: true, settles: true, amountCents: true } })).toEqual([
        { tradeNo: payment.tradeNo, settles: true, amountCents: 1000 },
      ]);
      expect((await stack.db.orderEvent.findMany({ where: { orderNo }, orderBy: { id: 'asc' } })).map((e) => [e.type, e.message])).toEqual([
        ['PAID', `epay trade ${payment.tradeNo} (callback)`],
        ['KEYS_RESERVED', '2 key(s) reserved'],
        ['DELIVERED', '2 key(s) issued'],
      ]);
      expect(moves).toEqual(['PAID epay', 'DELIVERED epay']);
      // Delivered: a re-run is the general path's to answer.
      await expect(deliverAtOnce(stack.db, request, new Date())).resolves.toBeUndefined();
      expect(await stack.db.cardKey.count({ where: { sku, status: 'AVAILABLE' } })).toBe(1);
    } finally {
      stopObserving();
      // Not a real order (no workflow): gone again before other files check the invariants of this database.
      await stack.db.$transaction([
        stack.db.cardKey.deleteMany({ where: { sku } }),
        stack.db.payment.deleteMany({ where: { orderNo } }),
        stack.db.orderEvent.deleteMany({ where: { orderNo } }),
        stack.db.order.delete({ where: { orderNo } }),
      ]);
    }
  });

  it('a mail outage delays only the email: DELIVERED at once, the email once the server is back', async () => {
    const sku = uniqueSku();
    await createSkuWithKeys(
      stack,
      sku,
      Array.from({ length: 10 }, (_, i) => `KEY-M${i}`),
    );
    // One mail first, so the worker's pooled SMTP connection is open when the outage starts.
    const before = await placeOrder(stack, sku, 1, 'before-outage@example.com');
    await payInSandbox(stack, before);
    await waitFor(async () => stack.sink.messages().find((m) => m.to === 'before-outage@example.com'), 'the email before the outage');
    const order = await placeOrder(stack, sku, 1, 'outage@example.com');
    stack.sink.setFaults({ down: true });
    try {
      await payInSandbox(stack, order);
      const delivered = await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
      expect(delivered.emailedAt).toBeNull();
      // A few tries were refused (the witness that the email was tried during the outage), none got through.
      const refusedBefore = stack.sink.refused();
      await waitFor(async () => stack.sink.refused() >= refusedBefore + 2, 'two refused tries of the email');
      expect(stack.sink.messages().filter((m) => m.to === 'outage@example.com')).toHaveLength(0);
    } finally {
      stack.sink.setFaults({});
    }
    const mail = await waitFor(async () => stack.sink.messages().find((m) => m.to === 'outage@example.com'), 'the email after the outage', 20_000);
    expect(mail.text).toMatch(/KEY-M\d/);
    expect(await stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo)).result()).toMatchObject({ status: 'DELIVERED' });
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).emailedAt).not.toBeNull();
  });

  it('an address the mail server refuses for good ends the email there: the run completes, the timeline and the status query say why', async () => {
    const sku = uniqueSku();
    await createSkuWithKeys(stack, sku, ['KEY-R1']);
    const order = await placeOrder(stack, sku, 1, 'nobody@mailbox.invalid');
    await payInSandbox(stack, order);
    const handle = stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo));
    // Before, the email was retried every few minutes for ever and the run never closed.
    const result = await Promise.race([handle.result(), new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
    expect(result).toMatchObject({ status: 'DELIVERED' });
    const rejected = await stack.db.orderEvent.findMany({ where: { orderNo: order.orderNo, type: 'EMAIL_REJECTED' } });
    expect(rejected.map((e) => e.message)).toEqual(["the mail server refused the buyer's address for good (550 5.1.1): the delivery email was not sent"]);
    expect(JSON.stringify(rejected)).not.toContain('nobody@');
    expect((await handle.query(statusQuery)).timeline.map((t) => t.note).join('\n')).toContain('refused the buyer’s address');
    const stored = await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } });
    expect([stored.status, stored.emailedAt]).toEqual(['DELIVERED', null]);
    expect(stack.sink.messages().filter((m) => m.to === 'nobody@mailbox.invalid')).toHaveLength(0);
    // The buyer, on the order page, learns why no email came: in the shop's words, without the server's codes.
    const view = await request('GET', `${stack.api.url}/api/orders/${order.orderNo}?token=${encodeURIComponent(order.accessToken)}`);
    expect(view.body.timeline.map((e: { type: string; message: string }) => [e.type, e.message]).at(-1)).toEqual([
      'EMAIL_REJECTED',
      'email not delivered: the mail server refused the address',
    ]);
  });

  it('refunds at once when stock ran out after payment and RESTOCK_WAIT is 0', async () => {
    const sku = uniqueSku();
    await createSkuWithKeys(stack, sku, ['KEY-S1']);
    const order = await placeOrder(stack, sku, 1, 'nostock@example.com');
    // The only key is withdrawn after the order was placed.
    await stack.db.cardKey.updateMany({ where: { sku }, data: { status: 'VOID', voidedAt: new Date() } });
    await payInSandbox(stack, order);
    const refunded = await waitForStatus(stack.db, order.orderNo, 'REFUNDED');
    expect(refunded.statusReason).toMatch(/out of stock/);
    expect(await stack.db.payment.count({ where: { orderNo: order.orderNo } })).toBe(1);
    expect(await stack.db.refund.findFirst({ where: { orderNo: order.orderNo } })).toMatchObject({ status: 'SUCCEEDED' });
    const mail = await waitFor(async () => stack.sink.messages().find((m) => m.to === 'nostock@example.com'), 'refund email');
    expect(mail.subject).toContain('refunded');
  });

  it('refuses to run an order twice under the same workflow id', async () => {
    const sku = uniqueSku();
    await createSkuWithKeys(stack, sku, ['KEY-R1']);
    const order = await placeOrder(stack, sku);
    const handle = stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo));
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    await expect(
      stack.temporal.workflow.start(orderWorkflow, {
        workflowId: orderWorkflowId(order.orderNo),
        taskQueue: stack.config.temporal.taskQueue,
        args: [{} as OrderRunInput],
      }),
    ).rejects.toThrow(/already started/i);
    await handle.terminate('test cleanup');
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  });
});
