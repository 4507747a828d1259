import { escapeHtml } from '../../html';
import type { CatalogueEntry } from '../../catalogue/skus';
import { formatMoney } from '../format';
import { renderPage, type PageContext } from '../page';
import { soldOut, stockBadge } from './stock-badge';

export interface CheckoutForm {
  quantity?: string;
  email?: string;
  payType?: string;
  /** The admission ticket a busy answer handed out: sent back with the retry to keep the buyer's place. */
  ticket?: string;
}

/** Why the last try did not become an order: a refusal that says when to retry, or the fields to fix. */
export interface CheckoutProblem {
  code: string;
  retryAfterSeconds?: number;
  fields?: string[];
}

export interface ProductPageInput {
  entry: CatalogueEntry;
  /** The per-order maximum after the shop-wide cap. */
  maxQuantity: number;
  payTypes: string[];
  form?: CheckoutForm;
  problem?: CheckoutProblem;
}

function problemNotice(ctx: PageContext, problem: CheckoutProblem): string {
  const { t } = ctx;
  const lines = [t.refusal.codes[problem.code] ?? t.refusal.codes.invalid_request];
  if (problem.fields?.length) lines.push(t.errors.field(problem.fields.join(', ')));
  if (problem.retryAfterSeconds !== undefined) lines.push(t.refusal.retryIn(problem.retryAfterSeconds));
  lines.push(t.refusal.noCharge);
  return `<div class="notice bad" role="alert" id="problem"><strong>${escapeHtml(t.refusal.title)}</strong>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</div>`;
}

/** An item with its description, delivery instructions and the checkout form (a plain POST: no script needed). */
export function renderProduct(ctx: PageContext, { entry, maxQuantity, payTypes, form = {}, problem }: ProductPageInput): string {
  const { t } = ctx;
  const field = (name: string) => (problem?.fields?.includes(name) ? ' aria-invalid="true" aria-describedby="problem"' : '');
  const limits =
    entry.minQuantity > 1 || entry.maxQuantity !== null
      ? `<p class="hint" id="q-hint">${escapeHtml(t.product.limits(entry.minQuantity, maxQuantity))}</p>`
      : '';
  const payOptions = [
    `<option value="">${escapeHtml(t.product.payTypeAuto)}</option>`,
    ...payTypes.map((p) => `<option value="${escapeHtml(p)}"${form.payType === p ? ' selected' : ''}>${escapeHtml(t.payTypes[p] ?? p)}</option>`),
  ].join('');
  const checkout = soldOut(entry)
    ? `<p class="notice">${escapeHtml(t.product.soldOut)}</p>`
    : `<form class="stack" method="post" action="/checkout">
<input type="hidden" name="sku" value="${escapeHtml(entry.sku)}">
${form.ticket ? `<input type="hidden" name="ticket" value="${escapeHtml(form.ticket)}">` : ''}
<div><label for="quantity">${escapeHtml(t.product.quantity)}</label>
<input id="quantity" name="quantity" type="number" inputmode="numeric" required min="${entry.minQuantity}" max="${maxQuantity}" value="${escapeHtml(form.quantity ?? String(entry.minQuantity))}"${limits ? ' aria-describedby="q-hint"' : ''}${field('quantity')}>${limits}</div>
<div><label for="email">${escapeHtml(t.product.email)}</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="254" value="${escapeHtml(form.email ?? '')}" aria-describedby="email-hint"${field('email')}>
<p class="hint" id="email-hint">${escapeHtml(t.product.emailHint)}</p></div>
<div><label for="queryPassword">${escapeHtml(t.product.queryPassword)}</label>
<input id="queryPassword" name="queryPassword" type="password" autocomplete="new-password" minlength="6" maxlength="64" aria-describedby="qp-hint"${field('queryPassword')}>
<p class="hint" id="qp-hint">${escapeHtml(t.product.queryPasswordHint)}</p></div>
${payTypes.length > 1 ? `<div><label for="payType">${escapeHtml(t.product.payType)}</label><select id="payType" name="payType"${field('payType')}>${payOptions}</select></div>` : ''}
<button type="submit">${escapeHtml(form.ticket ? t.refusal.busyRetry : t.product.submit)}</button>
</form>`;
  const main = `<p><a href="/">← ${escapeHtml(t.product.back)}</a></p>
<h1>${escapeHtml(entry.name)}</h1>
<p class="price">${escapeHtml(formatMoney(entry.priceCents, entry.currency))}</p>
${stockBadge(t, entry)}
${problem ? problemNotice(ctx, problem) : ''}
${entry.description ? `<h2>${escapeHtml(t.product.description)}</h2><p class="text">${escapeHtml(entry.description)}</p>` : ''}
${entry.deliveryInstructions ? `<h2>${escapeHtml(t.product.instructions)}</h2><p class="text">${escapeHtml(entry.deliveryInstructions)}</p>` : ''}
${checkout}`;
  return renderPage(ctx, { title: entry.name, main });
}
