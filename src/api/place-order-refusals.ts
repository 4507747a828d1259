import type { PlaceOrderError } from '../orders/place-order';
import { metrics } from '../observability/metrics';

/** Each refusal to place an order as its HTTP status and stable code, for the JSON API and the storefront alike. */
const PLACE_ERROR_STATUS: Record<PlaceOrderError['kind'], [number, string]> = {
  'unknown-sku': [404, 'unknown_sku'],
  'insufficient-stock': [409, 'insufficient_stock'],
  held: [429, 'held'],
  busy: [429, 'busy'],
  'over-cap': [409, 'quantity_over_cap'],
  'under-minimum': [409, 'quantity_under_minimum'],
  'idempotency-conflict': [422, 'idempotency_key_reused'],
  'rate-limited': [429, 'rate_limited'],
  'too-many-open-orders': [429, 'too_many_open_orders'],
  unavailable: [503, 'unavailable'],
  'channel-disabled': [409, 'channel_disabled'],
  'channel-not-offered': [409, 'pay_type_unavailable'],
  'channel-down': [503, 'channel_down'],
  'channel-all-down': [503, 'no_channel_available'],
};

/** A dependency that is down: long enough for a restart, short enough that a buyer still waits. */
const UNAVAILABLE_RETRY_SECONDS = 5;

/** A refusal as the JSON API and the storefront answer it (and count it): its status, code and when to retry. */
export function placeRefusal(error: PlaceOrderError): { status: number; code: string; retryAfterSeconds?: number } {
  const [status, code] = PLACE_ERROR_STATUS[error.kind];
  metrics.ordersRefused.inc({ reason: code });
  return { status, code, retryAfterSeconds: error.retryAfterSeconds ?? (status === 503 ? UNAVAILABLE_RETRY_SECONDS : undefined) };
}
