import { escapeHtml } from '../html';
import type { BuyerOrderView } from './order-view';
import { centsToDecimal } from '../payments/money';

/** The small HTML page buyers land on from the channel's return URL and the delivery email. */
export function renderOrderPage(view: BuyerOrderView): string {
  const keys = view.cardKeys?.length
    ? `<h2>Your keys</h2><ol class="keys">${view.cardKeys.map((k) => `<li><code>${escapeHtml(k)}</code></li>`).join('')}</ol>`
    : '';
  const pay = view.payUrl ? `<p><a class="pay" href="${escapeHtml(view.payUrl)}">Pay now</a> (before ${escapeHtml(view.expiresAt ?? '')})</p>` : '';
  const waiting = ['AWAITING_PAYMENT', 'PAID', 'AWAITING_STOCK', 'CREATED'].includes(view.status);
  const timeline = view.timeline
    .map((e) => `<li><time>${escapeHtml(e.at)}</time> ${escapeHtml(e.type)}${e.message ? ` — ${escapeHtml(e.message)}` : ''}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Order ${escapeHtml(view.orderNo)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
${waiting ? '<meta http-equiv="refresh" content="3">' : ''}
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}code{font-size:1.1em}.status{font-weight:bold}</style>
</head><body>
<h1>Order ${escapeHtml(view.orderNo)}</h1>
<p>${view.quantity} × ${escapeHtml(view.skuName)} — ${centsToDecimal(view.amountCents)} ${escapeHtml(view.currency)}</p>
<p>Status: <span class="status" id="status">${escapeHtml(view.status)}</span>${view.reason ? ` (${escapeHtml(view.reason)})` : ''}</p>
${pay}${keys}
<h2>Timeline</h2><ul>${timeline}</ul>
</body></html>`;
}
