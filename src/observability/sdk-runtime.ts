import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logging';

/**
 * Installs the SDK runtime once per worker process: its own Prometheus exporter (Temporal's
 * worker metrics: task latencies, slots, polls) and its log lines routed into pino as JSON, with
 * the order number derived from the workflow id on every line that has one.
 */
export function installSdkRuntime(logger: Logger, sdkMetricsPort: number | undefined): void {
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      const meta = { ...(entry.meta ?? {}) } as Record<string, unknown>;
      const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
      const orderNo = meta.orderNo ?? (workflowId?.startsWith('order-') ? workflowId.split('-')[1] : undefined);
      const level = entry.level.toLowerCase() as Lowercase<LogLevel>;
      const method = level === 'trace' ? 'trace' : level === 'debug' ? 'debug' : level === 'warn' ? 'warn' : level === 'error' ? 'error' : 'info';
      logger[method]({ ...meta, orderNo, workflowId }, entry.message);
    }),
    ...(sdkMetricsPort ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${sdkMetricsPort}` } } } } : {}),
  });
}
