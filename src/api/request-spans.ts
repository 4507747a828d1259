import type { RequestHandler } from 'express';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, isSpanContextValid, propagation, trace, type Link } from '@opentelemetry/api';

/**
 * One server span per request, named by its route template (`POST /api/orders`), never by the URL:
 * order links carry the buyer's token and Epay notifications their signature in the query string,
 * which is why this is not the generic HTTP instrumentation. The API is public, so a caller's
 * `traceparent` cannot start or sample a trace here; it is kept as a link to follow instead.
 */
export function requestSpans(): RequestHandler {
  return (req, res, next) => {
    const tracer = trace.getTracer('keyflow-api');
    const remote = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, req.headers));
    const links: Link[] = remote && isSpanContextValid(remote) ? [{ context: remote }] : [];
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER, root: true, links, attributes: { 'http.request.method': req.method } });
    if (!span.isRecording()) return context.with(trace.setSpan(ROOT_CONTEXT, span), next);
    res.once('finish', () => {
      const route = typeof req.route?.path === 'string' ? req.route.path : undefined;
      if (route) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `answered ${res.statusCode}` });
      span.end();
    });
    // A client that goes away mid-request still ends the span, with what is known.
    res.once('close', () => {
      if (!res.writableFinished) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection before the answer' });
        span.end();
      }
    });
    context.with(trace.setSpan(context.active(), span), next);
  };
}
