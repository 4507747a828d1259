import client from 'prom-client';

/**
 * Keyflow's own metrics, one registry per process (API or worker); `/metrics` serves it. Names are
 * the contract with deploy/prometheus/alerts.yml and the Grafana dashboard (a test checks both).
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'keyflow_process_' });

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900];

export const metrics = {
  callbackAckSeconds: new client.Histogram({
    name: 'keyflow_callback_ack_seconds',
    help: 'Time from a payment notification arriving to the channel getting its answer',
    labelNames: ['channel', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
    registers: [registry],
  }),
  callbackSignalSeconds: new client.Histogram({
    name: 'keyflow_callback_signal_seconds',
    help: 'Time from a verified payment being stored to its order workflow having it (the answer may go first)',
    labelNames: ['channel', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3, 10],
    registers: [registry],
  }),
  callbacks: new client.Counter({
    name: 'keyflow_callbacks_total',
    help: 'Payment notifications by channel and verdict (verified, rejected, not-stored)',
    labelNames: ['channel', 'verdict'] as const,
    registers: [registry],
  }),
  ordersCreated: new client.Counter({
    name: 'keyflow_orders_created_total',
    help: 'Orders placed, by channel and result (started, failed)',
    labelNames: ['channel', 'result'] as const,
    registers: [registry],
  }),
  ordersRefused: new client.Counter({
    name: 'keyflow_orders_refused_total',
    help: 'New orders refused before payment, by reason (busy, held, insufficient_stock, rate_limited, no_channel_available, …)',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  createdToPaidSeconds: new client.Histogram({
    name: 'keyflow_order_created_to_paid_seconds',
    help: 'Order placed → payment recorded',
    labelNames: ['channel'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  }),
  paidToDeliveredSeconds: new client.Histogram({
    name: 'keyflow_order_paid_to_delivered_seconds',
    help: 'Payment recorded → keys delivered',
    labelNames: ['channel'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  }),
  ordersFinal: new client.Counter({
    name: 'keyflow_orders_final_total',
    help: 'Orders reaching a final or human state, by state and channel',
    labelNames: ['state', 'channel'] as const,
    registers: [registry],
  }),
  refunds: new client.Counter({
    name: 'keyflow_refunds_total',
    help: 'Refund attempts by outcome (succeeded, refused)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  }),
  reconciliationFindings: new client.Counter({
    name: 'keyflow_reconciliation_findings_total',
    help: 'Reconciliation findings by kind and whether they were repaired',
    labelNames: ['kind', 'repaired'] as const,
    registers: [registry],
  }),
  paymentsUnverified: new client.Counter({
    name: 'keyflow_payments_unverified_total',
    help: 'Payment reports an order would not believe: no matching verified notification and the channel does not confirm them (forged signals)',
    labelNames: ['channel'] as const,
    registers: [registry],
  }),
  buyerEmailsRefused: new client.Counter({
    name: 'keyflow_buyer_emails_refused_total',
    help: 'Buyer emails not sent because the mail server refused the address for good (5.1.x), by kind (delivery, resend, refund, link)',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
  activityRetries: new client.Counter({
    name: 'keyflow_activity_retries_total',
    help: 'Activity attempts that failed and will be retried, by activity and failure type (DatabaseUnavailable: waiting for Postgres)',
    labelNames: ['activity', 'failure'] as const,
    registers: [registry],
  }),
  activitySeconds: new client.Histogram({
    name: 'keyflow_activity_duration_seconds',
    help: 'Activity execution time by activity type and result',
    labelNames: ['activity', 'result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 15, 30],
    registers: [registry],
  }),
  readCache: new client.Counter({
    name: 'keyflow_read_cache_total',
    help: 'Cached reads by cache and result: hit (this process), shared (Redis), miss (loaded), bypass (change feed down)',
    labelNames: ['cache', 'result'] as const,
    registers: [registry],
  }),
  readRoute: new client.Counter({
    name: 'keyflow_read_route_total',
    help: 'Reads that may go to a replica, by where they went: replica, or primary and why (none, lagging, down, failed)',
    labelNames: ['target'] as const,
    registers: [registry],
  }),
  replicaLagSeconds: new client.Gauge({
    name: 'keyflow_replica_lag_seconds',
    help: 'How far behind the primary each read replica was at its last check (everything older is on it)',
    labelNames: ['replica'] as const,
    registers: [registry],
  }),
};

export const FINAL_STATES = new Set(['DELIVERED', 'REFUNDED', 'EXPIRED', 'CANCELLED', 'NEEDS_REVIEW', 'FAILED']);

const FINDING_KINDS = [
  'inbox-unsignalled',
  'created-orphan',
  'awaiting-without-workflow',
  'payment-held',
  'paid-not-delivered',
  'unknown-paid-trade',
  'unrecorded-paid-trade',
];

/** Starts every labelled counter at 0 for the enabled channels, so rate() and alerts see a series from the start. */
export function primeMetrics(channels: readonly string[]): void {
  for (const channel of channels) {
    for (const outcome of ['succeeded', 'refused']) metrics.refunds.inc({ channel, outcome }, 0);
    for (const verdict of ['verified', 'rejected', 'not-stored']) metrics.callbacks.inc({ channel, verdict }, 0);
    for (const state of FINAL_STATES) metrics.ordersFinal.inc({ state, channel }, 0);
    for (const result of ['started', 'failed']) metrics.ordersCreated.inc({ channel, result }, 0);
    metrics.paymentsUnverified.inc({ channel }, 0);
  }
  metrics.activityRetries.inc({ activity: 'deliverPayment', failure: 'DatabaseUnavailable' }, 0);
  for (const kind of ['delivery', 'resend', 'refund', 'link']) metrics.buyerEmailsRefused.inc({ kind }, 0);
  for (const kind of FINDING_KINDS) for (const repaired of ['true', 'false']) metrics.reconciliationFindings.inc({ kind, repaired }, 0);
}
