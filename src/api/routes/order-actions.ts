import express, { Router } from 'express';
import type { ApiDeps } from '../deps';
import { requireStaff, bearerToken } from '../auth';
import { HttpError, parseOr400 } from '../http-errors';
import { actionBody, orderNoParam, resendLinkBody } from '../validation';
import { ActionError, performOrderAction, type OrderAction } from '../../orders/support-actions';
import { startOrderLinkMail } from '../../orders/order-runs';

const ACTION_STATUS: Record<ActionError['kind'], [number, string]> = {
  'not-found': [404, 'not_found'],
  rejected: [409, 'action_rejected'],
  unavailable: [503, 'unavailable'],
};

/** Support actions (staff) and the buyer's own cancel and "mail me my link". */
export function orderActionRoutes(deps: ApiDeps): Router {
  const router = Router();
  const json = express.json({ limit: '16kb' });

  const act = async (orderNo: string, action: OrderAction, actor: string, note?: string) => {
    try {
      return await performOrderAction(deps, orderNo, action, { actor, note });
    } catch (error) {
      if (error instanceof ActionError) {
        const [status, code] = ACTION_STATUS[error.kind];
        throw new HttpError(status, code, error.message);
      }
      throw error;
    }
  };

  router.post('/api/admin/orders/:orderNo/:action', requireStaff(deps.config.adminTokens), json, async (req, res) => {
    const action = String(req.params.action);
    if (!['cancel', 'approve', 'refund', 'resend'].includes(action)) throw new HttpError(404, 'not_found', `no action ${action}`);
    const orderNo = parseOr400(orderNoParam, req.params.orderNo);
    const { note } = parseOr400(actionBody, req.body ?? {});
    res.json(await act(orderNo, action as OrderAction, `staff:${res.locals.staff}`, note));
  });

  router.post('/api/orders/:orderNo/cancel', json, async (req, res) => {
    const orderNo = orderNoParam.safeParse(req.params.orderNo);
    const token = bearerToken(req) ?? (typeof req.query.token === 'string' ? req.query.token : undefined);
    if (!orderNo.success || !deps.accessTokens.verify(orderNo.data, token))
      throw new HttpError(404, 'not_found', 'no such order (or the access token is wrong)');
    res.json(await act(orderNo.data, 'cancel', 'buyer'));
  });

  // Answers the same whether or not the order and email match, so it cannot be used to probe.
  router.post('/api/orders/resend-link', json, async (req, res) => {
    const { orderNo, email } = parseOr400(resendLinkBody, req.body);
    const order = await deps.db.order.findUnique({ where: { orderNo }, select: { email: true } });
    if (order && order.email === email) {
      await startOrderLinkMail(deps, orderNo).catch((error) => deps.logger.warn({ orderNo, err: error }, 'could not start the order-link email'));
    }
    res.status(202).json({ status: 'accepted', message: 'if the order number and email match, the order link is on its way to that address' });
  });

  return router;
}
