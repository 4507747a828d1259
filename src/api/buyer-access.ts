import type { Request, Response } from 'express';
import { bearerToken } from './auth';
import { readCookie } from './cookies';
import type { ApiDeps } from './deps';
import { loadBuyerOrderView, type BuyerOrderView } from './order-view';
import { orderNoParam } from './validation';

// How a buyer proves an order is theirs: the access token, from the Authorization header, the link in
// their email (?token=), or the cookie the order page set when a channel's return URL brought them back.

const cookieName = (orderNo: string) => `kf_order_${orderNo}`;

/** The access token the request carries for this order, if any. */
export function buyerToken(req: Request, orderNo: string): string | undefined {
  const fromQuery = typeof req.query.token === 'string' ? req.query.token : undefined;
  return bearerToken(req) ?? fromQuery ?? readCookie(req, cookieName(orderNo));
}

/** Keeps the buyer signed in to this order's page only, without a token in any URL. */
export function rememberOrder(res: Response, orderNo: string, token: string, secure: boolean): void {
  res.cookie(cookieName(orderNo), token, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: `/`,
    maxAge: 30 * 24 * 3_600_000,
  });
}

/** The order in `req.params.orderNo` if the request carries its access token; unknown order and wrong token alike are null, so order numbers cannot be probed. */
export async function authorisedBuyerView(deps: Pick<ApiDeps, 'reads' | 'db' | 'cipher' | 'accessTokens'>, req: Request): Promise<BuyerOrderView | null> {
  const orderNo = orderNoParam.safeParse(req.params.orderNo);
  if (!orderNo.success) return null;
  const token = buyerToken(req, orderNo.data);
  return loadBuyerOrderView(deps.reads.orderSnapshot, deps.db, deps.cipher, orderNo.data, (version) => deps.accessTokens.verify(orderNo.data, version, token));
}
