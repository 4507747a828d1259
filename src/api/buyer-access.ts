import type { Request, Response } from 'express';
import { bearerToken } from './auth';

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

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
