// URLs Keyflow hands out (order pages, notify URLs): built in one place for the API, the order layer and activities.

/** The buyer's own link, with the access token: only ever sent to the buyer (the order email). */
export function orderPageUrl(publicBaseUrl: string, orderNo: string, token: string, lang?: string): string {
  return `${publicBaseUrl}/orders/${encodeURIComponent(orderNo)}?token=${encodeURIComponent(token)}${lang ? `&lang=${encodeURIComponent(lang)}` : ''}`;
}

/**
 * Where a payment channel sends the buyer back: a one-time code, never the access token, because
 * the channel (and an aggregator's logs) see this URL.
 */
export function returnUrl(publicBaseUrl: string, orderNo: string, code: string): string {
  return `${publicBaseUrl}/orders/${encodeURIComponent(orderNo)}/return?code=${encodeURIComponent(code)}`;
}

export function notifyUrl(publicBaseUrl: string, channel: string): string {
  return `${publicBaseUrl}/api/payments/${channel}/notify`;
}
