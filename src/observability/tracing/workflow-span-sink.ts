import { makeWorkflowExporter, type OpenTelemetryWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { orderNoOfWorkflowId } from '../../workflows/workflow-ids';
import { ATTR } from './spans';
import type { Tracing } from './install';

/**
 * Where workflow spans leave the sandbox. The SDK's exporter copies the whole WorkflowInfo onto every
 * span (memo, search attributes with the buyer's email, nested objects no backend can index); this
 * one hands it the run's identity and order number only.
 */
export function workflowSpanSink(tracing: Tracing): InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }> {
  const exporter = makeWorkflowExporter(tracing.processor, tracing.resource);
  return {
    exporter: {
      export: {
        fn: (info: WorkflowInfo, spans) => {
          const identity = {
            'temporal.workflow_id': info.workflowId,
            'temporal.run_id': info.runId,
            'temporal.workflow_type': info.workflowType,
            [ATTR.orderNo]: orderNoOfWorkflowId(info.workflowId) ?? '',
          };
          void exporter.export.fn(identity as unknown as WorkflowInfo, spans);
        },
      },
    },
  };
}
