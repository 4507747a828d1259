import { escapeHtml } from '../../html';
import type { ReceivedMail } from './smtp-sink';
import type { Trade } from './trades';

const STYLE =
  '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}.sandbox{background:#fde68a;padding:.3rem .6rem;border-radius:.3rem}button{font-size:1.2rem;padding:.6rem 1.6rem}</style>';

export function payPage(trade: Trade): string {
  const paid = trade.status === 'PAID';
  return `<!doctype html><html><head><meta charset="utf-8"><title>Pay ${escapeHtml(trade.outTradeNo)}</title>${STYLE}</head><body>
<p class="sandbox">Keyflow sandbox gateway (Epay protocol) — no real money moves.</p>
<h1>${escapeHtml(trade.name)}</h1>
<p>Merchant ${escapeHtml(trade.pid)} · order ${escapeHtml(trade.outTradeNo)} · trade ${escapeHtml(trade.tradeNo)}</p>
<p style="font-size:2rem">¥ ${escapeHtml(trade.money)}</p>
${paid ? `<p>Paid at ${escapeHtml(trade.paidAt ?? '')}. <a href="${escapeHtml(trade.returnUrl)}">Back to the shop</a></p>` : `<form method="post" action="/pay/${encodeURIComponent(trade.outTradeNo)}"><button type="submit" id="pay">Pay</button></form>`}
</body></html>`;
}

export function mailboxPage(messages: ReceivedMail[]): string {
  const rows = messages
    .map(
      (m) => `<article><h3>${escapeHtml(m.subject)}</h3><p>to ${escapeHtml(m.to)} · ${escapeHtml(m.receivedAt)}</p><pre>${escapeHtml(m.text)}</pre></article>`,
    )
    .join('<hr>');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sandbox mailbox</title>${STYLE}</head><body>
<p class="sandbox">Keyflow sandbox SMTP sink — ${messages.length} message(s), newest first.</p>${rows || '<p>No mail yet.</p>'}</body></html>`;
}

export function errorPage(message: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Payment error</title>${STYLE}</head><body><p class="sandbox">Keyflow sandbox gateway</p><h1>Cannot pay</h1><p>${escapeHtml(message)}</p></body></html>`;
}
