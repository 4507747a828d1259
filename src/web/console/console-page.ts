import { escapeHtml } from '../../html';
import { renderPage, type PageContext } from '../page';
import type { ConsoleMessages } from './console-messages';
import type { StaffSession } from './sessions';

export interface ConsoleContext extends PageContext {
  ct: ConsoleMessages;
  session?: StaffSession;
  temporalUiUrl: string;
  temporalNamespace: string;
}

/** The hidden field that proves a console form was served by the console to this session. */
export const csrfField = (ctx: ConsoleContext) => `<input type="hidden" name="_csrf" value="${escapeHtml(ctx.session?.csrf ?? '')}">`;

/** A console page: the console's own links, who is signed in and a sign-out button, in the staff member's language. */
export function renderConsolePage(ctx: ConsoleContext, title: string, main: string): string {
  const { ct } = ctx;
  const links = ctx.session
    ? `<a href="/admin">${escapeHtml(ct.nav.dashboard)}</a><a href="/admin/orders">${escapeHtml(ct.nav.orders)}</a><a href="/admin/orders?status=NEEDS_REVIEW">${escapeHtml(ct.nav.review)}</a><a href="/admin/skus">${escapeHtml(ct.nav.catalogue)}</a><a href="/admin/sale">${escapeHtml(ct.nav.sale)}</a><a href="/admin/audit">${escapeHtml(ct.nav.audit)}</a>
<a href="${escapeHtml(ctx.temporalUiUrl)}/namespaces/${encodeURIComponent(ctx.temporalNamespace)}/workflows">${escapeHtml(ct.nav.temporal)}</a>
<form class="inline" method="post" action="/admin/logout">${csrfField(ctx)}<button type="submit" class="secondary">${escapeHtml(ct.nav.signOut)}</button></form>`
    : '';
  const who = ctx.session ? `<p class="hint">${escapeHtml(ct.signedInAs(ctx.session.staff))}</p>` : '';
  return renderPage(ctx, { title, main: `${who}${main}`, nav: { label: `${ctx.shopName} · ${ct.title}`, home: '/admin', links } });
}

/** A form's refusal: a heading and each problem found, read out as an alert. */
export const problemList = (heading: string, problems: readonly string[]) =>
  `<div class="notice bad" role="alert"><p>${escapeHtml(heading)}</p><ul>${problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul></div>`;

/** A table with a header row; cells are HTML the caller escaped. */
export function table(headers: string[], rows: string[][], caption: string): string {
  return `<div class="table"><table><caption>${escapeHtml(caption)}</caption><thead><tr>${headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}
