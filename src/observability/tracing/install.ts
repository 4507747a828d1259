import { DiagLogLevel, context, diag, propagation, trace, type DiagLogger } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import type { TracingConfig } from '../../config';
import type { Logger } from '../../logging';
import { firstLine } from '../../error-text';

/** What the rest of the process needs to know about tracing: the worker hands workflow spans to `processor`. */
export interface Tracing {
  enabled: boolean;
  processor: SpanProcessor;
  resource: Resource;
  /** Sends what is still buffered; called on the way out. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, processor: new NoopSpanProcessor(), resource: Resource.empty(), shutdown: async () => undefined };

// OpenTelemetry's tracer provider, context manager and propagator are process-wide by design: the
// API server and the worker of one process (tests, `npm run demo`) share the first installation.
let installed: Tracing = OFF;

export function activeTracing(): Tracing {
  return installed;
}

export interface TracingOverrides {
  /** Tests pass an in-memory exporter's processor instead of exporting over OTLP. */
  processor?: SpanProcessor;
  /** Where the SDK's own complaints go (a collector that cannot be reached), at most one a minute. */
  logger?: Logger;
}

/** How often a failing export is reported: spans are dropped meanwhile, and each batch would say so again. */
const COMPLAINT_INTERVAL_MS = 60_000;

function complaintsTo(logger: Logger, tracesUrl: string | undefined): DiagLogger {
  let quietUntil = 0;
  let dropped = 0;
  // Only messages: the SDK passes request objects along, and those carry OTEL_EXPORTER_OTLP_HEADERS.
  const complain = (message: string, ...args: unknown[]) => {
    const now = Date.now();
    if (now < quietUntil) {
      dropped += 1;
      return;
    }
    const detail = args.map((arg) => (arg instanceof Error ? arg.message : typeof arg === 'string' ? arg : '')).filter(Boolean);
    quietUntil = now + COMPLAINT_INTERVAL_MS;
    logger.warn(
      { tracesUrl, similarSince: dropped },
      `tracing: ${firstLine([message, ...detail].join(' '), 300)} (spans are dropped until the collector answers; check OTEL_EXPORTER_OTLP_ENDPOINT)`,
    );
    dropped = 0;
  };
  const ignore = () => undefined;
  return { error: complain, warn: complain, info: ignore, debug: ignore, verbose: ignore };
}

/**
 * Installs tracing for this process when an OTLP endpoint is configured (or a test brings its own
 * processor); otherwise leaves everything untraced, and the instrumentation costs a few checks.
 */
export function installTracing(settings: TracingConfig, defaultServiceName: string, overrides: TracingOverrides = {}): Tracing {
  if (installed.enabled) return installed;
  if (!settings.tracesUrl && !overrides.processor) return OFF;
  const resource = new Resource({ 'service.name': settings.serviceName ?? defaultServiceName, 'service.namespace': 'keyflow' });
  const processor =
    overrides.processor ??
    new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl, headers: settings.headers, timeoutMillis: 10_000 }), {
      // Spans are dropped, not queued without bound, when the collector is away.
      maxQueueSize: 4096,
      scheduledDelayMillis: 1000,
    });
  if (overrides.logger) diag.setLogger(complaintsTo(overrides.logger, settings.tracesUrl), DiagLogLevel.WARN);
  const provider = new BasicTracerProvider({ resource, sampler: sampler(settings) });
  provider.addSpanProcessor(processor);
  provider.register({ contextManager: new AsyncLocalStorageContextManager(), propagator: new W3CTraceContextPropagator() });
  // Prisma reads its tracing helper from a global at every query; it needs no module hooks. Its
  // queries are traced only inside a kept trace: the background loops (call counts, admission,
  // degrade, deferred emails) would otherwise start a trace of one query every few seconds. Its
  // serialize span (per query, microseconds) adds a third to an order's spans and nothing to find.
  const queries = new BasicTracerProvider({ resource, sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) });
  queries.addSpanProcessor(processor);
  const prisma = new PrismaInstrumentation({ enabled: false, ignoreSpanTypes: ['prisma:client:serialize'] });
  prisma.setTracerProvider(queries);
  prisma.enable();
  installed = {
    enabled: true,
    processor,
    resource,
    async shutdown() {
      prisma.disable();
      // The last spans go out if the collector answers; one that does not must not hold up the exit.
      await queries.shutdown().catch((error: unknown) => diag.error('the last spans could not be sent', error));
      await provider.shutdown().catch((error: unknown) => diag.error('the last spans could not be sent', error));
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
      installed = OFF;
    },
  };
  return installed;
}

/** The start-up line each process prints when it traces. */
export function describeTracing({ tracesUrl, ratio }: TracingConfig): string {
  return `tracing: spans sent to ${tracesUrl}, ${ratio * 100}% of traces kept`;
}

function sampler({ ratio, parentBased }: TracingConfig): Sampler {
  const root = ratio >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(ratio);
  return parentBased ? new ParentBasedSampler({ root }) : root;
}
