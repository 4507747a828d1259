import { z } from 'zod';
import { parseDuration } from './duration';

const SECRET_MIN = 16;

/** 32 bytes given as 64 hex characters or as base64. */
export function parseKey32(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.length === 32) return bytes;
  }
  return undefined;
}

const duration = (name: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a duration like 15m, 30s, 250ms or 0 (got "${text}")` });
      return z.NEVER;
    }
    return ms;
  });

const port = z.coerce.number().int().min(1).max(65535);

const url = z.string().refine((text) => {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}, 'must be an absolute URL');

const secret = (name: string) => z.string().min(SECRET_MIN, `${name} must be at least ${SECRET_MIN} characters`);

const key32 = (name: string) =>
  z.string().transform((text, ctx) => {
    const key = parseKey32(text);
    if (!key) {
      ctx.addIssue({ code: 'custom', message: `${name} must be 32 bytes as 64 hex characters or base64` });
      return z.NEVER;
    }
    return key;
  });

/** `name=value,name=value` pairs; the order is kept (the first payload key encrypts). */
function pairs(name: string, valueCheck: (value: string) => string | undefined) {
  return z.string().transform((text, ctx) => {
    const out: Array<{ name: string; value: string }> = [];
    for (const part of text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const eq = part.indexOf('=');
      const key = eq > 0 ? part.slice(0, eq).trim() : '';
      const value = eq > 0 ? part.slice(eq + 1).trim() : '';
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(key) || !value) {
        ctx.addIssue({ code: 'custom', message: `${name} must be name=value pairs separated by commas` });
        return z.NEVER;
      }
      const problem = valueCheck(value);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: `${name}: the value for "${key}" ${problem}` });
        return z.NEVER;
      }
      out.push({ name: key, value });
    }
    if (out.length === 0) {
      ctx.addIssue({ code: 'custom', message: `${name} must hold at least one name=value pair` });
      return z.NEVER;
    }
    return out;
  });
}

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** The environment as Keyflow reads it; defaults are those of docs/design.md. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: url.default('postgresql://postgres@127.0.0.1:5432/keyflow'),
  // Streaming replicas (comma-separated URLs) for reads that may be a moment old; none by default.
  DATABASE_REPLICA_URLS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^postgres(ql)?$/, error: 'DATABASE_REPLICA_URLS must be postgresql:// URLs separated by commas' }))),
  REPLICA_MAX_LAG: duration('REPLICA_MAX_LAG').default(5_000),
  // The shared read cache; without it each process caches on its own.
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'REDIS_URL must be a redis:// or rediss:// URL' }).optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w.-]{1,60}$/, 'REDIS_KEY_PREFIX: letters, digits, . _ - (at most 60)')
    .default('keyflow'),
  // `off` makes every read go to the database (to compare, or to rule the cache out).
  READ_CACHE: z.enum(['on', 'off']).default('on'),
  // Default 127.0.0.1:7233 and `default`, unless a Temporal profile (TEMPORAL_PROFILE /
  // TEMPORAL_CONFIG_FILE) names them; TLS, mTLS and API keys come from the same place (temporal-connection.ts).
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('orders'),
  TEMPORAL_UI_PORT: port.default(8233),
  // Where staff open the Temporal Web UI (the console links each order there); default: the dev server's on this machine.
  TEMPORAL_UI_URL: url.optional(),
  PORT: port.default(3000),
  PUBLIC_BASE_URL: url.optional(),
  // Where channels send payment notifications (default: PUBLIC_BASE_URL); `npm start` points it at a process of their own.
  NOTIFY_BASE_URL: url.optional(),
  // `payments`: this API process serves only payment notifications (and health), so a crowd of buyers never delays an acknowledgement.
  API_ROUTES: z.enum(['all', 'payments']).default('all'),
  CALLBACK_PORT: port.default(3001),
  CALLBACK_METRICS_PORT: port.default(9466),
  SANDBOX_PORT: port.default(3100),
  SMTP_URL: url.default('smtp://127.0.0.1:2525'),
  MAIL_FROM: z.string().default('Keyflow <no-reply@keyflow.local>'),
  // The name the storefront, the staff console and the emails show.
  SHOP_NAME: z.string().trim().min(1).max(80).default('Keyflow'),
  ADMIN_TOKEN: secret('ADMIN_TOKEN').optional(),
  ADMIN_TOKENS: pairs('ADMIN_TOKENS', (v) => (v.length < SECRET_MIN ? `must be at least ${SECRET_MIN} characters` : undefined)).optional(),
  CARD_KEY_ENCRYPTION_KEY: key32('CARD_KEY_ENCRYPTION_KEY').optional(),
  PAYLOAD_ENCRYPTION_KEYS: pairs('PAYLOAD_ENCRYPTION_KEYS', (v) => (parseKey32(v) ? undefined : 'must be 32 bytes as hex or base64')).optional(),
  CODEC_PORT: port.default(8888),
  CODEC_TOKEN: secret('CODEC_TOKEN').optional(),
  CODEC_ALLOWED_ORIGINS: z.string().optional(),
  // `on` lets the Web UI's Stack Trace tab show where a running order waits; it costs the worker a
  // captured stack trace for every promise workflow code creates (docs/performance.md).
  WORKFLOW_STACK_TRACES: z.enum(['on', 'off']).default('off'),
  WORKER_METRICS_PORT: port.default(9464),
  API_METRICS_PORT: port.default(9463),
  TEMPORAL_SDK_METRICS_PORT: port.default(9465),
  OPERATOR_WEBHOOK_URL: url.optional(),
  OPERATOR_WEBHOOK_SECRET: secret('OPERATOR_WEBHOOK_SECRET').optional(),
  LOW_STOCK_THRESHOLD: z.coerce.number().int().min(0).default(5),
  SEARCH_BUYER_EMAIL: bool.default(true),
  ALIPAY_APP_ID: z
    .string()
    .regex(/^\d{8,32}$/, 'must be the Alipay app id (digits)')
    .optional(),
  ALIPAY_PRIVATE_KEY: z.string().min(64, 'ALIPAY_PRIVATE_KEY must be the app private key (PEM or base64 PKCS#8)').optional(),
  ALIPAY_PUBLIC_KEY: z.string().min(64, "ALIPAY_PUBLIC_KEY must be Alipay's public key (PEM or base64 SPKI)").optional(),
  ALIPAY_GATEWAY_URL: url.default('https://openapi.alipay.com/gateway.do'),
  STRIPE_SECRET_KEY: secret('STRIPE_SECRET_KEY').optional(),
  STRIPE_WEBHOOK_SECRET: secret('STRIPE_WEBHOOK_SECRET').optional(),
  STRIPE_API_BASE: url.default('https://api.stripe.com'),
  WECHATPAY_MCHID: z
    .string()
    .regex(/^\d{6,32}$/, 'must be the merchant id (digits)')
    .optional(),
  WECHATPAY_APPID: z.string().min(1).optional(),
  WECHATPAY_APIV3_KEY: z
    .string()
    .refine((v) => Buffer.byteLength(v) === 32, 'WECHATPAY_APIV3_KEY must be exactly 32 characters')
    .optional(),
  WECHATPAY_PLATFORM_PUBLIC_KEY: z.string().min(64).optional(),
  WECHATPAY_PLATFORM_SERIAL: z.string().min(1).optional(),
  WECHATPAY_MERCHANT_PRIVATE_KEY: z.string().min(64).optional(),
  WECHATPAY_MERCHANT_SERIAL: z.string().min(1).optional(),
  WECHATPAY_API_BASE: url.default('https://api.mch.weixin.qq.com'),
  PAYMENT_DEADLINE: duration('PAYMENT_DEADLINE').default(15 * 60_000),
  PAYMENT_POLL_INTERVAL: duration('PAYMENT_POLL_INTERVAL').default(30_000),
  CALLBACK_SIGNAL_WAIT: duration('CALLBACK_SIGNAL_WAIT').default(25),
  CHANNEL_PROBE_INTERVAL: duration('CHANNEL_PROBE_INTERVAL').default(15_000),
  ADMISSION: z
    .string()
    .regex(/^(auto|off|\d+(\.\d+)?\/s)$/, 'ADMISSION must be auto, off, or a rate such as 40/s')
    .default('auto')
    .transform((v) => (v === 'auto' || v === 'off' ? v : Number(v.slice(0, -2))))
    .refine((v) => typeof v === 'string' || (v > 0 && v <= 100_000), 'ADMISSION rate must be above 0/s and at most 100000/s'),
  ADMISSION_BURST: duration('ADMISSION_BURST').default(2_000),
  ADMISSION_MAX_WAIT: duration('ADMISSION_MAX_WAIT').default(120_000),
  ADMISSION_TARGET_LAG: duration('ADMISSION_TARGET_LAG').default(2_000),
  // The tier-2 alert's delivery-lag threshold (deploy/prometheus/alerts.yml) and the severe tier's.
  DEGRADE_LEAN_AT: duration('DEGRADE_LEAN_AT').default(30_000),
  DEGRADE_ESSENTIAL_AT: duration('DEGRADE_ESSENTIAL_AT').default(120_000),
  DEGRADE_CALM: duration('DEGRADE_CALM').default(60_000),
  LATE_PAYMENT_POLICY: z.enum(['fulfil', 'refund']).default('fulfil'),
  RESTOCK_WAIT: duration('RESTOCK_WAIT').default(10 * 60_000),
  DELIVERY_SLA: duration('DELIVERY_SLA').default(2 * 60_000),
  REVIEW_REMINDER: duration('REVIEW_REMINDER').default(24 * 3_600_000),
  REVIEW_WAIT: duration('REVIEW_WAIT').default(7 * 24 * 3_600_000),
  RECONCILE_INTERVAL: duration('RECONCILE_INTERVAL').default(5 * 60_000),
  // Settled orders untouched this long move to the archive (0: never).
  ARCHIVE_AFTER: duration('ARCHIVE_AFTER').default(90 * 24 * 3_600_000),
  REFUND_DELIVERED: bool.default(true),
  MAX_QUANTITY: z.coerce.number().int().min(1).max(1000).default(10),
  STOCK_HOLDS: bool.default(true),
  ORDER_RATE_LIMIT_PER_IP: z.coerce.number().int().min(0).max(100_000).default(30),
  MAX_OPEN_ORDERS_PER_EMAIL: z.coerce.number().int().min(0).max(1000).default(3),
  TRUST_PROXY: z.string().min(1).default('loopback'),
  LINK_RESEND_COOLDOWN: duration('LINK_RESEND_COOLDOWN').default(10 * 60_000),
  REJECTED_NOTIFICATION_RETENTION: duration('REJECTED_NOTIFICATION_RETENTION').default(30 * 24 * 3_600_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type RawEnv = z.infer<typeof envSchema>;
