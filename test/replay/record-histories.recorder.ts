import { reconcileWorkflow } from '../../src/workflows/reconcile';
import { archiveWorkflow } from '../../src/workflows/archive';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { adminHeaders, createSkuWithKeys, payInSandbox, placeOrder, request, startStack, setTradeFaults, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { paidNotification } from '../support/epay-recipe';
import { REPLAY_KEY_HEX, REPLAY_KEY_ID } from './replay-key';
import { paymentReceivedSignal } from '../../src/workflows/order-messages';
import { startDeferredDeliveryEmails, startLatePayment, startRecovery } from '../../src/orders/order-runs';
import { DEFERRED_EMAILS_WORKFLOW_ID } from '../../src/workflows/workflow-ids';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracedStack } from '../support/traced-stack';

// One folder per shape of history production may hold (docs/versioning.md). No default: recording
// today's code over a released generation would silently drop the shape it keeps under replay.
const GENERATION = process.env.HISTORY_GENERATION;
if (!GENERATION) {
  throw new Error('set HISTORY_GENERATION to the folder under test/replay/histories/ to record into (before the first release: the one there is)');
}
const OUT = path.join(__dirname, 'histories', GENERATION);
mkdirSync(OUT, { recursive: true });

async function save(stack: Stack, name: string, workflowId: string) {
  const handle = stack.temporal.workflow.getHandle(workflowId);
  await handle.result().catch(() => undefined);
  const history = await handle.fetchHistory();
  writeFileSync(path.join(OUT, `${name}.json`), historyToJSON(history) + '\n');
  // Child workflow ids derive from the workflow id, so replay needs the original one.
  const indexFile = path.join(OUT, 'workflow-ids.json');
  const index = existsSync(indexFile) ? JSON.parse(readFileSync(indexFile, 'utf8')) : {};
  index[name] = workflowId;
  writeFileSync(indexFile, JSON.stringify(index, Object.keys(index).sort(), 2) + '\n');
}

async function fresh(stack: Stack, keys = 1) {
  const sku = uniqueSku('replay');
  await createSkuWithKeys(
    stack,
    sku,
    Array.from({ length: keys }, (_, i) => `REPLAY-${sku}-${i}`),
  );
  return sku;
}

const RECORDING_ENV = { PAYLOAD_ENCRYPTION_KEYS: `${REPLAY_KEY_ID}=${REPLAY_KEY_HEX}`, PAYMENT_DEADLINE: '2s', PAYMENT_POLL_INTERVAL: '0', RESTOCK_WAIT: '2s' };

