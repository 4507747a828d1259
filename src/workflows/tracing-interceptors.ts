// Workflow-side OpenTelemetry, loaded into every workflow bundle (src/worker/workflow-source.ts).
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type {
  ActivityInput,
  LocalActivityInput,
  Next,
  SignalInput,
  StartChildWorkflowExecutionInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptorsFactory,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';

/** Where the client interceptor puts the caller's trace context (@temporalio/interceptors-opentelemetry). */
const TRACE_HEADER = '_tracer-data';

/** Whether the caller's trace is kept: the W3C traceparent's sampled flag. */
function sampled(header: Payload | undefined): boolean {
  if (!header) return false;
  const carrier = defaultPayloadConverter.fromPayload<{ traceparent?: string }>(header);
  const flags = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(carrier?.traceparent ?? '')?.[1];
  return flags !== undefined && (parseInt(flags, 16) & 1) === 1;
}

type Scheduled = ActivityInput | LocalActivityInput | StartChildWorkflowExecutionInput;

/**
 * The SDK's workflow interceptors, for runs whose caller's trace is kept (and for signals of a kept
 * trace): a run started untraced or in a trace the sampler dropped creates no tracer and no span; it
 * passes the caller's context on to its activities as it came, so they are dropped with it instead
 * of starting traces of their own. The decision rests on headers recorded in history, so replay
 * decides the same.
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  let inbound: OpenTelemetryInboundInterceptor | undefined;
  let outbound: OpenTelemetryOutboundInterceptor | undefined;
  let passOn: Payload | undefined;
  const tracedInbound = () => (inbound ??= new OpenTelemetryInboundInterceptor());
  const withCaller = <T extends Scheduled>(input: T): T => (passOn ? { ...input, headers: { ...input.headers, [TRACE_HEADER]: passOn } } : input);
  const gate: WorkflowInboundCallsInterceptor = {
    execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
      const header = input.headers[TRACE_HEADER];
      if (!sampled(header)) {
        passOn = header;
        return next(input);
      }
      outbound = new OpenTelemetryOutboundInterceptor();
      return tracedInbound().execute(input, next);
    },
    handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) {
      return sampled(input.headers[TRACE_HEADER]) ? tracedInbound().handleSignal(input, next) : next(input);
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
  };
  return { inbound: [gate], outbound: [calls], internals: [new OpenTelemetryInternalsInterceptor()] };
};
