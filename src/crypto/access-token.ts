import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The buyer's order access token, derived from the order number and its token version with a server
 * key. Nothing secret is stored, so an idempotent retry of order creation hands out the same token
 * again; staff reissuing a link moves the version on, and the old token stops working.
 */
export class AccessTokens {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'keyflow order access token', 32));
  }

  issue(orderNo: string, version: number): string {
    return createHmac('sha256', this.key).update(`${orderNo}:${version}`).digest('base64url');
  }

  verify(orderNo: string, version: number, token: string | undefined): boolean {
    if (!token) return false;
    return constantTimeEqual(this.issue(orderNo, version), token);
  }
}

/** How long a channel's return URL may bring the buyer back to the order page. */
export const RETURN_CODE_TTL_MS = 15 * 60_000;

/**
 * The code a payment channel's return URL carries instead of the access token (the channel, and an
 * aggregator's logs, see that URL): valid for 15 minutes and, once the order page has taken it,
 * never again. Signed, so nothing is stored until it is used.
 */
export class ReturnCodes {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'keyflow order return code', 32));
  }

  issue(orderNo: string, now: Date): string {
    const expires = Math.floor((now.getTime() + RETURN_CODE_TTL_MS) / 1000).toString(36);
    const nonce = randomBytes(9).toString('base64url');
    return `${expires}.${nonce}.${this.sign(orderNo, expires, nonce)}`;
  }

  /** The code's nonce (to record its one use), or undefined when it is forged or has expired. */
  verify(orderNo: string, code: string | undefined, now: Date): string | undefined {
    const [expires, nonce, signature, ...rest] = (code ?? '').split('.');
    if (!expires || !nonce || !signature || rest.length > 0) return undefined;
    if (!constantTimeEqual(this.sign(orderNo, expires, nonce), signature)) return undefined;
    if (parseInt(expires, 36) * 1000 < now.getTime()) return undefined;
    return nonce;
  }

  private sign(orderNo: string, expires: string, nonce: string): string {
    return createHmac('sha256', this.key).update(`${orderNo}.${expires}.${nonce}`).digest('base64url');
  }
}

export function constantTimeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
