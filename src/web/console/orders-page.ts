import { escapeHtml } from '../../html';
import { ORDER_STATUSES } from '../../domain/order-status';
import type { OrderSearchRow } from '../../orders/order-search';
import { formatMoney, formatTime } from '../format';
import { renderConsolePage, table, type ConsoleContext } from './console-page';

/** The search form's fields as typed, to fill the form again. */
export type OrderFilters = Partial<Record<'orderNo' | 'email' | 'status' | 'sku' | 'from' | 'to', string>>;

export function renderOrders(ctx: ConsoleContext, filters: OrderFilters, result: { orders: OrderSearchRow[]; nextCursor: string | null } | 'invalid'): string {
  const { ct, t } = ctx;
  const o = ct.orders;
  const input = (name: keyof OrderFilters, label: string, type = 'text') =>
    `<div><label for="f-${name}">${escapeHtml(label)}</label><input id="f-${name}" name="${name}" type="${type}" value="${escapeHtml(filters[name] ?? '')}"></div>`;
  const statuses = [
    `<option value="">${escapeHtml(o.any)}</option>`,
    ...ORDER_STATUSES.map((s) => `<option value="${s}"${filters.status === s ? ' selected' : ''}>${escapeHtml(t.order.statuses[s])} (${s})</option>`),
  ].join('');
  const form = `<form class="filters" method="get" action="/admin/orders" role="search" aria-label="${escapeHtml(o.search)}">
${input('orderNo', o.orderNo)}${input('email', o.email, 'email')}
<div><label for="f-status">${escapeHtml(o.status)}</label><select id="f-status" name="status">${statuses}</select></div>
${input('sku', o.sku)}${input('from', o.from, 'date')}${input('to', o.to, 'date')}
<div><button type="submit">${escapeHtml(o.submit)}</button></div></form>`;
  let list: string;
  if (result === 'invalid') list = `<p class="notice bad" role="alert">${escapeHtml(o.invalid)}</p>`;
  else if (result.orders.length === 0) list = `<p class="notice">${escapeHtml(o.none)}</p>`;
  else {
    const rows = result.orders.map((r) => [
      `<a href="/admin/orders/${encodeURIComponent(r.orderNo)}">${escapeHtml(r.orderNo)}</a>`,
      escapeHtml(formatTime(r.createdAt.toISOString(), ctx.locale)),
      escapeHtml(r.email),
      escapeHtml(`${r.quantity} × ${r.sku}`),
      escapeHtml(formatMoney(r.amountCents, r.currency)),
      escapeHtml(r.channel),
      `<span data-status="${r.status}">${escapeHtml(t.order.statuses[r.status])}</span>${r.archived ? ` <small data-archived>(${escapeHtml(o.archivedMark)})</small>` : ''}`,
    ]);
    const next = result.nextCursor
      ? `<p><a href="/admin/orders?${new URLSearchParams({ ...clean(filters), cursor: result.nextCursor })}">${escapeHtml(o.next)}</a></p>`
      : '';
    list = table([o.orderNo, o.placed, o.email, o.sku, o.amount, o.channel, o.status], rows, o.title) + next;
  }
  return renderConsolePage(ctx, o.title, `<h1>${escapeHtml(o.title)}</h1>${form}${list}`);
}

const clean = (filters: OrderFilters) => Object.fromEntries(Object.entries(filters).filter(([, v]) => v)) as Record<string, string>;
