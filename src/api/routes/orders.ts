import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { HttpError, parseOr400 } from '../http-errors';
import { createOrderBody, idempotencyKeyHeader } from '../validation';
import { placeOrder, PlaceOrderError } from '../../orders/place-order';
import { authorisedBuyerView } from '../buyer-access';
import { placeRefusal } from '../place-order-refusals';

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
      const admissionTicket = req.get('admission-ticket')?.slice(0, 200);
      const order = await placeOrder(deps, { ...body, clientIp: req.ip ?? 'unknown', admissionTicket }, idempotencyKey);
      res.status(201).json(order);
    } catch (error) {
      if (!(error instanceof PlaceOrderError)) throw error;
      const { status, code, retryAfterSeconds } = placeRefusal(error);
      if (error.kind === 'busy') {
        // The ticket keeps the buyer's place: sent back as the Admission-Ticket header with the retry.
        res.set('Retry-After', String(retryAfterSeconds));
        res.status(status).json({ error: code, message: error.message, retryAfterSeconds, ...(error.ticket ? { ticket: error.ticket } : {}) });
        return;
      }
      throw new HttpError(status, code, error.message, undefined, retryAfterSeconds);
    }
  });

  router.get('/api/orders/:orderNo', async (req, res) => {
    const view = await authorisedBuyerView(deps, req);
    if (!view) throw new HttpError(404, 'not_found', 'no such order (or the access token is wrong)');
    res.set('Cache-Control', 'no-store').json(view);
  });

  return router;
}
