import type { ReceivedMail } from './smtp-sink';
import type { Trade } from './trades';

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}.sandbox{background:#fde68a;padding:.3rem .6rem;border-radius:.3rem}button{font-size:1.2rem;padding:.6rem 1.6rem}</style>';

export function payPage(trade: Trade): string {
  const paid = trade.status === 'PAID';
  return `<!doctype html><html><head><meta charset="utf-8"><title>Pay ${escape(trade.outTradeNo)}</title>${STYLE}</head><body>
<p class="sandbox">Keyflow sandbox gateway (Epay protocol) — no real money moves.</p>
<h1>${escape(trade.name)}</h1>
<p>Merchant ${escape(trade.pid)} · order ${escape(trade.outTradeNo)} · trade ${escape(trade.tradeNo)}</p>
<p style="font-size:2rem">¥ ${escape(trade.money)}</p>
${paid ? `<p>Paid at ${escape(trade.paidAt ?? '')}. <a href="${escape(trade.returnUrl)}">Back to the shop</a></p>` : `<form method="post" action="/pay/${encodeURIComponent(trade.outTradeNo)}"><button type="submit" id="pay">Pay</button></form>`}
</body></html>`;
}

export function mailboxPage(messages: ReceivedMail[]): string {
  const rows = messages
    .map((m) => `<article><h3>${escape(m.subject)}</h3><p>to ${escape(m.to)} · ${escape(m.receivedAt)}</p><pre>${escape(m.text)}</pre></article>`)
    .join('<hr>');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sandbox mailbox</title>${STYLE}</head><body>
<p class="sandbox">Keyflow sandbox SMTP sink — ${messages.length} message(s), newest first.</p>${rows || '<p>No mail yet.</p>'}</body></html>`;
}

export function errorPage(message: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Payment error</title>${STYLE}</head><body><p class="sandbox">Keyflow sandbox gateway</p><h1>Cannot pay</h1><p>${escape(message)}</p></body></html>`;
}
