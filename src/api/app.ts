import express from 'express';
import type { ApiDeps } from './deps';
import { catalogueRoutes } from './routes/catalogue';
import { orderRoutes } from './routes/orders';
import { paymentRoutes } from './routes/payments';
import { adminRoutes } from './routes/admin';
import { healthRoutes } from './routes/health';
import { orderActionRoutes } from './routes/order-actions';
import { errorHandler, HttpError } from './http-errors';
import { requestSpans } from './request-spans';
import { assetRoutes } from '../web/assets';
import { storefrontRoutes } from '../web/storefront/routes';
import { consoleRoutes } from '../web/console/routes';

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Whose X-Forwarded-For to believe for the client's address (the per-client order rate).
  app.set('trust proxy', deps.config.limits.trustProxy);
  app.set('query parser', 'simple');
  app.use(requestSpans());
  // Payment notifications need their raw bytes, so they are routed before any body parser.
  app.use(paymentRoutes({ ...deps, db: deps.callbackDb }));
  app.use(healthRoutes(deps));
  if (deps.config.apiRoutes === 'all') {
    app.use(orderActionRoutes(deps));
    app.use(adminRoutes(deps));
    app.use(express.json({ limit: '16kb' }));
    app.use(catalogueRoutes(deps));
    app.use(orderRoutes(deps));
    const { router: assets, assets: urls } = assetRoutes();
    app.use(assets);
    app.use(storefrontRoutes(deps, urls));
    app.use(consoleRoutes(deps, urls));
  }
  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.logger));
  return app;
}
