import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { ApiDeps } from '../../api/deps';
import { staffForToken } from '../../api/auth';
import { actionBody, actionBodyFor, adminOrdersQuery, changeEmailBody, orderNoParam } from '../../api/validation';
import { searchOrders } from '../../orders/order-search';
import { loadArchivedOrderWithSku } from '../../db/archived-order';
import { shopSummary } from '../../orders/shop-summary';
import { ActionError, ORDER_ACTIONS, performOrderAction } from '../../orders/support-actions';
import { changeOrderEmail } from '../../orders/order-email';
import { reissueOrderLink } from '../../orders/order-link';
import { channelReport } from '../../channels/channel-admin';
import { readDegradeSwitch } from '../../degrade/degrade-switch';
import { orderWorkflowId } from '../../workflows/workflow-ids';
import type { Assets } from '../assets';
import { AttemptLimiter, refusedAsTooMany } from '../attempt-limiter';
import { pageContext, setPageHeaders } from '../page';
import { consoleMessages } from './console-messages';
import { renderConsolePage, type ConsoleContext } from './console-page';
import { csrfMatches, currentSession, endSession, noticeSignature, noticeSigned, startSession } from './sessions';
import { renderSignIn } from './sign-in-page';
import { renderDashboard } from './dashboard-page';
import { renderOrders, type OrderFilters } from './orders-page';
import { renderOrderDetail, type ActionOutcome } from './order-detail-page';
import { escapeHtml } from '../../html';
import { formText, htmlForm } from '../forms';
import { catalogueConsoleRoutes } from './catalogue-routes';
import { saleConsoleRoutes } from './sale-routes';
import { renderAudit } from './catalogue-pages';

/** A key import's text is larger than any other form (the admin API takes 5 MB too). */
const keysForm = express.urlencoded({ extended: false, limit: '5mb', parameterLimit: 5 });
const formFor = (path: string) => (/\/import(\/preview)?$/.test(path) ? keysForm : htmlForm);
/** Staff-token guesses per address per window. */
const SIGN_IN_TRIES = 10;
const SIGN_IN_WINDOW_MS = 10 * 60_000;
/** A date typed in the console is a day in the shop's time zone (UTC+8). */
const shopDay = (date: string, plusDays = 0) => new Date(Date.parse(`${date}T00:00:00+08:00`) + plusDays * 86_400_000).toISOString();

