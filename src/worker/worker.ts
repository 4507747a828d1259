import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config';
import { createDb } from '../db/client';
import { pingDatabase } from '../db/database';
import { DependencyError } from '../db/errors';
import { TEMPORAL_HINT, openTemporalConnection, temporalClient, temporalConnectionOptions } from '../temporal/connection';
import type { Client } from '@temporalio/client';
import { dataConverterFor } from '../temporal/encryption-codec';
import { ActivityMetricsInterceptor } from '../observability/activity-metrics-interceptor';
import { createLogger } from '../logging';
import { createActivities, type ActivityDeps } from '../activities';
import { createChannelRegistry } from '../payments/registry';
import { CardKeyCipher } from '../crypto/card-key-cipher';
import { AccessTokens } from '../crypto/access-token';
import { createSmtpMailer } from '../mail/mailer';
import { withBreaker } from '../mail/breaker';
import { workflowSource } from './workflow-source';
import { reportPayment } from '../orders/report-payment';
import { startRecovery } from '../orders/order-runs';
import { observeOrderTransitions } from '../observability/order-metrics';

/** How long a mail server that refused is left alone before one probe (src/mail/breaker.ts). */
const MAIL_BREAKER_COOLDOWN_MS = 2000;

export interface BuiltWorker {
  worker: Worker;
  close(): Promise<void>;
}

export function createActivityDeps(config: Config, temporal: Client): ActivityDeps {
  const db = createDb(config.databaseUrl);
  const clock = () => new Date();
  const runDeps = { db, temporal, config, clock };
  observeOrderTransitions();
  return {
    temporal,
    config,
    logger: createLogger('activities', config.logLevel),
    db,
    orders: { handOff: (orderNo, report) => reportPayment(runDeps, orderNo, report), recover: (orderNo) => startRecovery(runDeps, orderNo) },
    cipher: new CardKeyCipher(config.cardKeyEncryptionKey),
    accessTokens: new AccessTokens(config.cardKeyEncryptionKey),
    mailer: withBreaker(createSmtpMailer(config.smtpUrl, config.mailFrom), { cooldownMs: MAIL_BREAKER_COOLDOWN_MS }),
    channels: createChannelRegistry(config),
    publicBaseUrl: config.publicBaseUrl,
    clock,
  };
}

/** A worker for the order task queue with the real activity dependencies. */
export async function createOrderWorker(config: Config, overrides: Partial<WorkerOptions> = {}): Promise<BuiltWorker> {
  await pingDatabase(config.databaseUrl);
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(temporalConnectionOptions(config));
  } catch (error) {
    throw new DependencyError('Temporal', config.temporal.address, TEMPORAL_HINT, error);
  }
  const clientConnection = await openTemporalConnection(config);
  const deps = createActivityDeps(config, temporalClient(config, clientConnection));
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities(deps),
    dataConverter: dataConverterFor(config.payloadEncryptionKeys),
    interceptors: { activity: [(ctx) => ({ inbound: new ActivityMetricsInterceptor(ctx) })] },
    ...workflowSource(),
    ...overrides,
  });
  return {
    worker,
    async close() {
      deps.mailer.close();
      await deps.db.$disconnect();
      await clientConnection.close();
      await connection.close();
    },
  };
}
