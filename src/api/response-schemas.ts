import { z } from 'zod';
import { ORDER_STATUSES } from '../domain/order-status';
import { DEGRADE_LEVELS } from '../degrade/degrade-levels';

// What the API answers, for its OpenAPI description: the fuzzer checks every answer against these,
// so a field renamed in a route and not here fails `npm run fuzz`.

const isoTime = z.string().meta({ format: 'date-time' });

/** Every error: a stable code, a sentence for people, and when to retry for a refusal that has a when. */
export const errorAnswer = z.object({
  error: z.string(),
  message: z.string(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  /** A busy buyer's place in the admission queue, to send back as `Admission-Ticket`. */
  ticket: z.string().optional(),
  /** A request that failed validation: what, field by field. */
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const placedOrderAnswer = z.object({
  orderNo: z.string(),
  status: z.enum(ORDER_STATUSES),
  amountCents: z.number().int(),
  currency: z.string(),
  channel: z.string(),
  payUrl: z.string(),
  accessToken: z.string(),
  expiresAt: isoTime,
});

export const catalogueAnswer = z.object({
  skus: z.array(
    z.object({
      sku: z.string(),
      name: z.string(),
      priceCents: z.number().int(),
      currency: z.string(),
      description: z.string().nullable(),
      deliveryInstructions: z.string().nullable(),
      category: z.string().nullable(),
      minQuantity: z.number().int(),
      maxQuantity: z.number().int().nullable(),
      sortOrder: z.number().int(),
      available: z.number().int(),
      availableCapped: z.boolean(),
    }),
  ),
});

export const degradeAnswer = z.object({
  level: z.enum(DEGRADE_LEVELS),
  mode: z.enum(['auto', 'manual']),
  reason: z.string().nullable(),
  changedBy: z.string(),
  changedAt: isoTime,
  leavesOut: z.array(z.string()),
  levels: z.record(z.string(), z.array(z.string())),
  auto: z.object({ leanAtMs: z.number(), essentialAtMs: z.number(), calmMs: z.number() }),
});

export const admissionAnswer = z.object({
  mode: z.enum(['auto', 'off', 'fixed']),
  ratePerSec: z.number().nullable(),
  lagMs: z.number().nullable(),
  queueSeconds: z.number(),
  burstMs: z.number(),
  maxWaitMs: z.number(),
  targetLagMs: z.number(),
});

export const prewarmAnswer = z.object({
  sku: z.string(),
  available: z.number().int(),
  heldByOpenOrders: z.number(),
  soldOut: z.boolean(),
  api: z.object({ connections: z.number().int(), ms: z.number() }),
  worker: z.union([z.object({ connections: z.number().int(), ms: z.number() }), z.object({ error: z.string() })]),
  temporalMs: z.number(),
  channels: z.array(z.object({ name: z.string(), state: z.string() })),
});
