import { createHash } from 'node:crypto';

/**
 * Epay (彩虹易支付) MD5 signature: the non-empty parameters other than sign/sign_type, sorted by
 * ASCII name, joined as k=v&… with raw (not URL-encoded) values, the merchant key appended.
 */
export function epaySign(params: Record<string, string | undefined>, key: string): string {
  const base = Object.keys(params)
    .filter((name) => name !== 'sign' && name !== 'sign_type' && params[name] !== undefined && params[name] !== '')
    .sort()
    .map((name) => `${name}=${params[name]}`)
    .join('&');
  return createHash('md5')
    .update(base + key, 'utf8')
    .digest('hex');
}
