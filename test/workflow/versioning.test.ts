import type { temporal } from '@temporalio/proto';
import { createSkuWithKeys, payInSandbox, placeOrder, request, startStack, waitFor, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { FINAL_POLL_AT_DEADLINE, ONE_STEP_DELIVERY } from '../../src/workflows/order';

describe(`patched('${FINAL_POLL_AT_DEADLINE}'): new runs take the new branch`, () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { PAYMENT_DEADLINE: '2s', PAYMENT_POLL_INTERVAL: '0' } });
  });
  afterAll(() => stack.stop());

  it('asks the channel once at the deadline, so a lost callback is delivered instead of expiring', async () => {
    const sku = uniqueSku('patch');
    await createSkuWithKeys(stack, sku, ['PATCH-1']);
    const order = await placeOrder(stack, sku);
    await fetch(order.payUrl);
    await request('PUT', `${stack.sandboxUrl}/api/trades/${order.orderNo}/faults`, { json: { dropNotifications: true } });
    await payInSandbox(stack, order);
    const delivered = await waitForStatus(stack.db, order.orderNo, 'DELIVERED', 10_000);
    expect(delivered.workflowId).toBe(`order-${order.orderNo}`);

    // The database says DELIVERED before the task that did it is recorded; the run's end says both are.
    const handle = stack.temporal.workflow.getHandle(`order-${order.orderNo}`);
    await handle.result();
    const history = await handle.fetchHistory();
    const patches = history
      .events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => {
        const details = e.markerRecordedEventAttributes!.details!;
        const payload = Object.values(details)[0]!.payloads![0];
        return JSON.parse(Buffer.from(payload.data!).toString()).id;
      });
    expect(patches).toEqual([ONE_STEP_DELIVERY, FINAL_POLL_AT_DEADLINE]);
    // The final poll (a remote activity) runs before the payment is recorded and delivered (a local one now).
    const steps = stepsOf(history.events!);
    expect(steps.slice(0, 2)).toEqual(['queryPayment', 'deliverPayment']);
  });

  it(`patched('${ONE_STEP_DELIVERY}'): a paid order is recorded, reserved and issued in one step, and emailed, in the task its payment opened`, async () => {
    const sku = uniqueSku('one-step');
    // Enough stock that no low-stock notice (a child run) joins in.
    await createSkuWithKeys(
      stack,
      sku,
      Array.from({ length: 20 }, (_, i) => `ONE-${i + 1}`),
    );
    const order = await placeOrder(stack, sku);
    await payInSandbox(stack, order);
    const handle = stack.temporal.workflow.getHandle(`order-${order.orderNo}`);
    expect(await handle.result()).toMatchObject({ status: 'DELIVERED' });
    const events = (await handle.fetchHistory()).events!;
    expect(stepsOf(events)).toEqual(['deliverPayment', 'sendBuyerEmail']);
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
    // One task at the start, one for the payment: nothing waits on a task queue in between.
    expect(events.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(2);
    const mail = await waitFor(async () => stack.sink.messages().find((m) => m.subject.includes(order.orderNo)), 'delivery email');
    expect(mail.text).toMatch(/ONE-\d+/);
  });

  it('still expires an order nobody paid, after that one look', async () => {
    const sku = uniqueSku('patch-exp');
    await createSkuWithKeys(stack, sku, ['PATCH-E1']);
    const order = await placeOrder(stack, sku);
    await waitForStatus(stack.db, order.orderNo, 'EXPIRED', 10_000);
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
