import { Client, Connection } from '@temporalio/client';
import {
  adminHeaders,
  createSkuWithKeys,
  payInSandbox,
  placeOrder,
  request,
  startStack,
  setTradeFaults,
  waitFor,
  waitForStatus,
  type Stack,
} from '../support/stack';
import { uniqueSku } from '../support/config';
import { paymentReceivedSignal, statusQuery } from '../../src/workflows/order-messages';
import { orderWorkflowId } from '../../src/workflows/workflow-ids';
import { createOrderWorker } from '../../src/worker/worker';
import { reportPayment } from '../../src/orders/report-payment';
import { temporalConnectionOptions } from '../../src/temporal/connection';

// What an order believes about its payments: only what it can check; refunds go to the payment that
// settled it; and it was paid when the shop first had proof, however late delivery came.
describe('an order believes only payments it can check', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { PAYMENT_DEADLINE: '1m', RESTOCK_WAIT: '0' } });
  });
  afterAll(() => stack.stop());

  const timeline = async (orderNo: string) =>
    (await stack.temporal.workflow.getHandle(orderWorkflowId(orderNo)).query(statusQuery)).timeline.map((t) => t.note);

  it('a paymentReceived signal with the right amount but no verified notification delivers nothing: recorded, counted, ignored', async () => {
    const sku = uniqueSku('forged');
    await createSkuWithKeys(stack, sku, ['FORGED-1']);
    const order = await placeOrder(stack, sku);
    const handle = stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo));
    // Someone who can reach Temporal (and has the payload key) claims a payment the channel never saw.
    await handle.signal(paymentReceivedSignal, { channel: 'epay', tradeNo: 'T-FORGED-1', amountCents: order.amountCents, currency: 'CNY', source: 'poll' });
    await waitFor(async () => (await timeline(order.orderNo)).some((n) => n?.startsWith('ignored a payment report nothing confirms')), 'the forgery ignored');
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).status).toBe('AWAITING_PAYMENT');
    expect(await stack.db.cardKey.count({ where: { sku, status: 'SOLD' } })).toBe(0);
    expect(await stack.db.payment.count({ where: { orderNo: order.orderNo } })).toBe(0);
    expect(await stack.db.orderEvent.count({ where: { orderNo: order.orderNo, type: 'PAYMENT_UNVERIFIED' } })).toBe(1);
    // The real payment still gets through.
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
  });

  it("a signal sent without Keyflow's payload encryption is never believed, and does not stall the order", async () => {
    const sku = uniqueSku('plain');
    await createSkuWithKeys(stack, sku, ['PLAIN-1']);
    const order = await placeOrder(stack, sku);
    const connection = await Connection.connect(temporalConnectionOptions(stack.config));
    try {
      // A client without the codec: the payload reaches Temporal as plain JSON.
      const plain = new Client({ connection, namespace: stack.config.temporal.namespace });
      await plain.workflow.getHandle(orderWorkflowId(order.orderNo)).signal(paymentReceivedSignal, {
        channel: 'epay',
        tradeNo: 'T-PLAIN-1',
        amountCents: order.amountCents,
        currency: 'CNY',
        source: 'callback',
        notificationId: 1,
      });
    } finally {
      await connection.close();
    }
    await waitFor(
      async () => (await timeline(order.orderNo)).some((n) => n === 'ignored a payment signal that is not a readable payment report'),
      'the plain signal ignored',
    );
    expect(await stack.db.orderEvent.count({ where: { orderNo: order.orderNo, type: 'PAYMENT_UNVERIFIED' } })).toBe(1);
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
  });

  it('a payment reconciliation reports with no notification is checked with the channel before it is believed', async () => {
    const sku = uniqueSku('recon');
    await createSkuWithKeys(stack, sku, ['RECON-1', 'RECON-2']);
    const order = await placeOrder(stack, sku);
    await fetch(order.payUrl);
    await setTradeFaults(stack, order.orderNo, { dropNotifications: true });
    const paid = await request('POST', `${stack.sandboxUrl}/api/trades/${order.orderNo}/pay`);
    const deps = { db: stack.db, temporal: stack.temporal, config: stack.config, clock: () => new Date() };
    await reportPayment(deps, order.orderNo, {
      channel: 'epay',
      tradeNo: paid.body.tradeNo,
      amountCents: order.amountCents,
      currency: 'CNY',
      source: 'reconciliation',
    });
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
  });

  it('paidAt is when the shop first had proof of payment, so paid→delivered shows how late delivery was', async () => {
    const queue = `late-worker-${Date.now()}`;
    const local = await startStack({ worker: false, env: { TEMPORAL_TASK_QUEUE: queue } });
    try {
      const sku = uniqueSku('paidat');
      await createSkuWithKeys(local, sku, ['PAIDAT-1']);
      const order = await placeOrder(local, sku);
      // The callback is stored while no worker runs: delivery waits, the proof of payment does not.
      const before = Date.now();
      await payInSandbox(local, order);
      await waitFor(
        async () => (await local.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).paidAt,
        'paidAt stamped with the stored callback',
      );
      await new Promise((r) => setTimeout(r, 1500));
      const built = await createOrderWorker(local.config);
      const running = built.worker.run();
      try {
        const delivered = await waitForStatus(local.db, order.orderNo, 'DELIVERED');
        expect(delivered.paidAt!.getTime()).toBeGreaterThanOrEqual(before - 5);
        expect(delivered.deliveredAt!.getTime() - delivered.paidAt!.getTime()).toBeGreaterThanOrEqual(1500);
        const view = await request('GET', `${local.api.url}/api/orders/${order.orderNo}?token=${order.accessToken}`);
        expect(Date.parse(view.body.paidAt)).toBe(delivered.paidAt!.getTime());
      } finally {
        built.worker.shutdown();
        await running;
        await built.close();
      }
    } finally {
      await local.stop();
    }
  });
});

describe('Epay refunds, whose call has no idempotency key', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { PAYMENT_DEADLINE: '2s', RESTOCK_WAIT: '0' } });
  });
  afterAll(() => stack.stop());

  it('Epay, whose refund call has no idempotency key, is asked before a refund is sent again: one refund after a lost answer', async () => {
    const sku = uniqueSku('lost-answer');
    await createSkuWithKeys(stack, sku, ['LOST-1']);
    const order = await placeOrder(stack, sku);
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await setTradeFaults(stack, order.orderNo, { loseRefundAnswer: true });
    const refunded = await request('POST', `${stack.api.url}/api/admin/orders/${order.orderNo}/refund`, { headers: adminHeaders(), json: {} });
    expect(refunded.body.status).toBe('REFUNDED');
    const trade = await request('GET', `${stack.sandboxUrl}/api/trades/${order.orderNo}`);
    expect(trade.body).toMatchObject({ status: 'REFUNDED', refundCalls: 1 });
  });
});
