import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptors, Next } from '@temporalio/worker';
import type { Context } from '@temporalio/activity';
import { orderNoOfWorkflowId } from '../../workflows/workflow-ids';
import { ATTR, currentSpan } from './spans';

/** Puts the order number on the activity's span, so a backend can find an order's activities by it. */
class OrderNumberOnSpan implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const workflowId = this.ctx.info.workflowExecution?.workflowId;
    const orderNo = workflowId && orderNoOfWorkflowId(workflowId);
    if (orderNo) currentSpan()?.setAttribute(ATTR.orderNo, orderNo);
    return next(input);
  }
}

/**
 * The SDK's activity span (a child of the workflow span that scheduled it) with the order number on
 * it; log lines written inside carry its trace id.
 */
export function tracedActivity(ctx: Context): ActivityInterceptors {
  const span = new OpenTelemetryActivityInboundInterceptor(ctx);
  const order = new OrderNumberOnSpan(ctx);
  return {
    inbound: { execute: (input, next) => span.execute(input, (inner) => order.execute(inner, next)) },
    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
  };
}
