// URLs Keyflow hands out (order pages, notify URLs): built in one place for the API, the order layer and activities.
export function orderPageUrl(publicBaseUrl: string, orderNo: string, token: string): string {
  return `${publicBaseUrl}/orders/${encodeURIComponent(orderNo)}?token=${encodeURIComponent(token)}`;
}

export function notifyUrl(publicBaseUrl: string, channel: string): string {
  return `${publicBaseUrl}/api/payments/${channel}/notify`;
}
