import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * The buyer's order access token, derived from the order number with a server key. Nothing is
 * stored, so an idempotent retry of order creation hands out the same token again.
 */
export class AccessTokens {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'keyflow order access token', 32));
  }

  issue(orderNo: string): string {
    return createHmac('sha256', this.key).update(orderNo).digest('base64url');
  }

  verify(orderNo: string, token: string | undefined): boolean {
    if (!token) return false;
    return constantTimeEqual(this.issue(orderNo), token);
  }
}

export function constantTimeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
