import { Router, type Request } from 'express';
import type { ApiDeps } from '../deps';
import { HttpError, parseOr400 } from '../http-errors';
import { createOrderBody, idempotencyKeyHeader, orderNoParam } from '../validation';
import { placeOrder, PlaceOrderError } from '../../orders/place-order';
import { loadBuyerOrderView } from '../order-view';
import { renderOrderPage } from '../order-page';
import { buyerToken, rememberOrder } from '../buyer-access';
import { useReturnCode } from '../../orders/return-codes';
import { metrics } from '../../observability/metrics';

const PLACE_ERROR_STATUS: Record<PlaceOrderError['kind'], [number, string]> = {
  'unknown-sku': [404, 'unknown_sku'],
  'insufficient-stock': [409, 'insufficient_stock'],
  held: [429, 'held'],
  busy: [429, 'busy'],
  'over-cap': [409, 'quantity_over_cap'],
  'under-minimum': [409, 'quantity_under_minimum'],
  'idempotency-conflict': [422, 'idempotency_key_reused'],
  'rate-limited': [429, 'rate_limited'],
  'too-many-open-orders': [429, 'too_many_open_orders'],
  unavailable: [503, 'unavailable'],
  'channel-disabled': [409, 'channel_disabled'],
  'channel-not-offered': [409, 'pay_type_unavailable'],
  'channel-down': [503, 'channel_down'],
  'channel-all-down': [503, 'no_channel_available'],
};

/** A dependency that is down: long enough for a restart, short enough that a buyer still waits. */
const UNAVAILABLE_RETRY_SECONDS = 5;

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
      if (error instanceof PlaceOrderError) metrics.ordersRefused.inc({ reason: PLACE_ERROR_STATUS[error.kind][1] });
      if (error instanceof PlaceOrderError && error.kind === 'busy') {
        // The ticket keeps the buyer's place: sent back as the Admission-Ticket header with the retry.
        res.set('Retry-After', String(error.retryAfterSeconds));
        res
          .status(429)
          .json({ error: 'busy', message: error.message, retryAfterSeconds: error.retryAfterSeconds, ...(error.ticket ? { ticket: error.ticket } : {}) });
        return;
      }
      if (error instanceof PlaceOrderError) {
        const [status, code] = PLACE_ERROR_STATUS[error.kind];
        throw new HttpError(status, code, error.message, undefined, error.retryAfterSeconds ?? (status === 503 ? UNAVAILABLE_RETRY_SECONDS : undefined));
      }
      throw error;
    }
  });

  // Unknown order and wrong token answer the same 404, so order numbers cannot be probed.
  async function authorisedView(req: Request) {
    const orderNo = orderNoParam.safeParse(req.params.orderNo);
    if (!orderNo.success) return null;
    const token = buyerToken(req, orderNo.data);
    return loadBuyerOrderView(deps.db, deps.cipher, orderNo.data, (version) => deps.accessTokens.verify(orderNo.data, version, token));
  }

  router.get('/api/orders/:orderNo', async (req, res) => {
    const view = await authorisedView(req);
    if (!view) throw new HttpError(404, 'not_found', 'no such order (or the access token is wrong)');
    res.set('Cache-Control', 'no-store').json(view);
  });

  // The order pages carry the access token in their URL (the email link): no page may pass it on.
  router.use('/orders', (_req, res, next) => {
    res.set('Referrer-Policy', 'no-referrer');
    next();
  });

  /**
   * Where a payment channel sends the buyer back: a one-time code (15 minutes) instead of the token.
   * The first visit trades it for a cookie and lands on the order page with nothing secret in its URL.
   */
  router.get('/orders/:orderNo/return', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const orderNo = orderNoParam.safeParse(req.params.orderNo);
    const now = deps.clock();
    const nonce = orderNo.success ? deps.returnCodes.verify(orderNo.data, typeof req.query.code === 'string' ? req.query.code : undefined, now) : undefined;
    const order = nonce && (await deps.db.order.findUnique({ where: { orderNo: orderNo.data! }, select: { tokenVersion: true } }));
    if (!order || !(await useReturnCode(deps.db, orderNo.data!, nonce!, now))) {
      res.status(404).type('html').send(notFoundPage('This return link has expired or was already used. Use the link in your email.'));
      return;
    }
    rememberOrder(res, orderNo.data!, deps.accessTokens.issue(orderNo.data!, order.tokenVersion), deps.config.publicBaseUrl.startsWith('https:'));
    res.redirect(303, `/orders/${encodeURIComponent(orderNo.data!)}`);
  });

  router.get('/orders/:orderNo', async (req, res) => {
    const view = await authorisedView(req);
    res.set('Cache-Control', 'no-store');
    if (!view) {
      res.status(404).type('html').send(notFoundPage('Check the link from your email.'));
      return;
    }
    res.type('html').send(renderOrderPage(view));
  });

  return router;
}

const notFoundPage = (hint: string) => `<!doctype html><html lang="en"><title>Order not found</title><h1>Order not found</h1><p>${hint}</p></html>`;
