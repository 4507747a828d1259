import { trace } from '@opentelemetry/api';
import pino from 'pino';

export type Logger = pino.Logger;

// Card keys never reach a logger, but channel keys, tokens and signatures could ride along in a
// request or error object: these paths are always blanked.
const REDACT = [
  'secret',
  '*.secret',
  'key',
  '*.key',
  'sign',
  '*.sign',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'cardKeys',
  '*.cardKeys',
];

export function createLogger(name: string, level = 'info', destination?: pino.DestinationStream): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' }, mixin: traceFields }, destination);
}

/** A line written inside a kept trace names it, so the logs of a slow request lead to its trace. */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
