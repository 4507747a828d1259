import { loadConfig } from '../config';
import { reportFatal } from '../cli';
import { createOrderWorker } from './worker';
import { createLogger } from '../logging';
import { installSdkRuntime } from '../observability/sdk-runtime';
import { describeTracing, installTracing } from '../observability/tracing/install';
import { startMetricsServer } from '../observability/metrics-server';
import { primeMetrics } from '../observability/metrics';
import { createChannelRegistry } from '../payments/registry';
import { connectTemporal } from '../temporal/connection';
import { ensureArchiveSchedule, ensureReconcileSchedule } from '../temporal/schedules';

async function main() {
  const config = loadConfig();
  const logger = createLogger('worker', config.logLevel);
  const tracing = installTracing(config.tracing, 'keyflow-worker', { logger });
  installSdkRuntime(logger, config.sdkMetricsPort);
  primeMetrics([...createChannelRegistry(config).keys()]);
  const metricsServer = await startMetricsServer(config.workerMetricsPort);
  const { worker, close } = await createOrderWorker(config, {}, { probeChannels: true, steerAdmission: config.admission.mode === 'auto', steerDegrade: true });
  const client = await connectTemporal(config);
  const schedule = await ensureReconcileSchedule(client, config);
  const archive = await ensureArchiveSchedule(client, config);
  await client.connection.close();
  console.log(`reconciliation schedule ${schedule}: every ${config.reconcileIntervalMs / 1000}s`);
  console.log(
    `archive schedule ${archive}${archive === 'off' ? ' (ARCHIVE_AFTER=0)' : `: settled orders older than ${config.archiveAfterMs / 86_400_000} days, hourly`}`,
  );
  console.log(`payment channels probed every ${config.channelProbeIntervalMs / 1000}s: ${[...createChannelRegistry(config).keys()].join(', ')}`);
  console.log(`Keyflow worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  // worker.run() resolves after SIGINT/SIGTERM once in-flight tasks are done (the SDK installs the handlers).
  if (tracing.enabled) console.log(describeTracing(config.tracing));
  console.log(`worker metrics on :${config.workerMetricsPort}/metrics, SDK metrics on :${config.sdkMetricsPort}/metrics`);
  await worker.run();
  await close();
  await tracing.shutdown();
  metricsServer.close();
}

main().catch((error) => {
  reportFatal(error);
  process.exit(1);
});
