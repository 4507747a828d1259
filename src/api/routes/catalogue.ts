import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { openApiDocument } from '../openapi';

export function catalogueRoutes({ reads, channels, config }: ApiDeps): Router {
  const router = Router();
  const openApi = openApiDocument(
    [...channels.values()].map(({ name, type }) => ({ name, type })),
    config.publicBaseUrl,
  );
  router.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  router.get('/api/skus', async (_req, res) => {
    res.json({ skus: await reads.catalogue() });
  });
  return router;
}
