import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { openApiDocument } from '../openapi';

/** The catalogue shows stock up to this many keys ("100+" beyond): counting every key on every request would read the whole stock. */
export const CATALOGUE_COUNT_CAP = 100;

export function catalogueRoutes({ db, channels, config }: ApiDeps): Router {
  const router = Router();
  const openApi = openApiDocument(
    [...channels.values()].map(({ name, type }) => ({ name, type })),
    config.publicBaseUrl,
  );
  router.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  router.get('/api/skus', async (_req, res) => {
    // Each SKU's available keys counted up to the cap, through the (sku, status, id) index.
    const skus = await db.$queryRaw<Array<{ sku: string; name: string; priceCents: number; currency: string; available: number }>>`
      SELECT s."sku", s."name", s."priceCents", s."currency", c."available"
      FROM "Sku" s
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS "available"
        FROM (SELECT 1 FROM "CardKey" k WHERE k."sku" = s."sku" AND k."status" = 'AVAILABLE' LIMIT ${CATALOGUE_COUNT_CAP}) up_to_cap
      ) c
      WHERE s."active"
      ORDER BY s."sku"`;
    res.json({ skus: skus.map((s) => ({ ...s, availableCapped: s.available >= CATALOGUE_COUNT_CAP })) });
  });
  return router;
}
