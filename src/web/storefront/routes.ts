import { Router, type Request, type Response } from 'express';
import { formText, htmlForm } from '../forms';
import type { ApiDeps } from '../../api/deps';
import type { CatalogueEntry } from '../../catalogue/skus';
import { placeOrder, PlaceOrderError } from '../../orders/place-order';
import { requestOrderLink } from '../../orders/order-link';
import { ActionError, performOrderAction } from '../../orders/support-actions';
import { useReturnCode } from '../../orders/return-codes';
import { authorisedBuyerView, rememberOrder } from '../../api/buyer-access';
import { createOrderBody, orderNoParam, resendLinkBody, skuParam } from '../../api/validation';
import { placeRefusal } from '../../api/place-order-refusals';
import type { Assets } from '../assets';
import { pageContext, renderPage, setPageHeaders, type PageContext } from '../page';
import { renderCatalogue } from './catalogue-page';
import { renderProduct, type CheckoutForm, type CheckoutProblem } from './product-page';
import { orderPagePath, renderOrder, renderOrderNotFound } from './order-page';
import { renderLookup } from './lookup-page';
import { AttemptLimiter, refusedAsTooMany } from '../attempt-limiter';
import { verifyQueryPassword } from '../../crypto/query-password';
import { loadArchivedOrder } from '../../db/archived-order';
import { crossSiteForm } from '../same-origin';

/** Order-password tries per client address per window, before it is told to wait. */
const LOOKUP_TRIES_PER_WINDOW = 10;
const LOOKUP_WINDOW_MS = 10 * 60_000;

