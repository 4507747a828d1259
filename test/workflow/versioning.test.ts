import { createSkuWithKeys, payInSandbox, placeOrder, request, startStack, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { FINAL_POLL_AT_DEADLINE, LOCAL_DB_ACTIVITIES } from '../../src/workflows/order';

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

    const history = await stack.temporal.workflow.getHandle(`order-${order.orderNo}`).fetchHistory();
    const patches = history.events!
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => {
        const details = e.markerRecordedEventAttributes!.details!;
        const payload = Object.values(details)[0]!.payloads![0];
        return JSON.parse(Buffer.from(payload.data!).toString()).id;
      });
    expect(patches).toEqual([LOCAL_DB_ACTIVITIES, FINAL_POLL_AT_DEADLINE]);
    // The final poll (a remote activity) runs before the payment is recorded (a local one now).
    const steps = history.events!.flatMap((e) => {
      if (e.activityTaskScheduledEventAttributes) return [e.activityTaskScheduledEventAttributes.activityType!.name!];
      if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
        const details = e.markerRecordedEventAttributes.details!;
        const meta = Object.values(details).map((d) => d.payloads![0]).find((p) => Buffer.from(p.metadata!.encoding!).toString() === 'json/plain');
        return [JSON.parse(Buffer.from(meta!.data!).toString()).activity_type];
      }
      return [];
    });
    expect(steps.slice(0, 2)).toEqual(['queryPayment', 'recordPayment']);
  });

  it('still expires an order nobody paid, after that one look', async () => {
    const sku = uniqueSku('patch-exp');
    await createSkuWithKeys(stack, sku, ['PATCH-E1']);
    const order = await placeOrder(stack, sku);
    await waitForStatus(stack.db, order.orderNo, 'EXPIRED', 10_000);
  });
});
