import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { openApiDocument } from '../openapi';

export function catalogueRoutes({ db, channels, config }: ApiDeps): Router {
  const router = Router();
  const openApi = openApiDocument([...channels.keys()], config.publicBaseUrl);
  router.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  router.get('/api/skus', async (_req, res) => {
    const [skus, counts] = await Promise.all([
      db.sku.findMany({ where: { active: true }, orderBy: { sku: 'asc' } }),
      db.cardKey.groupBy({ by: ['sku'], where: { status: 'AVAILABLE' }, _count: { _all: true } }),
    ]);
    const available = new Map(counts.map((c) => [c.sku, c._count._all]));
    res.json({
      skus: skus.map((s) => ({ sku: s.sku, name: s.name, priceCents: s.priceCents, currency: s.currency, available: available.get(s.sku) ?? 0 })),
    });
  });
  return router;
}
