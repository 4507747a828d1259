import type { Db } from '../db/client';
import type { Sku } from '../generated/prisma/client';

/** The catalogue shows stock up to this many keys ("100+" beyond): counting every key on every request would read the whole stock. */
export const CATALOGUE_COUNT_CAP = 100;

export interface CatalogueEntry {
  sku: string;
  name: string;
  priceCents: number;
  currency: string;
  description: string | null;
  deliveryInstructions: string | null;
  category: string | null;
  minQuantity: number;
  maxQuantity: number | null;
  sortOrder: number;
  /** Keys available now, counted up to CATALOGUE_COUNT_CAP. */
  available: number;
  availableCapped: boolean;
}

/** Active SKUs in the shop's order (sortOrder, then SKU), each with its available keys counted up to the cap. */
export async function listCatalogue(db: Db, only?: string): Promise<CatalogueEntry[]> {
  // Counted through the (sku, status, id) index, never more than the cap per SKU.
  const rows = await db.$queryRaw<Array<Omit<CatalogueEntry, 'availableCapped'>>>`
    SELECT s."sku", s."name", s."priceCents", s."currency", s."description", s."deliveryInstructions", s."category",
           s."minQuantity", s."maxQuantity", s."sortOrder", c."available"
    FROM "Sku" s
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS "available"
      FROM (SELECT 1 FROM "CardKey" k WHERE k."sku" = s."sku" AND k."status" = 'AVAILABLE' LIMIT ${CATALOGUE_COUNT_CAP}) up_to_cap
    ) c
    WHERE s."active" AND (${only ?? null}::text IS NULL OR s."sku" = ${only ?? null})
    ORDER BY s."sortOrder", s."sku"`;
  return rows.map((s) => ({ ...s, availableCapped: s.available >= CATALOGUE_COUNT_CAP }));
}

export interface SkuFields {
  name: string;
  priceCents: number;
  currency: string;
  active?: boolean;
  description?: string | null;
  deliveryInstructions?: string | null;
  category?: string | null;
  minQuantity?: number;
  maxQuantity?: number | null;
  sortOrder?: number;
}

export class SkuBoundsError extends Error {}

/**
 * Creates or updates a SKU. Fields left out keep what is stored, so a client that knows only name,
 * price and currency never wipes the storefront's text; the quantity bounds are checked against
 * what the SKU will have after the change.
 */
export async function saveSku(db: Db, sku: string, fields: SkuFields): Promise<{ saved: Sku; created: boolean }> {
  const existing = await db.sku.findUnique({ where: { sku } });
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as SkuFields;
  const minQuantity = defined.minQuantity ?? existing?.minQuantity ?? 1;
  const maxQuantity = 'maxQuantity' in defined ? defined.maxQuantity : (existing?.maxQuantity ?? null);
  if (maxQuantity != null && maxQuantity < minQuantity) {
    throw new SkuBoundsError(`maxQuantity (${maxQuantity}) must be at least minQuantity (${minQuantity})`);
  }
  const saved = await db.sku.upsert({ where: { sku }, create: { sku, ...defined }, update: defined });
  return { saved, created: !existing };
}