/** The buyer's shop at `/`: catalogue, product pages with checkout, the order page and order lookup. */
export function storefrontRoutes(deps: ApiDeps, assets: Assets): Router {
  const router = Router();
  const secureCookies = deps.config.publicBaseUrl.startsWith('https:');
  const site = { shopName: deps.config.shopName, assets, secureCookies };
  const checkoutBody = createOrderBody([...deps.channels.keys()]);
  const attempts = new AttemptLimiter(deps.db, 'order-password', LOOKUP_TRIES_PER_WINDOW, LOOKUP_WINDOW_MS);

  const page = (req: Request, res: Response): PageContext => {
    setPageHeaders(res);
    res.set('Vary', 'Accept-Language, Cookie');
    return pageContext(req, res, site);
  };
  const notFound = (ctx: PageContext, res: Response) =>
    res
      .status(404)
      .type('html')
      .send(renderPage(ctx, { title: ctx.t.errors.notFound, main: `<h1>${ctx.t.errors.notFound}</h1><p><a href="/">${ctx.t.product.back}</a></p>` }));

  /** Pay types some enabled channel offers in this currency, in the order channels list them. */
  const payTypesFor = (currency: string) => [...new Set([...deps.channels.values()].filter((c) => c.takesCurrency(currency)).flatMap((c) => [...c.payTypes]))];
  const productInput = (entry: CatalogueEntry) => ({
    entry,
    maxQuantity: Math.min(entry.maxQuantity ?? Infinity, deps.config.order.maxQuantity),
    payTypes: payTypesFor(entry.currency),
  });

  // The shop's forms are posted from its own pages only; the console's carry a CSRF token instead.
  const shopOrigin = new URL(deps.config.publicBaseUrl).origin;
  router.post(['/checkout', '/lookup', '/orders/:orderNo/cancel'], (req, res, next) => {
    if (!crossSiteForm(req, shopOrigin)) return next();
    const ctx = page(req, res);
    res
      .status(403)
      .type('html')
      .send(renderPage(ctx, { title: ctx.t.errors.crossSite, main: `<h1>${ctx.t.errors.crossSite}</h1><p><a href="/">${ctx.t.product.back}</a></p>` }));
  });

  router.get('/', async (req, res) => {
    const ctx = page(req, res);
    res.type('html').send(renderCatalogue(ctx, await deps.reads.catalogue()));
  });

  router.get('/p/:sku', async (req, res) => {
    const ctx = page(req, res);
    const sku = skuParam.safeParse(req.params.sku);
    const [entry] = sku.success ? await deps.reads.catalogue(sku.data) : [];
    if (!entry) return notFound(ctx, res);
    res.type('html').send(renderProduct(ctx, productInput(entry)));
  });

  router.post('/checkout', htmlForm, async (req, res) => {
    const ctx = page(req, res);
    const fields: CheckoutForm = {
      quantity: formText(req.body?.quantity),
      email: formText(req.body?.email),
      payType: formText(req.body?.payType) || undefined,
    };
    const sku = skuParam.safeParse(formText(req.body?.sku));
    const [entry] = sku.success ? await deps.reads.catalogue(sku.data) : [];
    if (!entry) return notFound(ctx, res);
    const again = (status: number, problem: CheckoutProblem, ticket?: string) => {
      if (problem.retryAfterSeconds !== undefined) res.set('Retry-After', String(problem.retryAfterSeconds));
      res
        .status(status)
        .type('html')
        .send(renderProduct(ctx, { ...productInput(entry), form: { ...fields, ticket }, problem }));
    };

    const quantity = /^\d{1,6}$/.test(fields.quantity?.trim() ?? '') ? Number(fields.quantity) : NaN;
    const password = formText(req.body?.queryPassword) || undefined;
    const parsed = checkoutBody.safeParse({
      sku: entry.sku,
      quantity,
      email: fields.email ?? '',
      locale: ctx.locale,
      ...(fields.payType ? { payType: fields.payType } : {}),
      ...(password ? { queryPassword: password } : {}),
    });
    if (!parsed.success) return again(400, { code: 'invalid_request', fields: [...new Set(parsed.error.issues.map((i) => String(i.path[0])))] });
    try {
      const order = await placeOrder(deps, { ...parsed.data, clientIp: req.ip ?? 'unknown', admissionTicket: formText(req.body?.ticket)?.slice(0, 200) });
      // The order page opens for this browser without the token in any URL; the buyer goes on to pay.
      rememberOrder(res, order.orderNo, order.accessToken, secureCookies);
      res.redirect(303, order.payUrl);
    } catch (error) {
      if (!(error instanceof PlaceOrderError)) throw error;
      const { status, ...problem } = placeRefusal(error);
      again(status, problem, error.ticket);
    }
  });

  // The order pages carry the access token in their URL (the email link): no page may pass it on.
  router.use('/orders', (_req, res, next) => {
    res.set('Referrer-Policy', 'no-referrer');
    res.set('Cache-Control', 'no-store');
    next();
  });

  /**
   * Where a payment channel sends the buyer back: a one-time code (15 minutes) instead of the token.
   * The first visit trades it for a cookie and lands on the order page with nothing secret in its URL.
   */
  router.get('/orders/:orderNo/return', async (req, res) => {
    const orderNo = orderNoParam.safeParse(req.params.orderNo);
    const now = deps.clock();
    const nonce = orderNo.success ? deps.returnCodes.verify(orderNo.data, formText(req.query.code), now) : undefined;
    const order = nonce && (await deps.db.order.findUnique({ where: { orderNo: orderNo.data! }, select: { tokenVersion: true } }));
    if (!order || !(await useReturnCode(deps.db, orderNo.data!, nonce!, now))) {
      const ctx = page(req, res);
      res.status(404).type('html').send(renderOrderNotFound(ctx, ctx.t.order.returnExpired));
      return;
    }
    rememberOrder(res, orderNo.data!, deps.accessTokens.issue(orderNo.data!, order.tokenVersion), secureCookies);
    res.redirect(303, `/orders/${encodeURIComponent(orderNo.data!)}`);
  });

  /** The buyer's order, or the not-found page (unknown order and wrong token alike) and undefined. */
  async function viewOr404(req: Request, res: Response, ctx: PageContext) {
    const view = await authorisedBuyerView(deps, req);
    if (!view) res.status(404).type('html').send(renderOrderNotFound(ctx, ctx.t.order.notFoundHint));
    return view ?? undefined;
  }

  router.get('/orders/:orderNo', async (req, res) => {
    const ctx = page(req, res);
    const view = await viewOr404(req, res, ctx);
    if (!view) return;
    res.type('html').send(renderOrder(ctx, view, orderPagePath(view.orderNo, req, '/cancel')));
  });

  // The buyer's own cancel of an unpaid order; the order's cookie is SameSite=Lax, so another site cannot post this for them.
  router.post('/orders/:orderNo/cancel', async (req, res) => {
    const view = await viewOr404(req, res, page(req, res));
    if (!view) return;
    try {
      await performOrderAction(deps, view.orderNo, 'cancel', { actor: 'buyer' });
      deps.reads.forgetOrder(view.orderNo);
    } catch (error) {
      // Too late (paid meanwhile) or Temporal away: the order page shows where the order stands.
      if (!(error instanceof ActionError)) throw error;
    }
    res.redirect(303, orderPagePath(view.orderNo, req));
  });

  router.get('/lookup', (req, res) => {
    res.type('html').send(renderLookup(page(req, res)));
  });

  router.post('/lookup', htmlForm, async (req, res) => {
    const ctx = page(req, res);
    const state = { orderNo: formText(req.body?.orderNo)?.trim().slice(0, 32), email: formText(req.body?.email)?.trim().slice(0, 254) };
    const password = formText(req.body?.password);
    if (password) {
      await openWithPassword(req, res, ctx, state.orderNo, password);
      return;
    }
    const parsed = resendLinkBody.safeParse(state);
    if (!parsed.success) {
      res
        .status(400)
        .type('html')
        .send(renderLookup(ctx, { ...state, outcome: 'invalid' }));
      return;
    }
    // Answers the same whatever happens next, so it cannot be used to probe for orders.
    res.type('html').send(renderLookup(ctx, { ...state, outcome: 'sent' }));
    requestOrderLink(deps, parsed.data.orderNo, parsed.data.email).catch((error) =>
      deps.logger.warn({ orderNo: parsed.data.orderNo, err: error }, 'could not send the order link'),
    );
  });

  /** The order password opens the order in this browser; a wrong one and an unknown order read the same and take as long. */
  async function openWithPassword(req: Request, res: Response, ctx: PageContext, orderNo: string | undefined, password: string) {
    if (await refusedAsTooMany(attempts, req, res, deps.clock(), (wait) => renderLookup(ctx, { orderNo, outcome: 'too-many', retryAfterSeconds: wait })))
      return;
    const valid = orderNoParam.safeParse(orderNo);
    const order = valid.success
      ? ((await deps.db.order.findUnique({ where: { orderNo: valid.data }, select: { tokenVersion: true, queryPasswordHash: true } })) ??
        (await loadArchivedOrder(deps.db, valid.data))?.order ??
        null)
      : null;
    if (!(await verifyQueryPassword(password.slice(0, 64), order?.queryPasswordHash)) || !order) {
      res
        .status(404)
        .type('html')
        .send(renderLookup(ctx, { orderNo, outcome: 'no-match' }));
      return;
    }
    rememberOrder(res, valid.data!, deps.accessTokens.issue(valid.data!, order.tokenVersion), secureCookies);
    res.redirect(303, `/orders/${encodeURIComponent(valid.data!)}`);
  }

  return router;
}
