import type { BuyerOrderView } from './order-view';
import { centsToDecimal } from '../payments/money';

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The small HTML page buyers land on from the channel's return URL and the delivery email. */
export function renderOrderPage(view: BuyerOrderView): string {
  const keys = view.cardKeys?.length
    ? `<h2>Your keys</h2><ol class="keys">${view.cardKeys.map((k) => `<li><code>${escape(k)}</code></li>`).join('')}</ol>`
    : '';
  const pay = view.payUrl
    ? `<p><a class="pay" href="${escape(view.payUrl)}">Pay now</a> (before ${escape(view.expiresAt ?? '')})</p>`
    : '';
  const waiting = ['AWAITING_PAYMENT', 'PAID', 'AWAITING_STOCK', 'CREATED'].includes(view.status);
  const timeline = view.timeline
    .map((e) => `<li><time>${escape(e.at)}</time> ${escape(e.type)}${e.message ? ` — ${escape(e.message)}` : ''}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Order ${escape(view.orderNo)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
${waiting ? '<meta http-equiv="refresh" content="3">' : ''}
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}code{font-size:1.1em}.status{font-weight:bold}</style>
</head><body>
<h1>Order ${escape(view.orderNo)}</h1>
<p>${view.quantity} × ${escape(view.skuName)} — ${centsToDecimal(view.amountCents)} ${escape(view.currency)}</p>
<p>Status: <span class="status" id="status">${escape(view.status)}</span>${view.reason ? ` (${escape(view.reason)})` : ''}</p>
${pay}${keys}
<h2>Timeline</h2><ul>${timeline}</ul>
</body></html>`;
}