/** The staff console at /admin: sign-in, dashboard, order search and an order's page with the support actions. */
export function consoleRoutes(deps: ApiDeps, assets: Assets): Router {
  const router = Router();
  const { db, config } = deps;
  const secure = config.publicBaseUrl.startsWith('https:');
  const site = { shopName: config.shopName, assets, secureCookies: secure };
  const attempts = new AttemptLimiter(db, 'staff-sign-in', SIGN_IN_TRIES, SIGN_IN_WINDOW_MS);

  const context = (req: Request, res: Response): ConsoleContext => {
    setPageHeaders(res);
    res.set('Cache-Control', 'no-store');
    // The console's links (the Temporal Web UI) need not learn which order a staff member was reading.
    res.set('Referrer-Policy', 'no-referrer');
    const ctx = pageContext(req, res, site);
    return {
      ...ctx,
      ct: consoleMessages(ctx.locale),
      session: res.locals.session,
      temporalUiUrl: config.temporal.uiUrl,
      temporalNamespace: config.temporal.namespace,
    };
  };

  router.get('/admin/login', (req, res) => {
    res.type('html').send(renderSignIn(context(req, res), req.query.signedOut === '1' ? 'signed-out' : req.query.expired === '1' ? 'expired' : undefined));
  });

  router.post('/admin/login', htmlForm, async (req, res) => {
    const ctx = context(req, res);
    if (await refusedAsTooMany(attempts, req, res, deps.clock(), (wait) => renderSignIn(ctx, { tooManySeconds: wait }))) return;
    const staff = staffForToken(config.adminTokens, formText(req.body?.token)?.trim().slice(0, 512) ?? '');
    if (!staff) {
      res.status(401).type('html').send(renderSignIn(ctx, 'wrong'));
      return;
    }
    const now = deps.clock();
    await startSession(db, res, staff, now, secure);
    await db.staffAudit.create({ data: { at: now, staff, action: 'console.sign-in', target: 'console', detail: { ip: req.ip ?? null } } });
    res.redirect(303, '/admin');
  });

  // Every other console page needs a session, and every form post its CSRF token.
  const requireSession = async (req: Request, res: Response, next: NextFunction) => {
    const session = await currentSession(db, req, deps.clock());
    if (!session) {
      res.redirect(303, '/admin/login?expired=1');
      return;
    }
    res.locals.session = session;
    if (req.method === 'POST' && !csrfMatches(session, req.body?._csrf)) {
      const ctx = context(req, res);
      res
        .status(403)
        .type('html')
        .send(renderConsolePage(ctx, ctx.ct.title, `<p class="notice bad" role="alert">${escapeHtml(ctx.ct.forbidden)}</p>`));
      return;
    }
    next();
  };
  router.use(
    '/admin',
    (req, res, next) => formFor(req.path)(req, res, next),
    (req, res, next) => void requireSession(req, res, next).catch(next),
  );

  router.post('/admin/logout', async (req, res) => {
    await endSession(db, req, res);
    await db.staffAudit.create({ data: { at: deps.clock(), staff: res.locals.session.staff, action: 'console.sign-out', target: 'console' } });
    res.redirect(303, '/admin/login?signedOut=1');
  });

  router.get('/admin', async (req, res) => {
    const now = deps.clock();
    const [summary, channels, degrade] = await Promise.all([shopSummary(db, now), channelReport(db, deps.router, now), readDegradeSwitch(db)]);
    res.type('html').send(renderDashboard(context(req, res), summary, channels, degrade.level));
  });

  router.get('/admin/orders', async (req, res) => {
    const ctx = context(req, res);
    const filters: OrderFilters = Object.fromEntries(
      (['orderNo', 'email', 'status', 'sku', 'from', 'to'] as const).map((k) => [k, formText(req.query[k])?.trim()]).filter(([, v]) => v),
    );
    if (filters.orderNo) {
      res.redirect(303, `/admin/orders/${encodeURIComponent(filters.orderNo.toUpperCase())}`);
      return;
    }
    const day = /^\d{4}-\d{2}-\d{2}$/;
    const query = adminOrdersQuery.safeParse({
      ...(filters.email ? { email: filters.email } : {}),
      ...(filters.status ? { status: filters.status } : {}),
      ...(filters.sku ? { sku: filters.sku } : {}),
      ...(filters.from ? { from: day.test(filters.from) ? shopDay(filters.from) : filters.from } : {}),
      // "Up to" a day includes that day.
      ...(filters.to ? { to: day.test(filters.to) ? shopDay(filters.to, 1) : filters.to } : {}),
      ...(formText(req.query.cursor) ? { cursor: formText(req.query.cursor) } : {}),
    });
    if (!query.success) {
      res
        .status(400)
        .type('html')
        .send(renderOrders(ctx, filters, 'invalid'));
      return;
    }
    res.type('html').send(renderOrders(ctx, filters, await deps.reads.list((replica) => searchOrders(replica, query.data))));
  });

  router.get('/admin/orders/:orderNo', async (req, res) => {
    const ctx = context(req, res);
    const orderNo = orderNoParam.safeParse(req.params.orderNo);
    const order = orderNo.success
      ? await db.order.findUnique({
          where: { orderNo: orderNo.data },
          include: {
            skuRef: { select: { name: true } },
            events: { orderBy: { id: 'asc' }, select: { createdAt: true, type: true, actor: true, message: true } },
            payments: { orderBy: { id: 'asc' }, select: { paidAt: true, channel: true, tradeNo: true, amountCents: true, currency: true } },
          },
        })
      : null;
    const archived = !order && orderNo.success ? await loadArchivedOrderWithSku(db, orderNo.data) : null;
    if (archived) {
      res.type('html').send(
        renderOrderDetail(ctx, {
          ...archived.order,
          skuName: archived.sku?.name ?? archived.order.sku,
          workflowId: archived.order.workflowId ?? orderWorkflowId(archived.order.orderNo),
          events: archived.events,
          payments: archived.payments,
          // Newest first, as the inbox of a live order is shown.
          notifications: [...archived.notifications].reverse(),
          archivedAt: archived.archivedAt,
        }),
      );
      return;
    }
    if (!order) {
      res
        .status(404)
        .type('html')
        .send(renderConsolePage(ctx, ctx.ct.order.notFound, `<h1>${escapeHtml(ctx.ct.order.notFound)}</h1>`));
      return;
    }
    const notifications = await db.paymentNotification.findMany({
      where: { orderNo: order.orderNo },
      orderBy: { id: 'desc' },
      take: 20,
      select: { receivedAt: true, verdict: true, reason: true },
    });
    const done = formText(req.query.done);
    const refused = formText(req.query.refused)?.slice(0, 300);
    const signedRefusal = refused !== undefined && noticeSigned(res.locals.session, refused, req.query.sig);
    const outcome: ActionOutcome | undefined = done ? { done, status: order.status } : signedRefusal ? { refused } : undefined;
    res
      .type('html')
      .send(
        renderOrderDetail(
          ctx,
          { ...order, skuName: order.skuRef.name, workflowId: order.workflowId ?? orderWorkflowId(order.orderNo), notifications },
          outcome,
        ),
      );
  });

  /**
   * A form posted from an order's page: back to that page with what happened (`done`, a key the
   * page words) or why not (`refused`).
   */
  const orderForm =
    <T extends object>(parse: (req: Request) => z.ZodSafeParseResult<T>, perform: (orderNo: string, input: T, staff: string) => Promise<string>) =>
    async (req: Request, res: Response) => {
      const orderNo = orderNoParam.safeParse(req.params.orderNo);
      if (!orderNo.success) {
        res.redirect(303, '/admin/orders');
        return;
      }
      const back = `/admin/orders/${encodeURIComponent(orderNo.data)}`;
      const refusedWith = (message: string) => {
        const refused = message.slice(0, 300);
        return `${back}?${new URLSearchParams({ refused, sig: noticeSignature(res.locals.session, refused) })}`;
      };
      const input = parse(req);
      if (!input.success) {
        res.redirect(303, refusedWith(input.error.issues.map((i) => i.message).join('; ')));
        return;
      }
      try {
        const done = await perform(orderNo.data, input.data, `staff:${res.locals.session.staff}`);
        deps.reads.forgetOrder(orderNo.data);
        res.redirect(303, `${back}?${new URLSearchParams({ done })}`);
      } catch (error) {
        if (!(error instanceof ActionError)) throw error;
        res.redirect(303, refusedWith(error.message));
      }
    };
  const noteOf = (req: Request) => (formText(req.body?.note)?.trim() ? { note: formText(req.body?.note) } : {});

  router.post(
    '/admin/orders/:orderNo/email',
    orderForm(
      (req) => changeEmailBody.safeParse({ email: formText(req.body?.email) ?? '', ...noteOf(req) }),
      async (orderNo, { email, note }, staff) => {
        const change = await changeOrderEmail(deps, orderNo, email, staff, note);
        return !change.changed ? 'email-unchanged' : change.deliveryEmailOwed ? 'email-owed' : 'email';
      },
    ),
  );

  router.post(
    '/admin/orders/:orderNo/reissue-link',
    orderForm(
      (req) => actionBody.safeParse(noteOf(req)),
      async (orderNo, { note }, staff) => {
        if (!(await reissueOrderLink(deps, orderNo, staff, note))) throw new ActionError('not-found', `order ${orderNo} does not exist`);
        return 'reissue-link';
      },
    ),
  );

  router.post('/admin/orders/:orderNo/:action', async (req, res) => {
    const action = ORDER_ACTIONS.find((a) => a === req.params.action);
    if (!action) {
      res.redirect(303, '/admin/orders');
      return;
    }
    const to = action === 'resend' ? formText(req.body?.to)?.trim() : undefined;
    await orderForm(
      () => actionBodyFor(action).safeParse({ ...noteOf(req), ...(to ? { to } : {}) }),
      async (orderNo, request, staff) => {
        const outcome = await performOrderAction(deps, orderNo, action, { actor: staff, ...request });
        return outcome.pending ? 'pending' : action;
      },
    )(req, res);
  });

  catalogueConsoleRoutes(router, deps, context);
  saleConsoleRoutes(router, deps, context);

  router.get('/admin/audit', async (req, res) => {
    const [entries, runs] = await Promise.all([
      db.staffAudit.findMany({ orderBy: { id: 'desc' }, take: 100 }),
      db.reconciliationRun.findMany({ orderBy: { id: 'desc' }, take: 20 }),
    ]);
    res.type('html').send(renderAudit(context(req, res), entries, runs));
  });

  return router;
}
