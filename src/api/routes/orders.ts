import { Router, type Request } from 'express';
import type { ApiDeps } from '../deps';
import { HttpError, parseOr400 } from '../http-errors';
import { createOrderBody, idempotencyKeyHeader, orderNoParam } from '../validation';
import { placeOrder, PlaceOrderError } from '../../orders/place-order';
import { loadBuyerOrderView } from '../order-view';
import { renderOrderPage } from '../order-page';
import { bearerToken } from '../auth';

const PLACE_ERROR_STATUS: Record<PlaceOrderError['kind'], [number, string]> = {
  'unknown-sku': [404, 'unknown_sku'],
  'insufficient-stock': [409, 'insufficient_stock'],
  'over-cap': [409, 'quantity_over_cap'],
  'idempotency-conflict': [422, 'idempotency_key_reused'],
  unavailable: [503, 'unavailable'],
};

export function orderRoutes(deps: ApiDeps): Router {
  const router = Router();
  const channels = [...deps.channels.keys()];
  const bodySchema = createOrderBody(channels);

  router.post('/api/orders', async (req, res) => {
    if (!req.is('application/json')) throw new HttpError(415, 'unsupported_media_type', 'send the order as application/json');
    const body = parseOr400(bodySchema, req.body);
    const keyHeader = req.get('idempotency-key');
    const idempotencyKey = keyHeader === undefined ? undefined : parseOr400(idempotencyKeyHeader, keyHeader);
    try {
      const order = await placeOrder(deps, body, idempotencyKey);
      res.status(201).json(order);
    } catch (error) {
      if (error instanceof PlaceOrderError) {
        const [status, code] = PLACE_ERROR_STATUS[error.kind];
        if (status === 503) res.set('Retry-After', '5');
        throw new HttpError(status, code, error.message);
      }
      throw error;
    }
  });

  // Unknown order and wrong token answer the same 404, so order numbers cannot be probed.
  async function authorisedView(req: Request) {
    const orderNo = orderNoParam.safeParse(req.params.orderNo);
    const token = bearerToken(req) ?? (typeof req.query.token === 'string' ? req.query.token : undefined);
    if (!orderNo.success || !deps.accessTokens.verify(orderNo.data, token)) return null;
    return loadBuyerOrderView(deps.db, deps.cipher, orderNo.data);
  }

  router.get('/api/orders/:orderNo', async (req, res) => {
    const view = await authorisedView(req);
    if (!view) throw new HttpError(404, 'not_found', 'no such order (or the access token is wrong)');
    res.set('Cache-Control', 'no-store').json(view);
  });

  router.get('/orders/:orderNo', async (req, res) => {
    const view = await authorisedView(req);
    res.set('Cache-Control', 'no-store');
    if (!view) {
      res.status(404).type('html').send('<!doctype html><title>Order not found</title><h1>Order not found</h1><p>Check the link from your email.</p>');
      return;
    }
    res.type('html').send(renderOrderPage(view));
  });

  return router;
}
