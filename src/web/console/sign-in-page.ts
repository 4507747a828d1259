import { escapeHtml } from '../../html';
import { renderConsolePage, type ConsoleContext } from './console-page';

export type SignInNotice = 'wrong' | 'signed-out' | 'expired' | { tooManySeconds: number };

export function renderSignIn(ctx: ConsoleContext, notice?: SignInNotice): string {
  const { ct } = ctx;
  const text =
    notice === undefined
      ? ''
      : typeof notice === 'object'
        ? ct.signIn.tooMany(notice.tooManySeconds)
        : { wrong: ct.signIn.wrong, 'signed-out': ct.signIn.signedOut, expired: ct.signIn.expired }[notice];
  const bad = notice === 'wrong' || typeof notice === 'object';
  const main = `<h1>${escapeHtml(ct.signIn.title)}</h1>
${text ? `<p class="notice ${bad ? 'bad' : 'ok'}" role="${bad ? 'alert' : 'status'}">${escapeHtml(text)}</p>` : ''}
<form class="stack" method="post" action="/admin/login">
<div><label for="token">${escapeHtml(ct.signIn.token)}</label>
<input id="token" name="token" type="password" required autocomplete="current-password" maxlength="512" aria-describedby="token-hint">
<p class="hint" id="token-hint">${escapeHtml(ct.signIn.hint)}</p></div>
<button type="submit">${escapeHtml(ct.signIn.submit)}</button>
</form>`;
  return renderConsolePage(ctx, ct.signIn.title, main);
}
