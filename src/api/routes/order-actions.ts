import express, { Router } from 'express';
import type { ApiDeps } from '../deps';
import { requireStaff } from '../auth';
import { buyerToken } from '../buyer-access';
import { HttpError, parseOr400 } from '../http-errors';
import { actionBody, actionBodyFor, changeEmailBody, orderNoParam, resendLinkBody } from '../validation';
import { ActionError, ORDER_ACTIONS, performOrderAction } from '../../orders/support-actions';
import { reissueOrderLink, requestOrderLink } from '../../orders/order-link';
import { changeOrderEmail } from '../../orders/order-email';

const ACTION_STATUS: Record<ActionError['kind'], [number, string]> = {
  'not-found': [404, 'not_found'],
  rejected: [409, 'action_rejected'],
  unavailable: [503, 'unavailable'],
};

/** Support actions (staff) and the buyer's own cancel and "mail me my link". */
export function orderActionRoutes(deps: ApiDeps): Router {
  const router = Router();
  const json = express.json({ limit: '16kb' });

  const act = async <T>(orderNo: string, action: () => Promise<T>): Promise<T> => {
    try {
      const result = await action();
      deps.reads.forgetOrder(orderNo);
      return result;
    } catch (error) {
      if (error instanceof ActionError) {
        const [status, code] = ACTION_STATUS[error.kind];
        throw new HttpError(status, code, error.message);
      }
      throw error;
    }
  };

  router.post('/api/admin/orders/:orderNo/reissue-link', requireStaff(deps.config.adminTokens), json, async (req, res) => {
    const orderNo = parseOr400(orderNoParam, req.params.orderNo);
    const { note } = parseOr400(actionBody, req.body ?? {});
    if (!(await reissueOrderLink(deps, orderNo, `staff:${res.locals.staff}`, note))) throw new HttpError(404, 'not_found', `order ${orderNo} does not exist`);
    // The old links must stop working here at once, not when the change notification arrives.
    deps.reads.forgetOrder(orderNo);
    res.json({ orderNo, message: "a new link is on its way to the order's own address; earlier links no longer work" });
  });

  router.post('/api/admin/orders/:orderNo/email', requireStaff(deps.config.adminTokens), json, async (req, res) => {
    const orderNo = parseOr400(orderNoParam, req.params.orderNo);
    const { email, note } = parseOr400(changeEmailBody, req.body ?? {});
    res.json(await act(orderNo, () => changeOrderEmail(deps, orderNo, email, `staff:${res.locals.staff}`, note)));
  });

  router.post('/api/admin/orders/:orderNo/:action', requireStaff(deps.config.adminTokens), json, async (req, res) => {
    const action = ORDER_ACTIONS.find((a) => a === req.params.action);
    if (!action) throw new HttpError(404, 'not_found', `no action ${String(req.params.action)}`);
    const orderNo = parseOr400(orderNoParam, req.params.orderNo);
    const { note, to } = parseOr400(actionBodyFor(action), req.body ?? {});
    const outcome = await act(orderNo, () => performOrderAction(deps, orderNo, action, { actor: `staff:${res.locals.staff}`, note, to }));
    res.status(outcome.pending ? 202 : 200).json(outcome);
  });

  router.post('/api/orders/:orderNo/cancel', json, async (req, res) => {
    const orderNo = orderNoParam.safeParse(req.params.orderNo);
    const order = orderNo.success ? await deps.db.order.findUnique({ where: { orderNo: orderNo.data }, select: { tokenVersion: true } }) : null;
    if (!order || !deps.accessTokens.verify(orderNo.data!, order.tokenVersion, buyerToken(req, orderNo.data!)))
      throw new HttpError(404, 'not_found', 'no such order (or the access token is wrong)');
    const outcome = await act(orderNo.data!, () => performOrderAction(deps, orderNo.data!, 'cancel', { actor: 'buyer' }));
    res.status(outcome.pending ? 202 : 200).json(outcome);
  });

  // Answers at once and the same whatever happens next, so it cannot be used to probe for orders.
  router.post('/api/orders/resend-link', json, (req, res) => {
    const { orderNo, email } = parseOr400(resendLinkBody, req.body);
    res.status(202).json({ status: 'accepted', message: 'if the order number and email match, the order link is on its way to that address' });
    requestOrderLink(deps, orderNo, email).catch((error) => deps.logger.warn({ orderNo, err: error }, 'could not send the order link'));
  });

  return router;
}
