import { z } from 'zod';
import { ORDER_NO_PATTERN } from '../orders/order-number';
import { ORDER_STATUSES } from '../domain/order-status';
import { DEGRADE_LEVELS } from '../degrade/degrade-levels';
import { LOCALES } from '../domain/locale';

export const SKU_PATTERN = /^[a-z0-9-]{1,64}$/;

export const skuParam = z.string().regex(SKU_PATTERN, 'sku must be 1–64 of a-z, 0-9 and -');
export const orderNoParam = z.string().regex(ORDER_NO_PATTERN, 'orderNo must be 6–32 letters and digits');

/**
 * Text staff type that is stored (names, notes, reasons): Postgres text cannot hold NUL, and a lone
 * surrogate is no character at all, so both are refused here with a 400, never a failed write.
 */
const storedText = (field: string, max: number, { multiline = false } = {}) =>
  z
    .string()
    .trim()
    .max(max, `${field} must be at most ${max} characters`)
    .refine((v) => v.isWellFormed(), `${field} must be valid Unicode text`)
    .refine((v) => ![...v].some((c) => isControl(c, multiline)), `${field} must not contain control characters`);

/** C0 controls and DEL; a note may keep its tabs and line breaks. */
function isControl(c: string, multiline: boolean): boolean {
  const code = c.codePointAt(0)!;
  if (multiline && (c === '\t' || c === '\n' || c === '\r')) return false;
  return code < 0x20 || code === 0x7f;
}

/**
 * A whole number named in every message: text that is no number ("abc" in a form, "2" in JSON)
 * reads "must be a whole number" too, not the validator's "expected number, received NaN".
 */
const wholeNumber = (field: string, { min, max, unit = 'a whole number' }: { min: number; max?: number; unit?: string }) => {
  const range = max === undefined ? `${field} must be at least ${min}` : `${field} must be from ${min} to ${max}`;
  const n = z
    .number({ error: (issue) => (issue.code === 'invalid_type' ? `${field} must be ${unit}` : undefined) })
    .int(`${field} must be ${unit}`)
    .min(min, range);
  return max === undefined ? n : n.max(max, range);
};

/** A buyer's address as typed (spaces, capitals) is accepted; the description says it is an email, so fuzzers and clients send one. */
const emailField = z.string().trim().toLowerCase().pipe(z.email('email must be an email address').max(254)).meta({ format: 'email', maxLength: 254 });

/** The buyer's optional order password: long enough not to be guessed in the lookup's few tries. */
export const queryPassword = z
  .string()
  .min(6, 'queryPassword must be at least 6 characters')
  .max(64, 'queryPassword must be at most 64 characters')
  .refine((v) => v.isWellFormed(), 'queryPassword must be valid Unicode text');

export function createOrderBody(channels: readonly string[]) {
  return z
    .object({
      sku: skuParam,
      quantity: wholeNumber('quantity', { min: 1 }),
      email: emailField,
      channel: channels.length
        ? z.enum(['auto', ...channels] as [string, ...string[]], { error: `channel must be auto or one of: ${channels.join(', ')}` }).optional()
        : z.never({ error: 'no payment channel is enabled' }),
      payType: z
        .string()
        .regex(/^[a-z0-9_]{1,32}$/, 'payType must be 1–32 of a-z, 0-9 and _')
        .optional(),
      locale: z.enum(LOCALES, { error: `locale must be one of: ${LOCALES.join(', ')}` }).optional(),
      queryPassword: queryPassword.optional(),
    })
    .strict();
}

/** A SKU's price in cents: the console words the same bounds as a decimal price. */
export const PRICE_CENTS = { min: 1, max: 100_000_000 } as const;

export const putSkuBody = z
  .object({
    name: storedText('name', 200).pipe(z.string().min(1, 'name is required')),
    priceCents: wholeNumber('priceCents', { ...PRICE_CENTS, unit: 'a whole number of cents' }),
    currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be a 3-letter ISO code like CNY'),
    active: z.boolean().optional(),
    // The storefront's fields: omitted keeps what is stored (older clients PUT without them), null clears.
    description: storedText('description', 4000, { multiline: true }).nullable().optional(),
    deliveryInstructions: storedText('deliveryInstructions', 4000, { multiline: true }).nullable().optional(),
    category: storedText('category', 100).nullable().optional(),
    minQuantity: wholeNumber('minQuantity', { min: 1, max: 10_000 }).optional(),
    maxQuantity: wholeNumber('maxQuantity', { min: 1, max: 10_000 }).nullable().optional(),
    sortOrder: wholeNumber('sortOrder', { min: -1_000_000, max: 1_000_000 }).optional(),
  })
  .strict()
  .refine((b) => b.maxQuantity == null || b.minQuantity === undefined || b.maxQuantity >= b.minQuantity, {
    message: 'maxQuantity must be at least minQuantity',
    path: ['maxQuantity'],
  });

export const idempotencyKeyHeader = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'Idempotency-Key must be 1–128 visible ASCII characters');

export const actionBody = z.object({ note: storedText('note', 1000, { multiline: true }).optional() }).strict();

/** A resend may go to an address the buyer gave support instead of the order's own (a typo at checkout). */
export const resendBody = actionBody.extend({ to: emailField.optional() }).strict();

/** The body a staff action takes: only a resend takes `to`. */
export const actionBodyFor = (action: string): z.ZodType<z.output<typeof resendBody>, z.input<typeof resendBody>> =>
  action === 'resend' ? resendBody : actionBody;

/** Staff correct the order's own address. */
export const changeEmailBody = actionBody.extend({ email: emailField }).strict();

export const resendLinkBody = z
  .object({
    orderNo: orderNoParam,
    email: emailField,
  })
  .strict();

const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const adminOrdersQuery = z
  .object({
    status: z.enum(ORDER_STATUSES).optional(),
    email: emailField.optional(),
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
    reason: storedText('reason', 500, { multiline: true }).pipe(z.string().min(1, 'reason must not be empty')).optional(),
  })
  .strict()
  .refine((body) => body.mode === 'auto' || body.level !== undefined, 'manual mode needs a level: normal, lean or essential');
