import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/errors';
import { errorMessage, firstLine } from '../error-text';

/** A database that was unavailable: long enough for a busy pool to drain or a restart to finish. */
const DATABASE_RETRY_SECONDS = 5;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** A refusal that says when to try again: the Retry-After header and `retryAfterSeconds` in the body. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Each problem a validation found, with the field it concerns: `{ path: 'weight', message }`. */
const issuesOf = (error: z.ZodError) => error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
const asLines = (issues: ReturnType<typeof issuesOf>) => issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));

/** Each problem as a line a person reads: `weight: weight must be from 0 to 1000`. */
export const issueLines = (error: z.ZodError): string[] => asLines(issuesOf(error));

export function parseOr400<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = issuesOf(result.error);
    throw new HttpError(400, 'invalid_request', asLines(issues).join('; '), issues);
  }
  return result.data;
}

/** Last middleware: known errors become JSON with their status; anything else is a 500 without internals. */
export function errorHandler(logger: { error: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void }) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof HttpError) {
      if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
      res.status(error.status).json({
        error: error.code,
        message: error.message,
        ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
        ...(error.details ? { details: error.details } : {}),
      });
      return;
    }
    const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      // body-parser's errors: too large, malformed JSON, wrong charset.
      const type = (error as { type?: string }).type ?? 'bad_request';
      res.status(status).json({ error: type.replace(/\./g, '_'), message: (error as Error).message });
      return;
    }
    if (isDatabaseUnavailable(error)) {
      // Postgres down, or too busy to give a connection or start a transaction in time: nothing was done; try again.
      logger.warn({ err: firstLine(errorMessage(error), 300), path: req.path }, 'request refused: database unavailable');
      res.set('Retry-After', String(DATABASE_RETRY_SECONDS));
      res
        .status(503)
        .json({ error: 'unavailable', message: 'the shop is too busy to answer right now; try again shortly', retryAfterSeconds: DATABASE_RETRY_SECONDS });
      return;
    }
    logger.error({ err: error, path: req.path }, 'request failed');
    res.status(500).json({ error: 'internal', message: 'internal error' });
  };
}
