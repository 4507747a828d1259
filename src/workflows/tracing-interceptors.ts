// Workflow-side OpenTelemetry, loaded into every workflow bundle (src/worker/workflow-source.ts).
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

/**
 * The SDK's workflow interceptors, for runs whose start carried a trace context (and for signals
 * that carry one): a run started untraced (tracing off, the reconciliation schedule) creates no span
 * and no tracer at all. The decision rests on headers recorded in history, so replay decides the same.
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  let inbound: OpenTelemetryInboundInterceptor | undefined;
  let outbound: OpenTelemetryOutboundInterceptor | undefined;
  const tracedInbound = () => (inbound ??= new OpenTelemetryInboundInterceptor());
  const gate: WorkflowInboundCallsInterceptor = {
    execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
      if (!input.headers[TRACE_HEADER]) return next(input);
      outbound = new OpenTelemetryOutboundInterceptor();
      return tracedInbound().execute(input, next);
    },
    handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) {
      return input.headers[TRACE_HEADER] ? tracedInbound().handleSignal(input, next) : next(input);
    },
  };
  const calls: WorkflowOutboundCallsInterceptor = {
    scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
      return outbound ? outbound.scheduleActivity(input, next) : next(input);
    },
    scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>) {
      return outbound ? outbound.scheduleLocalActivity(input, next) : next(input);
    },
    startChildWorkflowExecution(input: StartChildWorkflowExecutionInput, next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>) {
      return outbound ? outbound.startChildWorkflowExecution(input, next) : next(input);
    },
  };
  return { inbound: [gate], outbound: [calls], internals: [new OpenTelemetryInternalsInterceptor()] };
};
