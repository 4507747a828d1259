import { escapeHtml } from '../../html';
import { renderPage, type PageContext } from '../page';

export interface LookupState {
  orderNo?: string;
  email?: string;
  /** What the last try led to: the same "sent" whatever the database holds, or the form to fix. */
  outcome?: 'sent' | 'invalid' | 'no-match';
}

/** Order lookup: the link is mailed to the order's own address, so this page never tells whether an order exists. */
export function renderLookup(ctx: PageContext, state: LookupState = {}): string {
  const { t } = ctx;
  const notice =
    state.outcome === 'sent'
      ? `<p class="notice ok" role="status">${escapeHtml(t.lookup.sent)}</p>`
      : state.outcome
        ? `<p class="notice bad" role="alert">${escapeHtml(state.outcome === 'invalid' ? t.lookup.invalid : t.lookup.noMatch)}</p>`
        : '';
  const main = `<h1>${escapeHtml(t.lookup.title)}</h1>
<p>${escapeHtml(t.lookup.intro)}</p>
${notice}
<form class="stack" method="post" action="/lookup">
<div><label for="orderNo">${escapeHtml(t.lookup.orderNo)}</label><input id="orderNo" name="orderNo" required maxlength="32" autocomplete="off" value="${escapeHtml(state.orderNo ?? '')}"></div>
<div><label for="lookup-email">${escapeHtml(t.lookup.email)}</label><input id="lookup-email" name="email" type="email" autocomplete="email" maxlength="254" value="${escapeHtml(state.email ?? '')}"></div>
<button type="submit">${escapeHtml(t.lookup.byEmail)}</button>
</form>`;
  return renderPage(ctx, { title: t.lookup.title, main });
}
