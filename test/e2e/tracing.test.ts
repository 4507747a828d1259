import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR, inSpan } from '../../src/observability/tracing/spans';
import { capturedLogger } from '../support/captured-log';
import { createSkuWithKeys, payInSandbox, placeOrder, request, waitFor, waitForStatus, type Stack } from '../support/stack';
import { startTracedStack } from '../support/traced-stack';
import { TEST_ADMIN_TOKEN, TEST_EPAY, uniqueSku } from '../support/config';
import { paidNotification } from '../support/epay-recipe';

const EMAIL = 'traced-buyer@example.com';

/** Everything of a span a tracing backend would store and show, as text. */
function spanText(span: ReadableSpan): string {
  return JSON.stringify([span.name, span.attributes, span.status, span.events, span.links, span.resource.attributes]);
}

function byTrace(spans: ReadableSpan[], traceId: string) {
  return spans.filter((s) => s.spanContext().traceId === traceId);
}

/** The span's ancestors, nearest first, within the spans collected. */
function ancestry(span: ReadableSpan, spans: ReadableSpan[]): ReadableSpan[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const chain: ReadableSpan[] = [];
  for (let parent = span.parentSpanId; parent; parent = byId.get(parent)?.parentSpanId) {
    const found = byId.get(parent);
    if (!found) throw new Error(`${span.name}: parent ${parent} is not among the trace's spans (a broken link)`);
    chain.push(found);
  }
  return chain;
}