describe('record workflow histories for the replay corpus', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: RECORDING_ENV });
  });
  afterAll(() => stack.stop());

  it('delivered', async () => {
    const order = await placeOrder(stack, await fresh(stack));
    await payInSandbox(stack, order);
    await save(stack, 'delivered', `order-${order.orderNo}`);
  });

  it('expired (polling off)', async () => {
    const order = await placeOrder(stack, await fresh(stack));
    await save(stack, 'expired', `order-${order.orderNo}`);
  });

  it('duplicate payment', async () => {
    const order = await placeOrder(stack, await fresh(stack, 2));
    const handle = stack.temporal.workflow.getHandle(`order-${order.orderNo}`);
    const report = { channel: 'epay', tradeNo: 'T-REPLAY-DUP', amountCents: order.amountCents, currency: 'CNY', source: 'callback' as const };
    await Promise.all([
      handle.signal(paymentReceivedSignal, report),
      handle.signal(paymentReceivedSignal, report),
      handle.signal(paymentReceivedSignal, { ...report, tradeNo: 'T-REPLAY-DUP-2' }),
    ]);
    await save(stack, 'duplicate-payment', `order-${order.orderNo}`);
  });

  it('amount mismatch → NEEDS_REVIEW → staff refund', async () => {
    const order = await placeOrder(stack, await fresh(stack));
    const fields = paidNotification(order.orderNo, `T-${order.orderNo}`, '0.01');
    await fetch(order.payUrl);
    await request('GET', `${stack.api.url}/api/payments/epay/notify?${new URLSearchParams(fields)}`);
    await waitForStatus(stack.db, order.orderNo, 'NEEDS_REVIEW');
    // The sandbox holds no paid trade at 0.01, so the refund is refused: the order stays in review.
    await request('POST', `${stack.api.url}/api/admin/orders/${order.orderNo}/refund`, { headers: adminHeaders(), json: { note: 'wrong amount' } });
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).terminate('recording ends here');
    await save(stack, 'needs-review-refund-refused', `order-${order.orderNo}`);
  });

  it('out of stock → restock wait → refund', async () => {
    const sku = await fresh(stack);
    const order = await placeOrder(stack, sku);
    await stack.db.cardKey.updateMany({ where: { sku }, data: { status: 'VOID' } });
    await payInSandbox(stack, order);
    await save(stack, 'out-of-stock-refunded', `order-${order.orderNo}`);
  });

  it('restocked in time', async () => {
    const sku = await fresh(stack);
    const order = await placeOrder(stack, sku);
    await stack.db.cardKey.updateMany({ where: { sku }, data: { status: 'VOID' } });
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'AWAITING_STOCK');
    await createSkuWithKeys(stack, sku, [`REPLAY-${sku}-restock`]);
    await save(stack, 'restocked-delivered', `order-${order.orderNo}`);
  });

  it('cancelled by the buyer', async () => {
    const order = await placeOrder(stack, await fresh(stack));
    await request('POST', `${stack.api.url}/api/orders/${order.orderNo}/cancel`, { headers: { Authorization: `Bearer ${order.accessToken}` } });
    await save(stack, 'cancelled', `order-${order.orderNo}`);
  });

  it('staff change the buyer’s email while the order waits for payment, then it is paid and delivered', async () => {
    const order = await placeOrder(stack, await fresh(stack), 1, 'typo@example.com');
    const changed = await request('POST', `${stack.api.url}/api/admin/orders/${order.orderNo}/email`, {
      headers: adminHeaders(),
      json: { email: 'fixed@example.com', note: 'recorded' },
    });
    expect(changed.body).toMatchObject({ changed: true, runTold: true });
    await payInSandbox(stack, order);
    await save(stack, 'email-changed-delivered', `order-${order.orderNo}`);
  });

  it('late payment after expiry (follow-up run)', async () => {
    const order = await placeOrder(stack, await fresh(stack));
    await fetch(order.payUrl);
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    await request('POST', `${stack.sandboxUrl}/api/trades/${order.orderNo}/pay`);
    const late = await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await save(stack, 'late-payment-delivered', late.workflowId!);
  });

  it('staff refund of a delivered order (follow-up run)', async () => {
    const order = await placeOrder(stack, await fresh(stack));
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    const refunded = await request('POST', `${stack.api.url}/api/admin/orders/${order.orderNo}/refund`, {
      headers: adminHeaders(),
      json: { note: 'recorded' },
    });
    await save(stack, 'support-refund-delivered', refunded.body.workflowId);
  });

  it('delivered to an address the mail server refuses for good', async () => {
    const order = await placeOrder(stack, await fresh(stack), 1, 'nobody@mailbox.invalid');
    await payInSandbox(stack, order);
    await save(stack, 'delivered-address-refused', `order-${order.orderNo}`);
  });

  it('staff resend of a delivered order to a refused address, then to the one the buyer gave (follow-up runs)', async () => {
    const order = await placeOrder(stack, await fresh(stack), 1, 'typo@mailbox.invalid');
    await payInSandbox(stack, order);
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    const resend = (to: string) =>
      request('POST', `${stack.api.url}/api/admin/orders/${order.orderNo}/resend`, { headers: adminHeaders(), json: { to, note: 'recorded' } });
    const runOf = async () => (await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).workflowId!;
    expect((await resend('still-wrong@mailbox.invalid')).status).toBe(409);
    await save(stack, 'support-resend-refused', await runOf());
    const resent = await resend('right@example.com');
    expect(resent.status).toBe(200);
    await save(stack, 'support-resend-elsewhere', resent.body.workflowId);
  });

  it('staff resend while the mail server is down: refused after its 15 s of tries (a follow-up run)', async () => {
    const order = await placeOrder(stack, await fresh(stack));
    await payInSandbox(stack, order);
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    stack.sink.setFaults({ down: true });
    try {
      const resend = await request('POST', `${stack.api.url}/api/admin/orders/${order.orderNo}/resend`, {
        headers: adminHeaders(),
        json: { note: 'recorded' },
      });
      expect([resend.status, resend.body.message]).toEqual([409, expect.stringContaining('try again later')]);
    } finally {
      stack.sink.setFaults({});
    }
    await save(stack, 'support-resend-mail-down', (await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } })).workflowId!);
  });

  it('delivered at degrade level essential (email deferred), then the batch of deferred emails', async () => {
    await request('PUT', `${stack.api.url}/api/admin/degrade`, { headers: adminHeaders(), json: { mode: 'manual', level: 'essential' } });
    const order = await placeOrder(stack, await fresh(stack));
    await request('PUT', `${stack.api.url}/api/admin/degrade`, { headers: adminHeaders(), json: { mode: 'auto', level: 'normal' } });
    await payInSandbox(stack, order);
    await save(stack, 'delivered-essential', `order-${order.orderNo}`);
    expect(await startDeferredDeliveryEmails(stack, [order.orderNo])).toBe(true);
    await save(stack, 'deferred-emails', DEFERRED_EMAILS_WORKFLOW_ID);
  });

  it('staff refund of a delivered order, refused by the channel (the support run ends in review)', async () => {
    const order = await placeOrder(stack, await fresh(stack));
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    await setTradeFaults(stack, order.orderNo, { refuseRefunds: true });
    const refused = await request('POST', `${stack.api.url}/api/admin/orders/${order.orderNo}/refund`, { headers: adminHeaders(), json: {} });
    await save(stack, 'support-refund-refused', refused.body.workflowId);
  });

  it('recovery of a paid order whose run is gone', async () => {
    const sku = await fresh(stack);
    const order = await placeOrder(stack, sku);
    await stack.db.cardKey.updateMany({ where: { sku }, data: { status: 'VOID' } });
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'AWAITING_STOCK');
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).terminate('recording: the run is lost');
    await createSkuWithKeys(stack, sku, [`REPLAY-${sku}-recovered`]);
    const workflowId = await startRecovery({ db: stack.db, temporal: stack.temporal, config: stack.config, clock: () => new Date() }, order.orderNo);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await save(stack, 'recovery-delivered', workflowId);
  });

  it('a second payment reported late is refunded (late-payment run)', async () => {
    const order = await placeOrder(stack, await fresh(stack));
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    const workflowId = await startLatePayment(
      { db: stack.db, temporal: stack.temporal, config: stack.config, clock: () => new Date() },
      await stack.db.order.findUniqueOrThrow({ where: { orderNo: order.orderNo }, include: { skuRef: { select: { name: true } } } }),
      { channel: 'epay', tradeNo: `T-${order.orderNo}-2`, amountCents: order.amountCents, currency: 'CNY', source: 'reconciliation' },
    );
    await stack.temporal.workflow
      .getHandle(workflowId)
      .result()
      .catch(() => undefined);
    await save(stack, 'late-payment-paid-twice', workflowId);
  });

  it('reconciliation', async () => {
    const id = `reconcile-replay-${Date.now()}`;
    await stack.temporal.workflow.execute(reconcileWorkflow, {
      workflowId: id,
      taskQueue: stack.config.temporal.taskQueue,
      args: [{ createdGraceMs: 3_600_000, deliverySlaMs: 3_600_000, pageSize: 100, rejectedRetentionMs: 30 * 86_400_000 }],
    });
    await save(stack, 'reconcile', id);
  });

  it('archiving settled orders (two batches: one order, then none left)', async () => {
    const order = await placeOrder(stack, await fresh(stack));
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).result();
    await stack.db
      .$executeRaw`UPDATE "Order" SET "createdAt" = now() - interval '200 days', "updatedAt" = now() - interval '200 days' WHERE "orderNo" = ${order.orderNo}`;
    const id = `archive-replay-${Date.now()}`;
    await stack.temporal.workflow.execute(archiveWorkflow, {
      workflowId: id,
      taskQueue: stack.config.temporal.taskQueue,
      args: [{ olderThanMs: 90 * 86_400_000, batchSize: 1 }],
    });
    await save(stack, 'archive', id);
  });
});

// A traced run takes the interceptors' other path (OpenTelemetry's own, loaded only then).
describe('record a traced run for the replay corpus', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startTracedStack(new InMemorySpanExporter(), 1, { env: RECORDING_ENV });
  });
  afterAll(() => stack.stop());

  it('delivered, traced', async () => {
    const order = await placeOrder(stack, await fresh(stack));
    await payInSandbox(stack, order);
    const workflowId = `order-${order.orderNo}`;
    await save(stack, 'delivered-traced', workflowId);
    const started = (await stack.temporal.workflow.getHandle(workflowId).fetchHistory()).events![0].workflowExecutionStartedEventAttributes!;
    expect(Object.keys(started.header?.fields ?? {})).toContain('_tracer-data');
  });
});
