import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { primeMetrics } from '../../observability/metrics';
import { registerOrderGauges } from '../../observability/order-gauges';
import { registerChannelGauges } from '../../observability/channel-gauges';
import { registerPeakGauges } from '../../observability/peak-gauges';
import { registerDbGauges } from '../../observability/db-gauges';

export function healthRoutes({ db, temporal, channels, config }: ApiDeps): Router {
  const router = Router();
  registerOrderGauges(db);
  registerChannelGauges(db);
  registerPeakGauges(db, config.admission);
  registerDbGauges(db);
  primeMetrics([...channels.keys()]);
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [database, temporalCheck] = await Promise.all([
      db.$queryRaw`SELECT 1`.then(
        () => 'ok',
        (e: Error) => `down: ${e.message.split('\n')[0]}`,
      ),
      temporal
        .withDeadline(Date.now() + 2000, () => temporal.workflowService.getSystemInfo({}))
        .then(
          () => 'ok',
          (e: Error) => `down: ${e.message.split('\n')[0]}`,
        ),
    ]);
    const ready = database === 'ok' && temporalCheck === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: { database, temporal: temporalCheck } });
  });
  return router;
}
