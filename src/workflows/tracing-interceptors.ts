// Workflow-side OpenTelemetry, loaded into every workflow bundle (src/worker/workflow-source.ts).
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type {
  ActivityInput,
  GetLogAttributesInput,
  LocalActivityInput,
  Next,
  SignalInput,
  StartChildWorkflowExecutionInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptorsFactory,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type * as WorkflowTracing from '@temporalio/interceptors-opentelemetry/lib/workflow';

/** Where the client interceptor puts the caller's trace context (@temporalio/interceptors-opentelemetry). */
const TRACE_HEADER = '_tracer-data';

/** The caller's trace id when its trace is kept (the W3C traceparent's sampled flag), else undefined. */
function keptTrace(header: Payload | undefined): string | undefined {
  if (!header) return undefined;
  const carrier = defaultPayloadConverter.fromPayload<{ traceparent?: string }>(header);
  const [, traceId, flags] = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(carrier?.traceparent ?? '') ?? [];
  return flags !== undefined && (parseInt(flags, 16) & 1) === 1 ? traceId : undefined;
}

type Scheduled = ActivityInput | LocalActivityInput | StartChildWorkflowExecutionInput;

/**
 * OpenTelemetry's workflow side, loaded only by a run that traces: each run evaluates its modules
 * afresh (the SDK isolates module state per run), and for OpenTelemetry that cost about a fifth of the
 * workflow thread's CPU in runs that traced nothing (docs/performance.md).
 */
function workflowTracing(): typeof WorkflowTracing {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a load deferred until a run traces; webpack bundles it all the same
  return require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof WorkflowTracing;
}

/**
 * The SDK's workflow interceptors, for runs whose caller's trace is kept (and for signals of a kept
 * trace): a run started untraced or in a trace the sampler dropped creates no tracer and no span; it
 * passes the caller's context on to its activities as it came, so they are dropped with it instead
 * of starting traces of their own. The decision rests on headers recorded in history, so replay
 * decides the same. A traced run's log lines carry its trace id (`trace_id`, as pino's lines do), so
 * an order's logs lead to its trace.
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  let inbound: WorkflowTracing.OpenTelemetryInboundInterceptor | undefined;
  let outbound: WorkflowTracing.OpenTelemetryOutboundInterceptor | undefined;
  let passOn: Payload | undefined;
  let traceId: string | undefined;
  const tracedInbound = () => (inbound ??= new (workflowTracing().OpenTelemetryInboundInterceptor)());
  const withCaller = <T extends Scheduled>(input: T): T => (passOn ? { ...input, headers: { ...input.headers, [TRACE_HEADER]: passOn } } : input);
  const gate: WorkflowInboundCallsInterceptor = {
    execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
      const header = input.headers[TRACE_HEADER];
      traceId = keptTrace(header);
      if (!traceId) {
        passOn = header;
        return next(input);
      }
      outbound = new (workflowTracing().OpenTelemetryOutboundInterceptor)();
      return tracedInbound().execute(input, next);
    },
    handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) {
      return keptTrace(input.headers[TRACE_HEADER]) ? tracedInbound().handleSignal(input, next) : next(input);
    },
  };
  const calls: WorkflowOutboundCallsInterceptor = {
    scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
      return outbound ? outbound.scheduleActivity(input, next) : next(withCaller(input));
    },
    scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>) {
      return outbound ? outbound.scheduleLocalActivity(input, next) : next(withCaller(input));
    },
    startChildWorkflowExecution(input: StartChildWorkflowExecutionInput, next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>) {
      return outbound ? outbound.startChildWorkflowExecution(input, next) : next(withCaller(input));
    },
    getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>) {
      return next(traceId ? { ...input, trace_id: traceId } : input);
    },
  };
  // OpenTelemetry's own only stops the context manager a traced run started.
  const internals: WorkflowInternalsInterceptor = {
    dispose(input, next) {
      // Its dispose is async only in name: it stops the context manager and calls next at once.
      if (inbound) void new (workflowTracing().OpenTelemetryInternalsInterceptor)().dispose(input, next);
      else next(input);
    },
  };
  return { inbound: [gate], outbound: [calls], internals: [internals] };
};
