import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config';
import { createDb } from '../db/client';
import { pingDatabase } from '../db/database';
import { DependencyError } from '../db/errors';
import { TEMPORAL_HINT, openTemporalConnection, temporalClient, temporalConnectionOptions } from '../temporal/connection';
import type { Client } from '@temporalio/client';
import { dataConverterFor } from '../temporal/encryption-codec';
import { ActivityMetricsInterceptor } from '../observability/activity-metrics-interceptor';
import { activeTracing, type Tracing } from '../observability/tracing/install';
import { tracedActivity } from '../observability/tracing/activity-spans';
import { workflowSpanSink } from '../observability/tracing/workflow-span-sink';
import { createLogger } from '../logging';
import { createActivities, type ActivityDeps } from '../activities';
import { createChannelRegistry } from '../payments/registry';
import { CardKeyCipher } from '../crypto/card-key-cipher';
import { AccessTokens } from '../crypto/access-token';
import { createSmtpMailer } from '../mail/mailer';
import { withBreaker } from '../mail/breaker';
import { workflowSource } from './workflow-source';
import { chooseWorkflowStackTraces } from './stack-traces';
import { reportPayment } from '../orders/report-payment';
import { startChannelNotice, startRecovery } from '../orders/order-runs';
import { observeOrderTransitions } from '../observability/order-metrics';
import { ChannelCallStats, countChannelCalls } from '../channels/call-stats';
import { ChannelProber } from '../channels/prober';
import { AdmissionController } from '../admission/admission-controller';
import { DegradeController } from '../degrade/degrade-controller';
import { DeferredEmailSender } from '../degrade/deferred-emails';
import { errorMessage, firstLine } from '../error-text';

/** How often the auto admission rate is stepped: often enough to catch a burst within seconds. */
const ADMISSION_STEP_MS = 2_000;
/** How often the degrade switch's auto mode looks at the lag, and the deferred emails are looked for. */
const DEGRADE_STEP_MS = 5_000;
const DEFERRED_EMAIL_STEP_MS = 10_000;

/** How long a mail server that refused is left alone before one probe (src/mail/breaker.ts). */
const MAIL_BREAKER_COOLDOWN_MS = 2000;
/** How often this process adds its channel call counts to Postgres. */
const CALL_STATS_FLUSH_MS = 2_000;

/**
 * Activity spans (children of the workflow's) when this process traces, and always the sink for
 * workflow spans: a run started by a traced API must not find its exporter missing here.
 */
function tracedWorker(tracing: Tracing, workflowModules: string[] | undefined): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      activity: [...(tracing.enabled ? [tracedActivity] : []), (ctx) => ({ inbound: new ActivityMetricsInterceptor(ctx) })],
      workflowModules,
    },
    sinks: workflowSpanSink(tracing),
  };
}

export interface BuiltWorker {
  worker: Worker;
  close(): Promise<void>;
}

export function createActivityDeps(config: Config, temporal: Client, callStats: ChannelCallStats): ActivityDeps {
  const db = createDb(config.databaseUrl);
  const clock = () => new Date();
  const runDeps = { db, temporal, config, clock };
  const logger = createLogger('activities', config.logLevel);
  observeOrderTransitions();
  callStats.start(db, CALL_STATS_FLUSH_MS, (error) =>
    logger.warn({ err: firstLine(errorMessage(error), 300) }, 'could not store channel call counts; kept for the next try'),
  );
  return {
    temporal,
    config,
    logger,
    db,
    orders: { handOff: (orderNo, report) => reportPayment(runDeps, orderNo, report), recover: (orderNo) => startRecovery(runDeps, orderNo) },
    cipher: new CardKeyCipher(config.cardKeyEncryptionKey),
    accessTokens: new AccessTokens(config.cardKeyEncryptionKey),
    mailer: withBreaker(createSmtpMailer(config.smtpUrl, config.mailFrom), { cooldownMs: MAIL_BREAKER_COOLDOWN_MS }),
    channels: countChannelCalls(createChannelRegistry(config), callStats),
    publicBaseUrl: config.publicBaseUrl,
    clock,
  };
}

export interface OrderWorkerOptions {
  /**
   * Also probe the payment channels every CHANNEL_PROBE_INTERVAL and keep their health (every
   * worker process may; one probes at a time). Off where a test decides channel health itself.
   */
  probeChannels?: boolean;
  /** ADMISSION=auto: move the shared admission rate with measured delivery lag (every worker may; one step lands per interval). */
  steerAdmission?: boolean;
  /** Move the degrade switch with delivery lag while it is in auto mode, and send the delivery emails essential deferred. */
  steerDegrade?: boolean;
}

/** A worker for the order task queue with the real activity dependencies. */
export async function createOrderWorker(config: Config, overrides: Partial<WorkerOptions> = {}, options: OrderWorkerOptions = {}): Promise<BuiltWorker> {
  await pingDatabase(config.databaseUrl);
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(temporalConnectionOptions(config));
  } catch (error) {
    throw new DependencyError('Temporal', config.temporal.address, TEMPORAL_HINT, error);
  }
  const clientConnection = await openTemporalConnection(config);
  const callStats = new ChannelCallStats();
  const deps = createActivityDeps(config, temporalClient(config, clientConnection), callStats);
  const prober = options.probeChannels
    ? new ChannelProber({
        db: deps.db,
        channels: createChannelRegistry(config),
        clock: deps.clock,
        intervalMs: config.channelProbeIntervalMs,
        logger: deps.logger,
        onChange: (change) => startChannelNotice(deps, change),
      })
    : undefined;
  prober?.start();
  const admission = options.steerAdmission
    ? new AdmissionController({ db: deps.db, config: config.admission, clock: deps.clock, logger: deps.logger, intervalMs: ADMISSION_STEP_MS })
    : undefined;
  admission?.start();
  const degrade = options.steerDegrade
    ? [
        new DegradeController({ db: deps.db, thresholds: config.degrade, clock: deps.clock, logger: deps.logger, intervalMs: DEGRADE_STEP_MS }),
        new DeferredEmailSender({ ...deps, intervalMs: DEFERRED_EMAIL_STEP_MS }),
      ]
    : [];
  for (const loop of degrade) loop.start();
  // Development bundles at start and takes the interceptor modules as a worker option; a prebuilt bundle has them inside.
  const { workflowModules, ...workflowCode } = { workflowModules: undefined, ...workflowSource() };
  if (!chooseWorkflowStackTraces(config.workflowStackTraces)) {
    deps.logger.warn(
      'WORKFLOW_STACK_TRACES=off is not in effect: node_modules lacks patches/ (run `npm install` without --ignore-scripts); every workflow promise still records a stack trace',
    );
  }
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities(deps),
    dataConverter: dataConverterFor(config.payloadEncryptionKeys),
    ...tracedWorker(activeTracing(), workflowModules),
    ...workflowCode,
    ...overrides,
  });
  return {
    worker,
    async close() {
      await prober?.stop();
      await admission?.stop();
      for (const loop of degrade) await loop.stop();
      await callStats.stop(deps.db);
      deps.mailer.close();
      await deps.db.$disconnect();
      await clientConnection.close();
      await connection.close();
    },
  };
}
