import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Db } from '../../db/client';
import { constantTimeEqual } from '../../crypto/access-token';
import { readCookie } from '../../api/cookies';

// Staff console sessions: a staff token is typed once and traded for a random session token in an
// httpOnly, SameSite=Strict cookie scoped to /admin. The database holds only the token's hash, so
// signing out (or deleting the row) ends the session everywhere. Forms carry a CSRF token derived
// from the session token, which a page on another site cannot read.

export const SESSION_COOKIE = 'kf_staff';
/** A working day: staff sign in again the next morning. */
export const SESSION_TTL_MS = 8 * 3_600_000;
/** A console left open on a desk ends by itself: 30 minutes without a request. */
export const SESSION_IDLE_MS = 30 * 60_000;
/** How stale lastSeenAt may get before a request writes it: one write a minute per staff member, not one per page. */
const SEEN_GRANULARITY_MS = 60_000;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export interface StaffSession {
  staff: string;
  expiresAt: Date;
  /** The hidden field every console form carries. */
  csrf: string;
}

const csrfFor = (token: string) => createHmac('sha256', token).update('keyflow-console-csrf').digest('base64url');

export async function startSession(db: Db, res: Response, staff: string, now: Date, secure: boolean): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  // Sign-ins are rare: expired rows are swept here rather than by a job of their own.
  await db.$transaction([
    db.staffSession.deleteMany({ where: { expiresAt: { lt: now } } }),
    db.staffSession.create({ data: { tokenHash: hash(token), staff, createdAt: now, expiresAt, lastSeenAt: now } }),
  ]);
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure, path: '/admin', expires: expiresAt });
}

export async function currentSession(db: Db, req: Request, now: Date): Promise<StaffSession | undefined> {
  const token = readCookie(req, SESSION_COOKIE);
  if (!token) return undefined;
  const row = await db.staffSession.findUnique({ where: { tokenHash: hash(token) } });
  if (!row || row.expiresAt <= now || row.lastSeenAt.getTime() <= now.getTime() - SESSION_IDLE_MS) return undefined;
  if (now.getTime() - row.lastSeenAt.getTime() >= SEEN_GRANULARITY_MS) {
    await db.staffSession.updateMany({ where: { tokenHash: row.tokenHash }, data: { lastSeenAt: now } });
  }
  return { staff: row.staff, expiresAt: row.expiresAt, csrf: csrfFor(token) };
}

export async function endSession(db: Db, req: Request, res: Response): Promise<void> {
  const token = readCookie(req, SESSION_COOKIE);
  if (token) await db.staffSession.deleteMany({ where: { tokenHash: hash(token) } });
  res.clearCookie(SESSION_COOKIE, { path: '/admin' });
}

export function csrfMatches(session: StaffSession, given: unknown): boolean {
  return typeof given === 'string' && constantTimeEqual(session.csrf, given);
}

/**
 * A signature for text a redirect carries to the next page (why an action was refused), keyed by the
 * session: the page shows the text only when it came from this session's own form, so a link
 * someone sends staff cannot put words of its own in the console's notices.
 */
export const noticeSignature = (session: StaffSession, text: string) =>
  createHmac('sha256', session.csrf).update(`notice\n${text}`).digest('base64url').slice(0, 22);

export function noticeSigned(session: StaffSession, text: string, signature: unknown): boolean {
  return typeof signature === 'string' && constantTimeEqual(noticeSignature(session, text), signature);
}
