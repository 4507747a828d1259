import type { temporal } from '@temporalio/proto';
import { createSkuWithKeys, payInSandbox, placeOrder, startStack, setTradeFaults, waitFor, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { orderWorkflowId } from '../../src/workflows/workflow-ids';

// What a delivered order's history looks like on the real server: what the worker's CPU per order
// and the Web UI's timeline depend on (docs/performance.md).
describe("an order's history on the real dev server", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { PAYMENT_DEADLINE: '2s', PAYMENT_POLL_INTERVAL: '0' } });
  });
  afterAll(() => stack.stop());

  it('a paid order is recorded, reserved, issued and emailed by local activities in the task its payment opened', async () => {
    const sku = uniqueSku('shape');
    // Enough stock that no low-stock notice (a child run) joins in.
    await createSkuWithKeys(
      stack,
      sku,
      Array.from({ length: 20 }, (_, i) => `SHAPE-${i + 1}`),
    );
    const order = await placeOrder(stack, sku);
    await payInSandbox(stack, order);
    const handle = stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo));
    expect(await handle.result()).toMatchObject({ status: 'DELIVERED' });
    const events = (await handle.fetchHistory()).events!;
    expect(stepsOf(events)).toEqual(['deliverPayment', 'sendBuyerEmail']);
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
    // One task at the start, one for the payment: nothing waits on a task queue in between.
    expect(events.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(2);
    // PAID and DELIVERED reach the search attributes in one write; no version markers before the release.
    expect(events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)).toHaveLength(1);
    expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toHaveLength(0);
    const mail = await waitFor(async () => stack.sink.messages().find((m) => m.subject.includes(order.orderNo)), 'delivery email');
    expect(mail.text).toMatch(/SHAPE-\d+/);
  });

  it('asks the channel once at the deadline, so a payment whose callback was lost is delivered instead of expiring', async () => {
    const sku = uniqueSku('lastlook');
    await createSkuWithKeys(stack, sku, ['LAST-1']);
    const order = await placeOrder(stack, sku);
    await fetch(order.payUrl);
    await setTradeFaults(stack, order.orderNo, { dropNotifications: true });
    await payInSandbox(stack, order);
    const handle = stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo));
    expect(await handle.result()).toMatchObject({ status: 'DELIVERED' });
    expect(stepsOf((await handle.fetchHistory()).events!).slice(0, 2)).toEqual(['queryPayment', 'deliverPayment']);
  });

  it('expires an order nobody paid after that one look, and closes the trade', async () => {
    const sku = uniqueSku('expire');
    await createSkuWithKeys(stack, sku, ['EXP-1']);
    const order = await placeOrder(stack, sku);
    await waitForStatus(stack.db, order.orderNo, 'EXPIRED', 10_000);
    const handle = stack.temporal.workflow.getHandle(orderWorkflowId(order.orderNo));
    await handle.result();
    expect(stepsOf((await handle.fetchHistory()).events!)).toEqual(['queryPayment', 'closeTrade', 'markClosed']);
  });
});

/** Activity types in the order the history records them, remote (scheduled) and local (markers). */
function stepsOf(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events.flatMap((e) => {
    if (e.activityTaskScheduledEventAttributes) return [e.activityTaskScheduledEventAttributes.activityType!.name!];
    if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
      const details = e.markerRecordedEventAttributes.details!;
      const meta = Object.values(details)
        .map((d) => d.payloads![0])
        .find((p) => Buffer.from(p.metadata!.encoding!).toString() === 'json/plain');
      return [JSON.parse(Buffer.from(meta!.data!).toString()).activity_type];
    }
    return [];
  });
}
