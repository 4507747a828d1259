import { z } from 'zod';
import { ORDER_NO_PATTERN } from '../orders/order-number';
import { ORDER_STATUSES } from '../domain/order-status';
import { DEGRADE_LEVELS } from '../degrade/degrade-levels';

export const SKU_PATTERN = /^[a-z0-9-]{1,64}$/;

export const skuParam = z.string().regex(SKU_PATTERN, 'sku must be 1–64 of a-z, 0-9 and -');
export const orderNoParam = z.string().regex(ORDER_NO_PATTERN, 'orderNo must be 6–32 letters and digits');

export function createOrderBody(channels: readonly string[]) {
  return z
    .object({
      sku: skuParam,
      quantity: z.number().int('quantity must be a whole number').min(1, 'quantity must be at least 1'),
      email: z.string().trim().toLowerCase().pipe(z.email('email must be an email address').max(254)),
      channel: channels.length
        ? z.enum(['auto', ...channels] as [string, ...string[]], { error: `channel must be auto or one of: ${channels.join(', ')}` }).optional()
        : z.never({ error: 'no payment channel is enabled' }),
      payType: z
        .string()
        .regex(/^[a-z0-9_]{1,32}$/, 'payType must be 1–32 of a-z, 0-9 and _')
        .optional(),
    })
    .strict();
}

export const putSkuBody = z
  .object({
    name: z.string().trim().min(1, 'name is required').max(200),
    priceCents: z.number().int('priceCents must be a whole number of cents').min(1).max(100_000_000),
    currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be a 3-letter ISO code like CNY'),
    active: z.boolean().optional(),
  })
  .strict();

export const idempotencyKeyHeader = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'Idempotency-Key must be 1–128 visible ASCII characters');

export const actionBody = z.object({ note: z.string().trim().max(1000).optional() }).strict();

export const resendLinkBody = z
  .object({
    orderNo: orderNoParam,
    email: z.string().trim().toLowerCase().pipe(z.email('email must be an email address').max(254)),
  })
  .strict();

const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const adminOrdersQuery = z
  .object({
    status: z.enum(ORDER_STATUSES).optional(),
    email: z.string().trim().toLowerCase().pipe(z.email()).optional(),
    sku: skuParam.optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: orderNoParam.optional(),
  })
  .strict();

/** A page of an order's inbox entries in the staff view, newest first. */
export const notificationPageQuery = z
  .object({
    notifications: z.coerce.number().int().min(1).max(200).default(20),
    notificationsBefore: z.coerce.number().int().min(1).optional(),
  })
  .strict();

/** Staff's runtime override of a channel instance; null clears a field back to the environment's value. */
export const putChannelBody = z
  .object({
    enabled: z.boolean().nullable().optional(),
    weight: z.number().min(0, 'weight must be from 0 to 1000').max(1000, 'weight must be from 0 to 1000').nullable().optional(),
  })
  .strict()
  .refine((body) => body.enabled !== undefined || body.weight !== undefined, 'give enabled, weight or both (null clears an override)');

export const putDegradeBody = z
  .object({
    mode: z.enum(['auto', 'manual']),
    level: z.enum(DEGRADE_LEVELS).optional(),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .strict()
  .refine((body) => body.mode === 'auto' || body.level !== undefined, 'manual mode needs a level: normal, lean or essential');
