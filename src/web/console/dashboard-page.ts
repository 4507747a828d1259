import { escapeHtml } from '../../html';
import type { ShopSummary } from '../../orders/shop-summary';
import type { ChannelReport } from '../../channels/channel-admin';
import { formatMoney, formatTime } from '../format';
import { renderConsolePage, table, type ConsoleContext } from './console-page';
import type { OrderStatus } from '../../domain/order-status';

const seconds = (value: number | null) => (value === null ? '—' : `${value.toFixed(value < 10 ? 2 : 0)} s`);

export function renderDashboard(ctx: ConsoleContext, summary: ShopSummary, channels: ChannelReport[], degradeLevel: string): string {
  const { ct } = ctx;
  const d = ct.dashboard;
  const tile = (label: string, value: string, href?: string) =>
    `<li class="card"><span class="hint">${escapeHtml(label)}</span><span class="price">${href ? `<a href="${href}">${escapeHtml(value)}</a>` : escapeHtml(value)}</span></li>`;
  const placed = new Map(summary.channels.map((c) => [c.channel, c]));
  const names = [...new Set([...channels.map((c) => c.name), ...summary.channels.map((c) => c.channel)])];
  const rows = names.map((name) => {
    const today = placed.get(name);
    const health = channels.find((c) => c.name === name);
    const rate = today && today.orders > 0 ? ` (${Math.round((100 * today.paid) / today.orders)}%)` : '';
    return [
      escapeHtml(name),
      escapeHtml(health ? `${health.state}${health.enabled ? '' : ' · off'}` : d.none),
      escapeHtml(today ? `${today.paid} / ${today.orders}${rate}` : '0 / 0'),
    ];
  });
  const main = `<h1>${escapeHtml(d.title)}</h1><p class="hint">${escapeHtml(d.since(formatTime(summary.since.toISOString(), ctx.locale)))}</p>
<ul class="grid">
${tile(d.orders, String(summary.orders), '/admin/orders')}
${tile(d.paid, String(summary.paid))}
${tile(d.revenue, summary.revenue.map((r) => formatMoney(r.cents, r.currency)).join(' · ') || formatMoney(0, 'CNY'))}
${tile(d.lag, `${seconds(summary.deliveryLag.p50)} / ${seconds(summary.deliveryLag.p95)}`)}
${tile(d.review, String(summary.reviewQueue), '/admin/orders?status=NEEDS_REVIEW')}
${tile(d.stock, String(summary.awaitingStock), '/admin/orders?status=AWAITING_STOCK')}
${tile(d.degrade, degradeLevel, '/admin/sale')}
</ul>
<h2>${escapeHtml(d.channels)}</h2>
${table([d.channel, d.health, d.successToday], rows, d.channels)}
<h2>${escapeHtml(d.refused)}</h2>
<p class="hint">${escapeHtml(d.refusedHint)}</p>
${
  summary.refusedEmails.length === 0
    ? `<p>${escapeHtml(d.noneRefused)}</p>`
    : table(
        [ct.orders.orderNo, d.refusedAt, ct.orders.status],
        summary.refusedEmails.map((r) => [
          `<a href="/admin/orders/${encodeURIComponent(r.orderNo)}">${escapeHtml(r.orderNo)}</a>`,
          escapeHtml(formatTime(r.refusedAt.toISOString(), ctx.locale)),
          escapeHtml(ctx.t.order.statuses[r.status as OrderStatus] ?? r.status),
        ]),
        d.refused,
      )
}`;
  return renderConsolePage(ctx, ct.nav.dashboard, main);
}
