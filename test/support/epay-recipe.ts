import { createHash } from 'node:crypto';
import { TEST_EPAY } from './config';

/**
 * The published Epay recipe, written here independently of the adapter's signer: md5 of the sorted
 * `k=v&…` of non-empty parameters other than sign/sign_type, raw values, the key appended.
 */
export function signByRecipe(fields: Record<string, string>, key = TEST_EPAY.key): Record<string, string> {
  const base = Object.keys(fields)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  return {
    ...fields,
    sign: createHash('md5')
      .update(base + key)
      .digest('hex'),
    sign_type: 'MD5',
  };
}

/** A signed TRADE_SUCCESS notification for an order, as the gateway would send it. */
export function paidNotification(orderNo: string, tradeNo: string, money: string, overrides: Record<string, string> = {}, key = TEST_EPAY.key) {
  return signByRecipe(
    { pid: TEST_EPAY.pid, trade_no: tradeNo, out_trade_no: orderNo, type: 'alipay', name: 'x', money, trade_status: 'TRADE_SUCCESS', ...overrides },
    key,
  );
}
