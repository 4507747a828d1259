import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createSkuWithKeys, payInSandbox, placeOrder, waitForStatus, type Stack } from '../support/stack';
import { startTracedStack } from '../support/traced-stack';
import { uniqueSku } from '../support/config';

describe('sampling one order in two', () => {
  const exporter = new InMemorySpanExporter();
  let stack: Stack;

  beforeAll(async () => {
    stack = await startTracedStack(exporter, 0.5);
  });
  afterAll(() => stack?.stop());

  it('keeps or drops an order whole: no trace begins inside a workflow or an activity', async () => {
    const sku = uniqueSku('sampled');
    const orders = 8;
    await createSkuWithKeys(
      stack,
      sku,
      Array.from({ length: orders }, (_, i) => `SAMPLED-${i}`),
      1000,
    );
    for (let i = 0; i < orders; i += 1) {
      const order = await placeOrder(stack, sku, 1, `sampled-${i}@example.com`);
      await payInSandbox(stack, order);
      await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    }
    const spans = exporter.getFinishedSpans();
    const roots = spans.filter((s) => !s.parentSpanId);
    // Placement and callback traces are kept about half the time: some of each, not all.
    const placements = roots.filter((s) => s.name === 'POST /api/orders').length;
    expect(placements).toBeGreaterThan(0);
    expect(placements).toBeLessThan(orders);
    for (const root of roots) expect({ name: root.name, kind: root.kind }).toEqual({ name: root.name, kind: SpanKind.SERVER });
    const workflowSpans = spans.filter((s) => s.name.startsWith('RunActivity:') || s.name.startsWith('StartActivity:'));
    const keptTraces = new Set(roots.map((s) => s.spanContext().traceId));
    for (const span of workflowSpans) expect(keptTraces.has(span.spanContext().traceId)).toBe(true);
  });
});
