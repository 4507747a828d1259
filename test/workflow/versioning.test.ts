import { createSkuWithKeys, payInSandbox, placeOrder, request, startStack, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';
import { FINAL_POLL_AT_DEADLINE } from '../../src/workflows/order';

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
    const markers = history.events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    expect(markers).toHaveLength(1);
    const activities = history.events!.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(activities.slice(0, 2)).toEqual(['queryPayment', 'recordPayment']);
  });

  it('still expires an order nobody paid, after that one look', async () => {
    const sku = uniqueSku('patch-exp');
    await createSkuWithKeys(stack, sku, ['PATCH-E1']);
    const order = await placeOrder(stack, sku);
    await waitForStatus(stack.db, order.orderNo, 'EXPIRED', 10_000);
  });
});
