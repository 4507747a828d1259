import { escapeHtml } from '../../html';
import type { OrderEventType } from '../../domain/order-event-type';
import type { OrderStatus } from '../../domain/order-status';
import { formatMoney, formatTime } from '../format';
import { csrfField, renderConsolePage, table, type ConsoleContext } from './console-page';

export interface StaffOrderDetail {
  orderNo: string;
  status: OrderStatus;
  statusReason: string | null;
  sku: string;
  skuName: string;
  quantity: number;
  amountCents: number;
  currency: string;
  email: string;
  channel: string;
  createdAt: Date;
  workflowId: string;
  events: Array<{ createdAt: Date; type: string; actor: string; message: string | null }>;
  payments: Array<{ paidAt: Date; channel: string; tradeNo: string; amountCents: number; currency: string }>;
  notifications: Array<{ receivedAt: Date; verdict: string; reason: string | null }>;
  /** Set for an order moved to the archive: read-only. */
  archivedAt?: Date;
}

/** Which support actions make sense in each state; the workflow still has the last word. */
const ACTIONS_BY_STATUS: Partial<Record<OrderStatus, string[]>> = {
  NEEDS_REVIEW: ['approve', 'refund'],
  AWAITING_STOCK: ['refund'],
  AWAITING_PAYMENT: ['cancel'],
  PAID: ['refund'],
  DELIVERED: ['resend', 'refund'],
};

export type ActionOutcome = { done: string; status: string } | { refused: string };

