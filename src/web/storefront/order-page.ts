import { escapeHtml } from '../../html';
import type { BuyerOrderView } from '../../api/order-view';
import { formatMoney, formatTime } from '../format';
import { renderPage, type PageContext } from '../page';
import { buyerReasonText } from '../../domain/buyer-view';

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The order page's own path, keeping the token of an email link so a form posted from it is still the buyer's. */
export function orderPagePath(orderNo: string, req: { query: Record<string, unknown> }, suffix = ''): string {
  const token = typeof req.query.token === 'string' ? `?token=${encodeURIComponent(req.query.token)}` : '';
  return `/orders/${encodeURIComponent(orderNo)}${suffix}${token}`;
}

/** Statuses that will still move by themselves: the page keeps asking until the order gets past them. */
const ON_ITS_WAY = new Set(['CREATED', 'AWAITING_PAYMENT', 'PAID', 'AWAITING_STOCK']);

function keysBlock(ctx: PageContext, view: BuyerOrderView): string {
  if (!view.cardKeys?.length) return '';
  const { t } = ctx;
  const items = view.cardKeys
    .map(
      (key, i) =>
        `<li><code id="key-${i}">${escapeHtml(key)}</code><button type="button" class="secondary" hidden data-copy="${escapeHtml(key)}" data-copied="${escapeHtml(t.order.copied)}" aria-describedby="key-${i}">${escapeHtml(t.order.copy)}</button></li>`,
    )
    .join('');
  const instructions = view.deliveryInstructions
    ? `<h2>${escapeHtml(t.product.instructions)}</h2><p class="text">${escapeHtml(view.deliveryInstructions)}</p>`
    : '';
  return `<h2>${escapeHtml(t.order.keys)}</h2><ol class="keys">${items}</ol>${instructions}`;
}

/** The buyer's order page: where the channel sends them back and the email links to; it follows the order until delivered. */
export function renderOrder(ctx: PageContext, view: BuyerOrderView, cancelAction?: string): string {
  const { t, locale } = ctx;
  const moving = ON_ITS_WAY.has(view.status);
  const status = t.order.statuses[view.status as keyof typeof t.order.statuses] ?? view.status;
  const reason = view.reasonCode ? `<p>${escapeHtml(capitalise(buyerReasonText(view.reasonCode, locale)))}</p>` : '';
  const cancel =
    cancelAction && view.status === 'AWAITING_PAYMENT'
      ? `<form method="post" action="${escapeHtml(cancelAction)}"><button type="submit" class="secondary">${escapeHtml(t.order.cancel)}</button></form>`
      : '';
  const pay = view.payUrl
    ? `<p><a class="button" href="${escapeHtml(view.payUrl)}" rel="noreferrer">${escapeHtml(t.order.pay)}</a></p><p class="hint">${escapeHtml(t.order.payBefore(formatTime(view.expiresAt!, locale)))}</p>${cancel}`
    : '';
  const timeline = view.timeline
    .map(
      (e) => `<li><time datetime="${escapeHtml(e.at)}">${escapeHtml(formatTime(e.at, locale))}</time>${escapeHtml(t.order.events[e.type] ?? e.message)}</li>`,
    )
    .join('');
  const main = `<h1>${escapeHtml(t.order.title(view.orderNo))}</h1>
<section data-status="${escapeHtml(view.status)}"${moving ? ` data-poll-order="${escapeHtml(view.orderNo)}"` : ''} aria-live="polite">
<dl class="facts">
<dt>${escapeHtml(t.order.item)}</dt><dd>${view.quantity} × ${escapeHtml(view.skuName)}</dd>
<dt>${escapeHtml(t.order.amount)}</dt><dd>${escapeHtml(formatMoney(view.amountCents, view.currency))}</dd>
<dt>${escapeHtml(t.order.placedAt)}</dt><dd>${escapeHtml(formatTime(view.createdAt, locale))}</dd>
<dt>${escapeHtml(t.order.status)}</dt><dd class="status" id="status">${escapeHtml(status)}</dd>
</dl>
${reason}${pay}${moving ? `<p class="hint">${escapeHtml(t.order.updating)}</p>` : ''}
${keysBlock(ctx, view)}
</section>
<h2>${escapeHtml(t.order.timeline)}</h2><ul class="timeline">${timeline}</ul>
<h2>${escapeHtml(t.order.help)}</h2><p>${escapeHtml(t.order.helpText)}</p>`;
  return renderPage(ctx, { title: t.order.title(view.orderNo), main, refreshSeconds: moving ? 5 : undefined });
}

/** The same page for an unknown order and a wrong token, so order numbers cannot be probed. */
export function renderOrderNotFound(ctx: PageContext, hint: string): string {
  const main = `<h1>${escapeHtml(ctx.t.order.notFoundTitle)}</h1><p>${escapeHtml(hint)}</p><p><a class="button secondary" href="/lookup">${escapeHtml(ctx.t.nav.lookup)}</a></p>`;
  return renderPage(ctx, { title: ctx.t.order.notFoundTitle, main });
}