describe('one trace per order (OpenTelemetry)', () => {
  const exporter = new InMemorySpanExporter();
  let stack: Stack;
  const cardKeys = ['TRACE-CARD-KEY-7Q2M-0001', 'TRACE-CARD-KEY-7Q2M-0002'];
  // The SDK's lines, workflow logs among them, routed as the worker process routes them.
  const sdkLog = capturedLogger('worker-sdk');

  beforeAll(async () => {
    stack = await startTracedStack(exporter, 1, { sdkLogger: sdkLog.logger });
  });
  afterAll(() => stack?.stop());

  it('joins placement, the channel call, delivery and the mail in one trace, and the callback in a trace of its own', async () => {
    const sku = uniqueSku('trace');
    await createSkuWithKeys(stack, sku, cardKeys, 1000);
    const placed = await request('POST', `${stack.api.url}/api/orders`, { json: { sku, quantity: 2, email: EMAIL, channel: 'epay' } });
    expect(placed.status).toBe(201);
    const order = placed.body;
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    const mail = await waitFor(async () => exporter.getFinishedSpans().find((s) => s.name === 'keyflow.mail.send'), 'the delivery email span');
    // The workflow's own span is exported when the run ends (it ends once the email is sent).
    await waitFor(async () => exporter.getFinishedSpans().some((s) => s.name === 'RunWorkflow:orderWorkflow'), 'the workflow span');
    const spans = exporter.getFinishedSpans();

    const placement = spans.find((s) => s.name === 'POST /api/orders' && s.kind === SpanKind.SERVER)!;
    expect(placement).toBeDefined();
    expect(placement.parentSpanId).toBeUndefined();
    const orderTrace = byTrace(spans, placement.spanContext().traceId);
    const names = new Set(orderTrace.map((s) => s.name));
    for (const expected of ['StartWorkflow:orderWorkflow', 'keyflow.channel.createPayment', 'keyflow.deliver', 'keyflow.mail.send']) {
      expect(names).toContain(expected);
    }
    expect([...names].some((n) => n.startsWith('prisma:client:'))).toBe(true);
    expect([...names].some((n) => n.startsWith('RunActivity:'))).toBe(true);

    // From the mail back to the buyer's request: every parent is there.
    const mailChain = ancestry(mail, orderTrace).map((s) => s.name);
    expect(mailChain).toContain('StartWorkflow:orderWorkflow');
    expect(mailChain.some((n) => n.startsWith('RunActivity:'))).toBe(true);
    expect(mailChain.at(-1)).toBe('POST /api/orders');
    for (const span of orderTrace) ancestry(span, orderTrace);
    // The run's log lines name the trace, as the API's and the activities' do.
    const runLines = sdkLog.lines.map((line) => JSON.parse(line)).filter((line) => line.orderNo === order.orderNo && /^order [A-Z_]+/.test(line.msg));
    expect(runLines.map((line) => line.msg)).toContain('order DELIVERED: 2 key(s) issued');
    expect(new Set(runLines.map((line) => line.trace_id))).toEqual(new Set([placement.spanContext().traceId]));
    const deliver = orderTrace.find((s) => s.name === 'keyflow.deliver')!;
    expect(deliver.attributes).toMatchObject({ [ATTR.orderNo]: order.orderNo, [ATTR.outcome]: 'delivered', 'keyflow.keys_issued': 2 });
    for (const activity of orderTrace.filter((s) => s.name.startsWith('RunActivity:'))) {
      expect(activity.attributes[ATTR.orderNo]).toBe(order.orderNo);
    }

    // The sandbox's notification: verified, stored, signalled, in a trace that names the order.
    const callback = spans.find((s) => s.name === 'GET /api/payments/:channel/notify' && s.attributes[ATTR.outcome] !== undefined)!;
    expect(callback).toBeDefined();
    expect(callback.status.code).not.toBe(SpanStatusCode.ERROR);
    const callbackTrace = byTrace(spans, callback.spanContext().traceId);
    for (const span of callbackTrace) ancestry(span, callbackTrace);
    const verify = callbackTrace.find((s) => s.name === 'keyflow.callback.verify')!;
    expect(verify.attributes).toMatchObject({ [ATTR.channel]: 'epay', [ATTR.orderNo]: order.orderNo });
    expect(callbackTrace.find((s) => s.name === 'keyflow.inbox.store')?.attributes[ATTR.orderNo]).toBe(order.orderNo);
    const signal = callbackTrace.find((s) => s.name === 'SignalWorkflow:paymentReceived')!;
    expect(ancestry(signal, callbackTrace).map((s) => s.name)).toEqual(['keyflow.signal', callback.name]);
    // From the callback, a backend can jump to the order's own trace.
    const signalling = callbackTrace.find((s) => s.name === 'keyflow.signal')!;
    expect(signalling.links.map((l) => l.context.traceId)).toEqual([placement.spanContext().traceId]);
    expect(orderTrace.map((s) => s.spanContext().spanId)).toContain(signalling.links[0].context.spanId);
    // Support finds the trace from the staff view of the order.
    const staffView = await request('GET', `${stack.api.url}/api/admin/orders/${order.orderNo}`, { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(staffView.body.traceParent.split('-')[1]).toBe(placement.spanContext().traceId);
    const handled = await waitFor(
      async () => byTrace(exporter.getFinishedSpans(), callback.spanContext().traceId).find((s) => s.name === 'HandleSignal:paymentReceived'),
      'the workflow handling the signal',
    );
    expect(handled.parentSpanId).toBe(signal.spanContext().spanId);
    expect(handled.attributes[ATTR.orderNo]).toBe(order.orderNo);
  });

  it('marks a forged callback as an error, and the order is not signalled', async () => {
    const sku = uniqueSku('forged');
    await createSkuWithKeys(stack, sku, ['FORGED-TRACE-1'], 1000);
    const order = await placeOrder(stack, sku);
    exporter.reset();
    const forged = paidNotification(order.orderNo, 'T-FORGED-TRACE', '10.00', {}, 'not-the-merchant-key-0123456789');
    const response = await request('GET', `${stack.api.url}/api/payments/epay/notify?${new URLSearchParams(forged)}`);
    expect(response.text).toBe('fail');
    const server = await waitFor(
      async () => exporter.getFinishedSpans().find((s) => s.name === 'GET /api/payments/:channel/notify'),
      'the forged callback span',
    );
    expect(server.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'payment notification rejected' });
    expect(server.attributes[ATTR.outcome]).toBe('rejected');
    const trace = byTrace(exporter.getFinishedSpans(), server.spanContext().traceId);
    const verify = trace.find((s) => s.name === 'keyflow.callback.verify')!;
    expect(verify.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'rejected: signature mismatch' });
    expect(verify.attributes[ATTR.orderNo]).toBeUndefined();
    expect(trace.map((s) => s.name)).not.toContain('keyflow.signal');
    expect(trace.map((s) => s.name)).not.toContain('SignalWorkflow:paymentReceived');
  });

  it('does not let a caller decide the trace: an incoming traceparent is a link, not a parent', async () => {
    exporter.reset();
    const remote = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
    await request('GET', `${stack.api.url}/api/skus`, { headers: { traceparent: `00-${remote.traceId}-${remote.spanId}-01` } });
    const server = await waitFor(async () => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER), 'the request span');
    expect(server.parentSpanId).toBeUndefined();
    expect(server.spanContext().traceId).not.toBe(remote.traceId);
    expect(server.links.map((l) => l.context)).toEqual([expect.objectContaining(remote)]);
  });

  it('puts no card key, token, signature, merchant key or buyer email in any span', async () => {
    const sku = uniqueSku('secret');
    await createSkuWithKeys(stack, sku, ['SECRET-TRACE-CARD-KEY-9Z'], 1000);
    const order = await placeOrder(stack, sku, 1, EMAIL);
    const paid = paidNotification(order.orderNo, 'T-SECRET-TRACE', '10.00');
    await request('GET', `${stack.api.url}/api/payments/epay/notify?${new URLSearchParams(paid)}`);
    await waitForStatus(stack.db, order.orderNo, 'DELIVERED');
    await waitFor(async () => exporter.getFinishedSpans().some((s) => s.name === 'keyflow.mail.send'), 'the delivery email span');
    const page = await request('GET', `${stack.api.url}/api/orders/${order.orderNo}?token=${order.accessToken}`);
    expect(page.status).toBe(200);
    await request('GET', `${stack.api.url}/api/admin/orders/${order.orderNo}`, { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });

    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(20);
    const secrets = [...cardKeys, 'SECRET-TRACE-CARD-KEY-9Z', order.accessToken, paid.sign, TEST_EPAY.key, TEST_ADMIN_TOKEN, EMAIL, 'buyer@example.com'];
    for (const span of spans) {
      const text = spanText(span);
      for (const secret of secrets)
        expect({ span: span.name, leaks: text.includes(secret) ? secret : undefined }).toEqual({ span: span.name, leaks: undefined });
      expect(text).not.toMatch(/[?&](token|sign)=/);
    }
  });

  it('writes the trace id into log lines written inside a span', async () => {
    const { logger, lines } = capturedLogger('traced');
    const traceId = await inSpan('keyflow.test', {}, async (span) => {
      logger.info('inside');
      return span.spanContext().traceId;
    });
    logger.info('outside');
    expect(JSON.parse(lines[0])).toMatchObject({ msg: 'inside', trace_id: traceId });
    expect(JSON.parse(lines[1]).trace_id).toBeUndefined();
  });
});
