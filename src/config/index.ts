import path from 'node:path';
import { z } from 'zod';
import { parseKey32, envSchema } from './schema';
import { GENERATED_SECRET_NAMES, loadOrCreateLocalSecrets, type GeneratedSecretName } from './local-secrets';
import { PROJECT_ROOT } from '../paths';
import { loadTemporalConnection, type TemporalConnectionConfig } from './temporal-connection';
import { epayInstances, type EpayInstanceConfig } from './epay-instances';
import { tracingConfig, type TracingConfig } from './tracing';

export type { EpayInstanceConfig } from './epay-instances';
export type { TracingConfig } from './tracing';

export interface EpayConfig {
  pid: string;
  key: string;
  apiUrl: string;
}

import type { AlipayConfig } from '../payments/alipay';
import type { StripeConfig } from '../payments/stripe';
import type { WechatPayConfig } from '../payments/wechatpay';

export interface Config {
  mode: 'local' | 'production';
  nodeEnv: 'development' | 'production' | 'test';
  databaseUrl: string;
  /** Reads that may be a moment old (see src/db/read-replicas.ts). */
  replicas: { urls: string[]; maxLagMs: number };
  /** The read cache: per process, plus Redis as a shared level when a URL is set. */
  readCache: { enabled: boolean; redisUrl?: string; redisKeyPrefix: string };
  temporal: TemporalConnectionConfig & { taskQueue: string; uiPort: number; uiUrl: string };
  port: number;
  publicBaseUrl: string;
  /** Where channels are told to send payment notifications: PUBLIC_BASE_URL unless NOTIFY_BASE_URL says otherwise. */
  notifyBaseUrl: string;
  /** Which routes this API process serves: all of them, or only payment notifications and health. */
  apiRoutes: 'all' | 'payments';
  /** Where `npm start` runs its payment-notification process, and that process's metrics. */
  callbackPort: number;
  callbackMetricsPort: number;
  sandboxPort: number;
  smtpUrl: string;
  mailFrom: string;
  shopName: string;
  /** Staff name → bearer token. */
  adminTokens: Map<string, string>;
  cardKeyEncryptionKey: Buffer;
  payloadEncryptionKeys: Array<{ id: string; key: Buffer }>;
  codecPort: number;
  /** Required from callers of the codec server when set (always in production). */
  codecToken?: string;
  codecAllowedOrigins: string[];
  /** Whether the worker keeps workflow stack traces for the __stack_trace query (the Web UI's Stack Trace tab). */
  workflowStackTraces: boolean;
  workerMetricsPort: number;
  /** The API's own /metrics, on a port of its own (loopback in local mode). */
  apiMetricsPort: number;
  sdkMetricsPort: number;
  operatorWebhook?: { url: string; secret: string };
  lowStockThreshold: number;
  searchBuyerEmail: boolean;
  /** Every Epay aggregator account: `epay`, `epay-backup` (local mode's second sandbox), `epay-<name>`. */
  epayInstances: EpayInstanceConfig[];
  alipay?: AlipayConfig;
  stripe?: StripeConfig;
  wechatpay?: WechatPayConfig;
  order: {
    paymentDeadlineMs: number;
    paymentPollIntervalMs: number;
    latePaymentPolicy: 'fulfil' | 'refund';
    restockWaitMs: number;
    deliverySlaMs: number;
    /** An order in NEEDS_REVIEW reminds the operator this often, and its run waits at most reviewWaitMs. */
    reviewReminderMs: number;
    reviewWaitMs: number;
    maxQuantity: number;
    /** Whether open unpaid orders hold stock: an order that the keys left after them cannot fill is refused (429 held) before the buyer pays. */
    stockHolds: boolean;
    /** Whether staff may refund an order whose keys were delivered (the keys are voided). */
    refundDelivered: boolean;
  };
  /** How long a payment callback's answer waits for its signal; the signal always finishes. */
  callbackSignalWaitMs: number;
  /** How often every channel instance is asked a signed query, to notice a dead gateway. */
  channelProbeIntervalMs: number;
  /** How many new orders are admitted (see src/admission/). */
  admission: {
    /** 'auto': the rate follows measured delivery lag; 'off': every order; a number: that many a second. */
    mode: 'auto' | 'off' | 'fixed';
    fixedRatePerSec?: number;
    /** Orders admitted at once above the rate (its worth in time). */
    burstMs: number;
    /** Buyers told to wait get a place in the queue up to this far ahead; beyond it, only a time to come back. */
    maxWaitMs: number;
    /** In auto mode, the paid→delivered lag the rate is steered to stay under. */
    targetLagMs: number;
  };
  /** The degrade switch's auto mode (see src/degrade/): the delivery lag each level starts at, and how long it must stay low to step back. */
  degrade: {
    leanAtMs: number;
    essentialAtMs: number;
    calmMs: number;
  };
  /** Refusals before payment (0 turns a limit off), and whom to believe about the client's address. */
  limits: {
    ordersPerIpPerMinute: number;
    openOrdersPerEmail: number;
    /** Express's `trust proxy`: `loopback` by default, `true`, a hop count, or addresses and subnets. */
    trustProxy: boolean | number | string;
    linkResendCooldownMs: number;
  };
  /** Rejected payment notifications are deleted after this long (reconciliation does it). */
  rejectedNotificationRetentionMs: number;
  reconcileIntervalMs: number;
  /** Settled orders untouched this long move out of the hot tables (0: never). */
  archiveAfterMs: number;
  logLevel: string;
  /** OpenTelemetry tracing: off unless an OTLP endpoint is configured. */
  tracing: TracingConfig;
  /** Secrets that local mode supplied from its secrets file (for the banner). */
  localSecrets?: { file: string; used: GeneratedSecretName[]; createdNow: GeneratedSecretName[] };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Keyflow configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSet the variables in the environment (see README "Configuration").`,
    );
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Where local mode keeps generated secrets; `.keyflow/` in the project by default. */
  secretsDir?: string;
}

const CHANNEL_VARIABLES = {
  Alipay: ['ALIPAY_APP_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY'],
  Stripe: ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'],
  'WeChat Pay': [
    'WECHATPAY_MCHID',
    'WECHATPAY_APPID',
    'WECHATPAY_APIV3_KEY',
    'WECHATPAY_PLATFORM_PUBLIC_KEY',
    'WECHATPAY_PLATFORM_SERIAL',
    'WECHATPAY_MERCHANT_PRIVATE_KEY',
    'WECHATPAY_MERCHANT_SERIAL',
  ],
} as const;

const PRODUCTION_REQUIRED = ['ADMIN_TOKEN or ADMIN_TOKENS', 'CARD_KEY_ENCRYPTION_KEY', 'PAYLOAD_ENCRYPTION_KEYS', 'PUBLIC_BASE_URL', 'CODEC_TOKEN'] as const;

/** Reads and validates the environment once; everything else receives the result. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const cleaned: Record<string, string> = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  const production = cleaned.NODE_ENV === 'production';

  // Local mode fills in the shop's own missing secrets before validation, so generated values go
  // through the same schema as given ones. Production never invents a secret.
  let localSecrets: Config['localSecrets'];
  if (!production) {
    // The second sandbox gateway's credentials only when `epay` is itself the local sandbox.
    const sandboxUrl = `http://127.0.0.1:${cleaned.SANDBOX_PORT ?? '3100'}`;
    const backupSandbox = (cleaned.EPAY_API_URL ?? sandboxUrl).replace(/\/+$/, '') === sandboxUrl && !cleaned.EPAY_BACKUP_API_URL;
    const needed = GENERATED_SECRET_NAMES.filter((name) => {
      if (name === 'ADMIN_TOKEN') return !cleaned.ADMIN_TOKEN && !cleaned.ADMIN_TOKENS;
      if (name.startsWith('EPAY_BACKUP_')) return backupSandbox && !cleaned[name];
      return !cleaned[name];
    });
    if (needed.length > 0) {
      const secrets = loadOrCreateLocalSecrets(options.secretsDir ?? path.join(PROJECT_ROOT, '.keyflow'));
      for (const name of needed) cleaned[name] = secrets.values[name];
      localSecrets = { file: secrets.file, used: needed, createdNow: secrets.created.filter((n) => needed.includes(n)) };
    }
  }

  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map(describeIssue));
  }
  const raw = parsed.data;

  const problems: string[] = [];
  let temporalConnection: TemporalConnectionConfig | undefined;
  try {
    temporalConnection = loadTemporalConnection(cleaned);
  } catch (error) {
    problems.push(`the Temporal connection settings (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE, TEMPORAL_TLS_*) could not be read: ${(error as Error).message}`);
  }
  if (production) {
    const missing = PRODUCTION_REQUIRED.filter((name) => {
      if (name === 'ADMIN_TOKEN or ADMIN_TOKENS') return !raw.ADMIN_TOKEN && !raw.ADMIN_TOKENS;
      return raw[name] === undefined;
    });
    for (const name of missing) problems.push(`${name} is required when NODE_ENV=production`);
  }
  // A channel is enabled by its variables; a half-configured one is a mistake worth stopping for.
  for (const [channel, names] of Object.entries(CHANNEL_VARIABLES)) {
    const given = names.filter((name) => raw[name] !== undefined);
    if (given.length > 0 && given.length < names.length) {
      problems.push(`${channel} is half configured: set ${names.filter((n) => !given.includes(n)).join(', ')} too (or unset ${given.join(', ')})`);
    }
  }
  const tracing = tracingConfig(cleaned, problems);
  const epay = epayInstances(cleaned, { sandboxPort: raw.SANDBOX_PORT, production }, problems);
  if (raw.OPERATOR_WEBHOOK_URL && !raw.OPERATOR_WEBHOOK_SECRET)
    problems.push('OPERATOR_WEBHOOK_SECRET is required when OPERATOR_WEBHOOK_URL is set (it signs the webhook)');
  if (raw.DEGRADE_ESSENTIAL_AT <= raw.DEGRADE_LEAN_AT)
    problems.push(
      `DEGRADE_ESSENTIAL_AT (${raw.DEGRADE_ESSENTIAL_AT} ms) must be longer than DEGRADE_LEAN_AT (${raw.DEGRADE_LEAN_AT} ms): essential is the deeper level`,
    );
  if (problems.length > 0) throw new ConfigError(problems);

  const adminTokens = new Map<string, string>();
  for (const { name, value } of raw.ADMIN_TOKENS ?? []) adminTokens.set(name, value);
  if (raw.ADMIN_TOKEN) adminTokens.set('admin', raw.ADMIN_TOKEN);

  return {
    mode: production ? 'production' : 'local',
    nodeEnv: raw.NODE_ENV,
    databaseUrl: raw.DATABASE_URL,
    replicas: { urls: raw.DATABASE_REPLICA_URLS, maxLagMs: raw.REPLICA_MAX_LAG },
    readCache: { enabled: raw.READ_CACHE === 'on', redisUrl: raw.REDIS_URL, redisKeyPrefix: raw.REDIS_KEY_PREFIX },
    temporal: {
      ...temporalConnection!,
      taskQueue: raw.TEMPORAL_TASK_QUEUE,
      uiPort: raw.TEMPORAL_UI_PORT,
      uiUrl: (raw.TEMPORAL_UI_URL ?? `http://127.0.0.1:${raw.TEMPORAL_UI_PORT}`).replace(/\/+$/, ''),
    },
    port: raw.PORT,
    publicBaseUrl: (raw.PUBLIC_BASE_URL ?? `http://127.0.0.1:${raw.PORT}`).replace(/\/+$/, ''),
    notifyBaseUrl: (raw.NOTIFY_BASE_URL ?? raw.PUBLIC_BASE_URL ?? `http://127.0.0.1:${raw.PORT}`).replace(/\/+$/, ''),
    apiRoutes: raw.API_ROUTES,
    callbackPort: raw.CALLBACK_PORT,
    callbackMetricsPort: raw.CALLBACK_METRICS_PORT,
    sandboxPort: raw.SANDBOX_PORT,
    smtpUrl: raw.SMTP_URL,
    mailFrom: raw.MAIL_FROM,
    shopName: raw.SHOP_NAME,
    adminTokens,
    // Both are present here: given, generated in local mode, or start-up stopped above in production.
    cardKeyEncryptionKey: raw.CARD_KEY_ENCRYPTION_KEY!,
    payloadEncryptionKeys: raw.PAYLOAD_ENCRYPTION_KEYS!.map(({ name, value }) => ({ id: name, key: parseKey32(value)! })),
    codecPort: raw.CODEC_PORT,
    codecToken: raw.CODEC_TOKEN,
    codecAllowedOrigins: (raw.CODEC_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    workflowStackTraces: raw.WORKFLOW_STACK_TRACES === 'on',
    workerMetricsPort: raw.WORKER_METRICS_PORT,
    apiMetricsPort: raw.API_METRICS_PORT,
    sdkMetricsPort: raw.TEMPORAL_SDK_METRICS_PORT,
    operatorWebhook: raw.OPERATOR_WEBHOOK_URL ? { url: raw.OPERATOR_WEBHOOK_URL, secret: raw.OPERATOR_WEBHOOK_SECRET! } : undefined,
    lowStockThreshold: raw.LOW_STOCK_THRESHOLD,
    searchBuyerEmail: raw.SEARCH_BUYER_EMAIL,
    epayInstances: epay,
    alipay:
      raw.ALIPAY_APP_ID && raw.ALIPAY_PRIVATE_KEY && raw.ALIPAY_PUBLIC_KEY
        ? { appId: raw.ALIPAY_APP_ID, privateKey: raw.ALIPAY_PRIVATE_KEY, alipayPublicKey: raw.ALIPAY_PUBLIC_KEY, gatewayUrl: raw.ALIPAY_GATEWAY_URL }
        : undefined,
    stripe:
      raw.STRIPE_SECRET_KEY && raw.STRIPE_WEBHOOK_SECRET
        ? { secretKey: raw.STRIPE_SECRET_KEY, webhookSecret: raw.STRIPE_WEBHOOK_SECRET, apiBase: raw.STRIPE_API_BASE.replace(/\/+$/, '') }
        : undefined,
    wechatpay:
      raw.WECHATPAY_MCHID &&
      raw.WECHATPAY_APPID &&
      raw.WECHATPAY_APIV3_KEY &&
      raw.WECHATPAY_PLATFORM_PUBLIC_KEY &&
      raw.WECHATPAY_PLATFORM_SERIAL &&
      raw.WECHATPAY_MERCHANT_PRIVATE_KEY &&
      raw.WECHATPAY_MERCHANT_SERIAL
        ? {
            mchid: raw.WECHATPAY_MCHID,
            appid: raw.WECHATPAY_APPID,
            apiV3Key: raw.WECHATPAY_APIV3_KEY,
            platformPublicKey: raw.WECHATPAY_PLATFORM_PUBLIC_KEY,
            platformSerial: raw.WECHATPAY_PLATFORM_SERIAL,
            merchantPrivateKey: raw.WECHATPAY_MERCHANT_PRIVATE_KEY,
            merchantSerial: raw.WECHATPAY_MERCHANT_SERIAL,
            apiBase: raw.WECHATPAY_API_BASE.replace(/\/+$/, ''),
          }
        : undefined,
    order: {
      paymentDeadlineMs: raw.PAYMENT_DEADLINE,
      paymentPollIntervalMs: raw.PAYMENT_POLL_INTERVAL,
      latePaymentPolicy: raw.LATE_PAYMENT_POLICY,
      restockWaitMs: raw.RESTOCK_WAIT,
      deliverySlaMs: raw.DELIVERY_SLA,
      reviewReminderMs: raw.REVIEW_REMINDER,
      reviewWaitMs: raw.REVIEW_WAIT,
      maxQuantity: raw.MAX_QUANTITY,
      stockHolds: raw.STOCK_HOLDS,
      refundDelivered: raw.REFUND_DELIVERED,
    },
    callbackSignalWaitMs: raw.CALLBACK_SIGNAL_WAIT,
    channelProbeIntervalMs: raw.CHANNEL_PROBE_INTERVAL,
    admission: {
      mode: typeof raw.ADMISSION === 'number' ? 'fixed' : raw.ADMISSION,
      ...(typeof raw.ADMISSION === 'number' ? { fixedRatePerSec: raw.ADMISSION } : {}),
      burstMs: raw.ADMISSION_BURST,
      maxWaitMs: raw.ADMISSION_MAX_WAIT,
      targetLagMs: raw.ADMISSION_TARGET_LAG,
    },
    degrade: { leanAtMs: raw.DEGRADE_LEAN_AT, essentialAtMs: raw.DEGRADE_ESSENTIAL_AT, calmMs: raw.DEGRADE_CALM },
    limits: {
      ordersPerIpPerMinute: raw.ORDER_RATE_LIMIT_PER_IP,
      openOrdersPerEmail: raw.MAX_OPEN_ORDERS_PER_EMAIL,
      trustProxy: parseTrustProxy(raw.TRUST_PROXY),
      linkResendCooldownMs: raw.LINK_RESEND_COOLDOWN,
    },
    rejectedNotificationRetentionMs: raw.REJECTED_NOTIFICATION_RETENTION,
    reconcileIntervalMs: raw.RECONCILE_INTERVAL,
    archiveAfterMs: raw.ARCHIVE_AFTER,
    logLevel: raw.LOG_LEVEL,
    tracing,
    localSecrets,
  };
}

/** TRUST_PROXY as Express takes it: `true`/`false`, a number of hops, or names and subnets (`loopback, 10.0.0.0/8`). */
function parseTrustProxy(text: string): boolean | number | string {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\d+$/.test(text)) return Number(text);
  return text;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const name = issue.path.join('.');
  if (issue.message.startsWith(name)) return issue.message;
  return `${name}: ${issue.message}`;
}
