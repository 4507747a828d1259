import { SpanStatusCode, TraceFlags, isSpanContextValid, trace, type Attributes, type Span } from '@opentelemetry/api';
import { errorMessage, firstLine } from '../../error-text';

/** Attribute names of Keyflow's own: an order's number is the one thing every span of its story carries. */
export const ATTR = {
  orderNo: 'keyflow.order_no',
  channel: 'keyflow.channel',
  outcome: 'keyflow.outcome',
} as const;

/** Looked up per call, not kept: a test that installs tracing again gets spans from the new provider. */
function tracer() {
  return trace.getTracer('keyflow');
}

/**
 * Runs `fn` inside a span of its own, marked as an error when it throws. Only names, order numbers,
 * channel names and outcomes go into attributes; a card key, token or signature never does.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** `inSpan` for synchronous work (verifying a signature). */
export function inSpanSync<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return tracer().startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The first line of the error, bounded: enough to see what failed without carrying a payload along. */
export function markFailed(span: Span | undefined, error: unknown): void {
  span?.setStatus({ code: SpanStatusCode.ERROR, message: firstLine(errorMessage(error), 200) });
}

/** The span of whatever is running now (an HTTP request, an activity), when there is one. */
export function currentSpan(): Span | undefined {
  return trace.getActiveSpan();
}

/** The running span as a W3C traceparent, when its trace is kept (otherwise there is nothing to link to). */
export function keptTraceParent(): string | null {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return null;
  const { traceId, spanId } = span.spanContext();
  return `00-${traceId}-${spanId}-01`;
}

/** Links the running span to the trace a stored traceparent names: the callback's trace to its order's. */
export function linkToTrace(traceParent: string | null | undefined): void {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(traceParent ?? '');
  const span = trace.getActiveSpan();
  if (!match || !span?.isRecording()) return;
  const context = { traceId: match[1], spanId: match[2], traceFlags: TraceFlags.SAMPLED };
  if (isSpanContextValid(context)) span.addLink({ context, attributes: { 'keyflow.link': 'order placed' } });
}
