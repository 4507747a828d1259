import { reconcileWorkflow } from '../../src/workflows/reconcile';
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
import { TEST_EPAY, uniqueSku } from '../support/config';
import { signByRecipe } from '../support/epay-recipe';
import { reconcileInput, ensureReconcileSchedule, RECONCILE_SCHEDULE_ID } from '../../src/temporal/schedules';
import type { ReconcileReport } from '../../src/workflows/reconcile';
import { checkInvariants } from '../../src/invariants/check';
import { orderWorkflow } from '../../src/workflows/order';
import type { OrderRunInput } from '../../src/workflows/types';

describe('reconciliation', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      env: { PAYMENT_POLL_INTERVAL: '0', PAYMENT_DEADLINE: '1m', RESTOCK_WAIT: '10m', DELIVERY_SLA: '1s' },
    });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const reconcile = (): Promise<ReconcileReport> =>
    stack.temporal.workflow.execute(reconcileWorkflow, {
      workflowId: `reconcile-test-${Date.now()}`,
      taskQueue: stack.config.temporal.taskQueue,
      args: [{ ...reconcileInput(stack.config), createdGraceMs: 0, deliverySlaMs: 1000 }],
    });

  it('repairs every kind of finding, then a second run finds nothing', async () => {
    // 1. A lost callback with polling off: paid at the channel, the shop never heard.
    const sku = uniqueSku('rec');
    await createSkuWithKeys(stack, sku, ['REC-1', 'REC-2']);
    const lost = await placeOrder(stack, sku);
    await setTradeFaults(stack, lost.orderNo, { dropNotifications: true });
    await payInSandbox(stack, lost);

    // 2. A dead workflow: paid, waiting for stock, then terminated; keys arrive meanwhile.
    const dryRun = uniqueSku('dry');
    await createSkuWithKeys(stack, dryRun, ['DRY-0']);
    const dead = await placeOrder(stack, dryRun);
    await stack.db.cardKey.updateMany({ where: { sku: dryRun }, data: { status: 'VOID' } });
    await payInSandbox(stack, dead);
    await waitForStatus(stack.db, dead.orderNo, 'AWAITING_STOCK');
    await stack.temporal.workflow.getHandle(`order-${dead.orderNo}`).terminate('simulated crash');
    await createSkuWithKeys(stack, dryRun, ['DRY-1']);
    await new Promise((r) => setTimeout(r, 1100));

    // 3. A paid trade for an order the shop never created.
    const ghost = signByRecipe({
      pid: TEST_EPAY.pid,
      type: 'alipay',
      out_trade_no: 'GHOSTORDER1',
      notify_url: `${stack.api.url}/api/payments/epay/notify`,
      return_url: 'http://127.0.0.1/',
      name: 'ghost',
      money: '9.99',
    });
    await setTradeFaults(stack, 'GHOSTORDER1', { dropNotifications: true });
    expect((await fetch(`${stack.sandboxUrl}/submit.php?${new URLSearchParams(ghost)}`)).status).toBe(200);
    await request('POST', `${stack.sandboxUrl}/api/trades/GHOSTORDER1/pay`);

    // 4. A CREATED order whose workflow never started.
    const skuRow = await stack.db.sku.findUniqueOrThrow({ where: { sku } });
    await stack.db.order.create({
      data: {
        orderNo: 'ORPHAN0001',
        sku,
        quantity: 1,
        unitPriceCents: skuRow.priceCents,
        amountCents: skuRow.priceCents,
        currency: 'CNY',
        email: 'o@example.com',
        channel: 'epay',
        expiresAt: new Date(Date.now() + 60_000),
      },
    });

    const first = await reconcile();
    const kinds = first.findings.map((f) => `${f.kind}:${f.orderNo}:${f.repaired}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        `unrecorded-paid-trade:${lost.orderNo}:true`,
        `paid-not-delivered:${dead.orderNo}:true`,
        'unknown-paid-trade:GHOSTORDER1:false',
        'created-orphan:ORPHAN0001:true',
      ]),
    );
    await waitForStatus(stack.db, lost.orderNo, 'DELIVERED');
    await waitForStatus(stack.db, dead.orderNo, 'DELIVERED');
    expect((await stack.db.order.findUniqueOrThrow({ where: { orderNo: 'ORPHAN0001' } })).status).toBe('FAILED');

    const second = await reconcile();
    expect(second.repaired).toBe(0);
    expect(second.findings.filter((f) => f.kind !== 'unknown-paid-trade')).toEqual([]);

    const runs = await request('GET', `${stack.api.url}/api/admin/reconciliation/runs`, { headers: adminHeaders() });
    expect(runs.status).toBe(200);
    expect(runs.body.runs[0]).toMatchObject({ id: second.runId, repaired: 0 });
    expect(runs.body.runs[1]).toMatchObject({ id: first.runId, repaired: first.repaired });
    expect(first.repaired).toBeGreaterThanOrEqual(3);
    expect(await checkInvariants(stack.db, { graceMs: 0 })).toEqual([]);
  });

  it('reports a running workflow that holds a stored payment past DELIVERY_SLA, and the alert counts it', async () => {
    const sku = uniqueSku('held');
    await createSkuWithKeys(stack, sku, ['HELD-1']);
    const skuRow = await stack.db.sku.findUniqueOrThrow({ where: { sku } });
    // The shop has had proof of payment for ten minutes, and the order's run has not moved: it runs on a
    // task queue no worker polls (a run stuck in a retry looks the same from outside).
    const order = await stack.db.order.create({
      data: {
        orderNo: 'HELDORDER1',
        sku,
        quantity: 1,
        unitPriceCents: skuRow.priceCents,
        amountCents: skuRow.priceCents,
        currency: 'CNY',
        email: 'held@example.com',
        channel: 'epay',
        status: 'AWAITING_PAYMENT',
        expiresAt: new Date(Date.now() + 3_600_000),
        paidAt: new Date(Date.now() - 10 * 60_000),
      },
    });
    const stuck = await stack.temporal.workflow.start(orderWorkflow, {
      workflowId: `order-${order.orderNo}`,
      taskQueue: `nobody-polls-${Date.now()}`,
      args: [{} as OrderRunInput],
    });
    try {
      const report = await reconcile();
      expect(report.findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'payment-held', orderNo: order.orderNo, repaired: false })]));
      const metrics = await (await fetch(stack.api.metricsUrl)).text();
      expect(metrics).toMatch(/keyflow_reconciliation_findings_total\{kind="payment-held",repaired="false"\} [1-9]/);
    } finally {
      await stuck.terminate('test cleanup');
    }
  });

  it('is created as a Schedule idempotently, overlap SKIP, and runs when triggered', async () => {
    const client = stack.temporal;
    const config = { ...stack.config, reconcileIntervalMs: 3_600_000 };
    try {
      expect(await ensureReconcileSchedule(client, config)).toBe('created');
      expect(await ensureReconcileSchedule(client, { ...config, reconcileIntervalMs: 1_800_000 })).toBe('updated');
      const handle = client.schedule.getHandle(RECONCILE_SCHEDULE_ID);
      const description = await handle.describe();
      expect(description.policies.overlap).toBe('SKIP');
      expect(description.spec.intervals?.[0].every).toBe(1_800_000);
      const before = await stack.db.reconciliationRun.count();
      await handle.trigger();
      await waitFor(async () => (await stack.db.reconciliationRun.count({ where: { finishedAt: { not: null } } })) > before, 'a scheduled run', 30_000);
    } finally {
      await client.schedule
        .getHandle(RECONCILE_SCHEDULE_ID)
        .delete()
        .catch(() => undefined);
    }
  });
});
