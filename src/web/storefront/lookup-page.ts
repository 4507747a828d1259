import { escapeHtml } from '../../html';
import { renderPage, type PageContext } from '../page';

export interface LookupState {
  orderNo?: string;
  email?: string;
  /** What the last try led to: the same "sent" whatever the database holds, or the form to fix. */
  outcome?: 'sent' | 'invalid' | 'no-match' | 'too-many';
  retryAfterSeconds?: number;
}

/** Order lookup: the link is mailed to the order's own address, so this page never tells whether an order exists. */
export function renderLookup(ctx: PageContext, state: LookupState = {}): string {
  const { t } = ctx;
  const problem = {
    invalid: t.lookup.invalid,
    'no-match': t.lookup.noMatch,
    'too-many': `${t.lookup.tooMany} ${t.refusal.retryIn(state.retryAfterSeconds ?? 0)}`,
  };
  const notice =
    state.outcome === 'sent'
      ? `<p class="notice ok" role="status">${escapeHtml(t.lookup.sent)}</p>`
      : state.outcome
        ? `<p class="notice bad" role="alert">${escapeHtml(problem[state.outcome])}</p>`
        : '';
  const main = `<h1>${escapeHtml(t.lookup.title)}</h1>
<p>${escapeHtml(t.lookup.intro)}</p>
${notice}
<form class="stack" method="post" action="/lookup">
<div><label for="orderNo">${escapeHtml(t.lookup.orderNo)}</label><input id="orderNo" name="orderNo" required maxlength="32" autocomplete="off" value="${escapeHtml(state.orderNo ?? '')}"></div>
<div><label for="lookup-email">${escapeHtml(t.lookup.email)}</label><input id="lookup-email" name="email" type="email" autocomplete="email" maxlength="254" value="${escapeHtml(state.email ?? '')}"></div>
<button type="submit">${escapeHtml(t.lookup.byEmail)}</button>
</form>
<h2>${escapeHtml(t.lookup.withPassword)}</h2>
<form class="stack" method="post" action="/lookup">
<div><label for="pw-orderNo">${escapeHtml(t.lookup.orderNo)}</label><input id="pw-orderNo" name="orderNo" required maxlength="32" autocomplete="off" value="${escapeHtml(state.orderNo ?? '')}"></div>
<div><label for="password">${escapeHtml(t.lookup.password)}</label><input id="password" name="password" type="password" required maxlength="64" autocomplete="current-password"></div>
<button type="submit">${escapeHtml(t.lookup.byPassword)}</button>
</form>`;
  return renderPage(ctx, { title: t.lookup.title, main });
}
