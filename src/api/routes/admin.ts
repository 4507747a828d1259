import express, { Router } from 'express';
import type { ApiDeps } from '../deps';
import type { PaymentNotification } from '../../generated/prisma/client';
import { requireStaff } from '../auth';
import { HttpError, parseOr400 } from '../http-errors';
import { adminOrdersQuery, notificationPageQuery, orderNoParam, putChannelBody, putDegradeBody, putSkuBody, skuParam } from '../validation';
import { restock } from '../../orders/restock';
import { prewarmSale } from '../../orders/prewarm-sale';
import { orderWorkflowId } from '../../workflows/workflow-ids';
import { stockBySku } from '../../stock/import-keys';
import { saveSku, SkuBoundsError } from '../../catalogue/skus';
import { searchOrders } from '../../orders/order-search';
import { loadArchivedOrder } from '../../db/archived-order';
import { admissionStatus } from '../../admission/admission';
import { channelReport, setChannelOverride } from '../../channels/channel-admin';
import { degradeStatus } from '../../degrade/degrade-switch';

export function adminRoutes(deps: ApiDeps): Router {
  const { db } = deps;
  const router = Router();
  router.use('/api/admin', requireStaff(deps.config.adminTokens));

  router.put('/api/admin/skus/:sku', express.json({ limit: '16kb' }), async (req, res) => {
    const sku = parseOr400(skuParam, req.params.sku);
    const body = parseOr400(putSkuBody, req.body);
    let result;
    try {
      result = await saveSku(db, sku, body);
    } catch (error) {
      if (error instanceof SkuBoundsError) throw new HttpError(400, 'invalid_request', error.message);
      throw error;
    }
    deps.logger.info({ sku, staff: res.locals.staff }, result.created ? 'sku created' : 'sku updated');
    res.status(result.created ? 201 : 200).json(result.saved);
  });

  router.post('/api/admin/skus/:sku/keys', express.text({ type: 'text/plain', limit: '5mb' }), async (req, res) => {
    const sku = parseOr400(skuParam, req.params.sku);
    if (!req.is('text/plain')) throw new HttpError(415, 'unsupported_media_type', 'send keys as text/plain, one per line');
    if (!(await db.sku.findUnique({ where: { sku } }))) throw new HttpError(404, 'unknown_sku', `SKU ${sku} does not exist; create it first`);
    const result = await restock(deps, sku, typeof req.body === 'string' ? req.body : '');
    deps.logger.info({ sku, staff: res.locals.staff, imported: result.imported, duplicate: result.duplicate, rejected: result.rejected }, 'keys imported');
    res.json({ sku, ...result });
  });

  router.post('/api/admin/skus/:sku/prewarm', async (req, res) => {
    const sku = parseOr400(skuParam, req.params.sku);
    if (!(await db.sku.findUnique({ where: { sku } }))) throw new HttpError(404, 'unknown_sku', `SKU ${sku} does not exist; create it first`);
    const report = await prewarmSale(deps, sku);
    deps.logger.info({ sku, staff: res.locals.staff, apiMs: report.api.ms, worker: report.worker }, 'sale prewarmed');
    res.json(report);
  });

  router.get('/api/admin/skus/:sku', async (req, res) => {
    const sku = parseOr400(skuParam, req.params.sku);
    const found = await db.sku.findUnique({ where: { sku } });
    if (!found) throw new HttpError(404, 'unknown_sku', `SKU ${sku} does not exist`);
    res.json({ ...found, stock: await stockBySku(db, sku) });
  });

  router.get('/api/admin/orders', async (req, res) => {
    const query = parseOr400(adminOrdersQuery, req.query);
    res.json(await deps.reads.list((replica) => searchOrders(replica, query)));
  });

  router.get('/api/admin/reconciliation/runs', async (req, res) => {
    const limit = Math.min(Math.max(Number(req.query.limit) || 20, 1), 100);
    res.json({ runs: await db.reconciliationRun.findMany({ orderBy: { id: 'desc' }, take: limit }) });
  });

  router.get('/api/admin/admission', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await admissionStatus(db, deps.config.admission, deps.clock()));
  });

  router.get('/api/admin/degrade', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await degradeStatus(db, deps.config.degrade));
  });

  router.put('/api/admin/degrade', express.json({ limit: '2kb' }), async (req, res) => {
    const change = parseOr400(putDegradeBody, req.body);
    await deps.degrade.set(change, res.locals.staff);
    deps.logger.warn({ staff: res.locals.staff, ...change }, 'degrade switch set');
    res.json(await degradeStatus(db, deps.config.degrade));
  });

  router.get('/api/admin/channels', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await channelReport(db, deps.router, deps.clock()));
  });

  router.put('/api/admin/channels/:name', express.json({ limit: '1kb' }), async (req, res) => {
    const name = req.params.name;
    if (!deps.channels.has(name))
      throw new HttpError(404, 'unknown_channel', `no channel instance ${name}; instances: ${[...deps.channels.keys()].join(', ')}`);
    const change = parseOr400(putChannelBody, req.body);
    await setChannelOverride(db, name, change, res.locals.staff);
    deps.logger.info({ channel: name, staff: res.locals.staff, ...change }, 'channel override changed');
    const report = await channelReport(db, deps.router, deps.clock());
    res.json(report.find((c) => c.name === name));
  });

  router.get('/api/admin/orders/:orderNo', async (req, res) => {
    const orderNo = parseOr400(orderNoParam, req.params.orderNo);
    const hot = await db.order.findUnique({
      where: { orderNo },
      include: {
        payments: { orderBy: { id: 'asc' } },
        refunds: { orderBy: { id: 'asc' } },
        events: { orderBy: { id: 'asc' } },
      },
    });
    const archived = hot ? null : await loadArchivedOrder(db, orderNo);
    if (!hot && !archived) throw new HttpError(404, 'not_found', `order ${orderNo} does not exist`);
    // An archived order answers in the same shape (it never kept a request hash).
    const order = hot ?? { ...archived!.order, requestHash: null, payments: archived!.payments, refunds: archived!.refunds, events: archived!.events };
    // The keys name the order without a relation (an archived order's keys outlive its row).
    const cardKeys = await db.cardKey.findMany({
      where: { orderNo },
      orderBy: { id: 'asc' },
      select: { id: true, status: true, reservedAt: true, soldAt: true, voidedAt: true },
    });
    let notifications: PaymentNotification[];
    let notificationsNextBefore: number | null = null;
    if (hot) {
      // The inbox entries, newest first, a page at a time: a forger decides how many rejected ones there are.
      const page = parseOr400(notificationPageQuery, req.query);
      const rows = await db.paymentNotification.findMany({
        where: { orderNo, ...(page.notificationsBefore ? { id: { lt: page.notificationsBefore } } : {}) },
        orderBy: { id: 'desc' },
        take: page.notifications + 1,
      });
      notifications = rows.slice(0, page.notifications);
      if (rows.length > page.notifications) notificationsNextBefore = notifications[notifications.length - 1].id;
    } else {
      notifications = archived!.notifications;
    }
    const { idempotencyKey: _key, requestHash: _hash, queryPasswordHash, ...visible } = order;
    res.json({
      ...visible,
      archived: archived !== null,
      ...(archived ? { archivedAt: archived.archivedAt } : {}),
      cardKeys,
      hasQueryPassword: queryPasswordHash !== null,
      notifications,
      notificationsNextBefore,
      workflowId: order.workflowId ?? orderWorkflowId(orderNo),
    });
  });

  return router;
}