export function renderOrderDetail(ctx: ConsoleContext, order: StaffOrderDetail, outcome?: ActionOutcome): string {
  const { ct, t, locale } = ctx;
  const c = ct.order;
  const time = (d: Date) => escapeHtml(formatTime(d.toISOString(), locale));
  const status = (s: string) => t.order.statuses[s as OrderStatus] ?? s;
  // The code beside the words: it is what logs, metrics and the Temporal Web UI show.
  const eventLabel = (type: string) => {
    const label = c.events[type as OrderEventType] as string | undefined;
    return label ? `${escapeHtml(label)} <code class="event-code">${escapeHtml(type)}</code>` : escapeHtml(type);
  };
  // The workflow actions answer the order's new state; the others say what follows from them.
  const doneWords: Record<string, string> = {
    'email-owed': c.emailChanged(true),
    email: c.emailChanged(false),
    'email-unchanged': c.emailUnchanged,
    'reissue-link': c.linkReissued,
    pending: c.stillRunning,
  };
  // Only the page's own words for `done`: a link someone sends staff cannot put its text in a notice.
  const doneText = (done: string, now: string) => doneWords[done] ?? (c.actionNames[done] ? c.done(c.actionNames[done], status(now)) : undefined);
  const done = outcome && 'done' in outcome ? doneText(outcome.done, outcome.status) : undefined;
  const notice = done
    ? `<p class="notice ok" role="status">${escapeHtml(done)}</p>`
    : outcome && 'refused' in outcome
      ? `<p class="notice bad" role="alert">${escapeHtml(c.refused(outcome.refused))}</p>`
      : '';
  const orderPath = `/admin/orders/${encodeURIComponent(order.orderNo)}`;
  const noteField = (id: string) => `<div><label for="note-${id}">${escapeHtml(c.note)}</label><input id="note-${id}" name="note" maxlength="1000"></div>`;
  const actions = (order.archivedAt ? [] : (ACTIONS_BY_STATUS[order.status] ?? []))
    .map(
      (action) => `<form class="stack" method="post" action="${orderPath}/${action}">${csrfField(ctx)}
${action === 'resend' ? `<div><label for="to-resend">${escapeHtml(c.resendTo)}</label><input id="to-resend" name="to" type="email" maxlength="254" autocomplete="off"></div>` : ''}
${noteField(action)}
<button type="submit"${action === 'refund' || action === 'cancel' ? ' class="secondary"' : ''}>${escapeHtml(c.actionNames[action])}</button></form>`,
    )
    .join('');
  // Any live order: a typo may be found before payment (the refund email) or after delivery; a
  // buyer whose link leaked, or who lost it, may call at any time.
  const dataForms = order.archivedAt
    ? ''
    : `<form class="stack" method="post" action="${orderPath}/email">${csrfField(ctx)}
<div><label for="new-email">${escapeHtml(c.newEmail)}</label><input id="new-email" name="email" type="email" maxlength="254" autocomplete="off" required></div>
${noteField('email')}
<button type="submit" class="secondary">${escapeHtml(c.actionNames.email)}</button></form>
<form class="stack" method="post" action="${orderPath}/reissue-link">${csrfField(ctx)}
<p>${escapeHtml(c.reissueExplained)}</p>
${noteField('reissue-link')}
<button type="submit" class="secondary">${escapeHtml(c.actionNames['reissue-link'])}</button></form>`;
  // The buyer's address refused and not changed since: what to do is the first thing staff read.
  const refusal = order.events.findLast((e) => e.type === 'EMAIL_REJECTED' || e.type === 'EMAIL_CHANGED');
  const refusedNotice =
    refusal?.type === 'EMAIL_REJECTED' && !order.archivedAt
      ? `<p class="notice bad" id="address-refused">${escapeHtml(c.addressRefused(formatTime(refusal.createdAt.toISOString(), locale)))}</p>`
      : '';
  const temporal = `${ctx.temporalUiUrl}/namespaces/${encodeURIComponent(ctx.temporalNamespace)}/workflows/${encodeURIComponent(order.workflowId)}`;
  const main = `<h1>${escapeHtml(c.title(order.orderNo))}</h1>
${notice}${refusedNotice}${order.archivedAt ? `<p class="notice ok" role="status">${escapeHtml(c.archived(formatTime(order.archivedAt.toISOString(), locale)))}</p>` : ''}
<dl class="facts">
<dt>${escapeHtml(ct.orders.status)}</dt><dd class="status" id="status" data-status="${order.status}">${escapeHtml(status(order.status))}</dd>
${order.statusReason ? `<dt>${escapeHtml(c.reason)}</dt><dd>${escapeHtml(order.statusReason)}</dd>` : ''}
<dt>${escapeHtml(c.item)}</dt><dd>${order.quantity} × ${escapeHtml(order.skuName)} (${escapeHtml(order.sku)})</dd>
<dt>${escapeHtml(ct.orders.amount)}</dt><dd>${escapeHtml(formatMoney(order.amountCents, order.currency))}</dd>
<dt>${escapeHtml(c.buyer)}</dt><dd>${escapeHtml(order.email)}</dd>
<dt>${escapeHtml(ct.orders.channel)}</dt><dd>${escapeHtml(order.channel)}</dd>
<dt>${escapeHtml(ct.orders.placed)}</dt><dd>${time(order.createdAt)}</dd>
</dl>
<p><a href="${escapeHtml(temporal)}" rel="noreferrer">${escapeHtml(c.openInTemporal)}</a></p>
${actions ? `<h2>${escapeHtml(c.actions)}</h2><div class="grid">${actions}</div>` : ''}
${dataForms ? `<h2>${escapeHtml(c.contact)}</h2><div class="grid">${dataForms}</div>` : ''}
<h2>${escapeHtml(c.timeline)}</h2>
${table(
  [c.at, c.event, c.actor, c.message],
  order.events.map((e) => [time(e.createdAt), eventLabel(e.type), escapeHtml(e.actor), escapeHtml(e.message ?? '')]),
  c.timeline,
)}
<h2>${escapeHtml(c.payments)}</h2>
${
  order.payments.length
    ? table(
        [ct.orders.placed, ct.orders.channel, c.trade, ct.orders.amount],
        order.payments.map((p) => [time(p.paidAt), escapeHtml(p.channel), escapeHtml(p.tradeNo), escapeHtml(formatMoney(p.amountCents, p.currency))]),
        c.payments,
      )
    : `<p>${escapeHtml(c.none)}</p>`
}
<h2>${escapeHtml(c.inbox)}</h2>
${
  order.notifications.length
    ? table(
        [ct.orders.placed, ct.orders.status, c.reason],
        order.notifications.map((n) => [time(n.receivedAt), escapeHtml(n.verdict), escapeHtml(n.reason ?? '')]),
        c.inbox,
      )
    : `<p>${escapeHtml(c.none)}</p>`
}`;
  return renderConsolePage(ctx, c.title(order.orderNo), main);
}
