import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config';
import { createDb } from '../db/client';
import { pingDatabase } from '../db/database';
import { describeDatabaseUrl } from '../db/errors';
import { verifyCardKeyEncryptionKey } from '../crypto/verify-card-key';
import { connectTemporal } from '../temporal/connection';
import { createChannelRegistry } from '../payments/registry';
import { CardKeyCipher } from '../crypto/card-key-cipher';
import { AccessTokens, ReturnCodes } from '../crypto/access-token';
import { createLogger, type Logger } from '../logging';
import { createApp } from './app';
import { PendingSignals } from '../payments/pending-signals';
import { reportPayment } from '../orders/report-payment';
import { RejectionLog } from '../payments/rejected-notifications';
import { observeOrderTransitions } from '../observability/order-metrics';
import { startMetricsServer } from '../observability/metrics-server';
import { ChannelCallStats, countChannelCalls } from '../channels/call-stats';
import { StockRefusals } from '../stock/stock-refusals';
import { AdmissionTickets } from '../admission/admission-tickets';
import { AdmissionGate } from '../admission/admission';
import { PerKeyQueue } from '../orders/per-key-queue';
import { DegradeLevelCache } from '../degrade/degrade-switch';
import { ChannelRouter, downRetryAfterSeconds } from '../channels/router';
import { configuredWeights } from '../channels/channel-admin';
import { errorMessage, firstLine } from '../error-text';
import { primaryReads, startReadSide } from './read-side';

/** How often this process adds its channel call counts to Postgres. */
const CALL_STATS_FLUSH_MS = 2_000;
/** Connections kept for payment notifications: each holds one for a few milliseconds. */
const CALLBACK_POOL_SIZE = 4;

export interface RunningApi {
  url: string;
  /** The API's /metrics, on API_METRICS_PORT: a port of its own, so the public port never shows them. */
  metricsUrl: string;
  close(): Promise<void>;
}

/** Connects to Postgres and Temporal (failing fast with what to do), then serves the API. */
export async function startApiServer(config: Config, options: { port?: number; metricsPort?: number; logger?: Logger } = {}): Promise<RunningApi> {
  const logger = options.logger ?? createLogger('api', config.logLevel);
  await pingDatabase(config.databaseUrl);
  const temporal = await connectTemporal(config);
  const db = createDb(config.databaseUrl);
  // Payment notifications get connections of their own: a flood of order attempts (a flash sale)
  // may queue for the main pool, but a channel's callback is answered at once.
  const callbackDb = createDb(config.databaseUrl, { max: CALLBACK_POOL_SIZE });
  await verifyCardKeyEncryptionKey(db, config.cardKeyEncryptionKey, describeDatabaseUrl(config.databaseUrl));
  const reads = config.apiRoutes === 'all' ? await startReadSide(config, db, logger) : primaryReads(db);
  const pendingSignals = new PendingSignals(config.callbackSignalWaitMs, logger);
  const clock = () => new Date();
  observeOrderTransitions();
  const callStats = new ChannelCallStats();
  callStats.start(db, CALL_STATS_FLUSH_MS, (error) =>
    logger.warn({ err: firstLine(errorMessage(error), 300) }, 'could not store channel call counts; kept for the next try'),
  );
  const channels = countChannelCalls(createChannelRegistry(config), callStats);
  const app = createApp({
    config,
    db,
    temporal,
    channels,
    router: new ChannelRouter(db, channels, { weights: configuredWeights(config), retryAfterSeconds: downRetryAfterSeconds(config.channelProbeIntervalMs) }),
    cipher: new CardKeyCipher(config.cardKeyEncryptionKey),
    accessTokens: new AccessTokens(config.cardKeyEncryptionKey),
    returnCodes: new ReturnCodes(config.cardKeyEncryptionKey),
    logger,
    clock,
    stockRefusals: new StockRefusals(),
    skuQueue: new PerKeyQueue(),
    degrade: new DegradeLevelCache(db),
    admission: new AdmissionGate(config.admission, new AdmissionTickets(config.cardKeyEncryptionKey)),
    pendingSignals,
    callbackDb,
    handOff: (orderNo, report) => reportPayment({ db: callbackDb, temporal, config, clock }, orderNo, report),
    rejections: new RejectionLog(logger),
    reads,
  });
  const server = http.createServer(app);
  // Slow clients are cut off instead of holding a socket forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.port, '0.0.0.0', resolve);
  });
  const { port } = server.address() as AddressInfo;
  // Loopback in local mode; in production the metrics port is for the cluster's scraper, not the internet.
  const metrics = await startMetricsServer(options.metricsPort ?? config.apiMetricsPort, config.mode === 'production' ? '0.0.0.0' : '127.0.0.1');
  const metricsPort = (metrics.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => metrics.close(() => resolve()));
        server.closeAllConnections();
        // Callbacks already answered still owe their signal; the relay would deliver them, but later.
        await pendingSignals.drain();
        await callStats.stop(db);
        await reads.close();
        await db.$disconnect();
        await callbackDb.$disconnect();
        await temporal.connection.close();
      })();
      return closing;
    },
  };
}
