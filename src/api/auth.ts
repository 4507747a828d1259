import type { NextFunction, Request, Response } from 'express';
import { constantTimeEqual } from '../crypto/access-token';
import { HttpError } from './http-errors';

export function bearerToken(req: Request): string | undefined {
  const header = req.get('authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** The staff name a token belongs to, or undefined; every token is compared, so the time taken does not reveal which name matched. */
export function staffForToken(tokens: ReadonlyMap<string, string>, given: string): string | undefined {
  let staff: string | undefined;
  for (const [name, token] of tokens) if (constantTimeEqual(token, given) && !staff) staff = name;
  return staff;
}

/** Staff authentication: the bearer token names the staff member, recorded on every action. */
export function requireStaff(tokens: ReadonlyMap<string, string>) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = bearerToken(req);
    const staff = given ? staffForToken(tokens, given) : undefined;
    if (!staff) {
      res.set('WWW-Authenticate', 'Bearer realm="keyflow-admin"');
      next(new HttpError(401, 'unauthorized', given ? 'the admin token is not valid' : 'an admin bearer token is required'));
      return;
    }
    res.locals.staff = staff;
    next();
  };
}
