import { escapeHtml } from '../../html';
import type { Sku } from '../../generated/prisma/client';
import type { ImportResult } from '../../stock/import-keys';
import { centsToDecimal } from '../../payments/money';
import { formatMoney } from '../format';
import { csrfField, problemList, renderConsolePage, table, type ConsoleContext } from './console-page';

export type StockCounts = Record<'AVAILABLE' | 'RESERVED' | 'SOLD' | 'VOID', number>;
const STOCK_STATES = ['AVAILABLE', 'RESERVED', 'SOLD', 'VOID'] as const;

export function renderSkuList(ctx: ConsoleContext, skus: Array<Sku & { stock: StockCounts }>): string {
  const c = ctx.ct.catalogue;
  const rows = skus.map((s) => [
    `<a href="/admin/skus/${encodeURIComponent(s.sku)}">${escapeHtml(s.sku)}</a>`,
    `${escapeHtml(s.name)}${s.active ? '' : ` <span class="hint">(${escapeHtml(c.inactive)})</span>`}`,
    escapeHtml(formatMoney(s.priceCents, s.currency)),
    ...STOCK_STATES.map((state) => String(s.stock[state])),
  ]);
  const main = `<h1>${escapeHtml(c.title)}</h1>
<p><a class="button" href="/admin/skus/new">${escapeHtml(c.newSku)}</a></p>
${table(['SKU', c.name, c.price, ...STOCK_STATES.map((s) => c.stock[s])], rows, c.title)}`;
  return renderConsolePage(ctx, c.title, main);
}

/** The SKU form's fields as typed. */
export type SkuForm = Partial<
  Record<
    'sku' | 'name' | 'price' | 'currency' | 'description' | 'deliveryInstructions' | 'category' | 'minQuantity' | 'maxQuantity' | 'sortOrder' | 'active',
    string
  >
>;

export function skuFormFrom(sku: Sku): SkuForm {
  return {
    sku: sku.sku,
    name: sku.name,
    price: centsToDecimal(sku.priceCents),
    currency: sku.currency,
    description: sku.description ?? '',
    deliveryInstructions: sku.deliveryInstructions ?? '',
    category: sku.category ?? '',
    minQuantity: String(sku.minQuantity),
    maxQuantity: sku.maxQuantity === null ? '' : String(sku.maxQuantity),
    sortOrder: String(sku.sortOrder),
    active: sku.active ? 'on' : '',
  };
}

export interface SkuPageInput {
  form: SkuForm;
  /** Absent for a SKU not yet created. */
  stock?: StockCounts;
  problems?: string[];
  notice?: string;
}

export function renderSkuPage(ctx: ConsoleContext, { form, stock, problems, notice }: SkuPageInput): string {
  const c = ctx.ct.catalogue;
  const existing = stock !== undefined;
  const action = existing ? `/admin/skus/${encodeURIComponent(form.sku!)}` : '/admin/skus';
  const input = (name: keyof SkuForm, label: string, attrs = '') =>
    `<div><label for="s-${name}">${escapeHtml(label)}</label><input id="s-${name}" name="${name}" value="${escapeHtml(form[name] ?? '')}" ${attrs}></div>`;
  const area = (name: keyof SkuForm, label: string) =>
    `<div><label for="s-${name}">${escapeHtml(label)}</label><textarea id="s-${name}" name="${name}" rows="4" maxlength="4000">${escapeHtml(form[name] ?? '')}</textarea></div>`;
  const title = existing ? form.name || form.sku! : c.newSku;
  const main = `<p><a href="/admin/skus">← ${escapeHtml(c.title)}</a></p><h1>${escapeHtml(title)}</h1>
${notice ? `<p class="notice ok" role="status">${escapeHtml(notice)}</p>` : ''}
${problems?.length ? problemList(c.invalid, problems) : ''}
<form class="stack" method="post" action="${action}">${csrfField(ctx)}
${existing ? `<input type="hidden" name="sku" value="${escapeHtml(form.sku!)}">` : input('sku', c.sku, 'required maxlength="64" pattern="[a-z0-9-]{1,64}"')}
${input('name', c.name, 'required maxlength="200"')}
${input('price', c.price, 'required inputmode="decimal" pattern="\\d{1,9}(\\.\\d{1,2})?"')}
${input('currency', c.currency, 'required maxlength="3" pattern="[A-Z]{3}"')}
${area('description', c.description)}${area('deliveryInstructions', c.instructions)}
${input('category', c.category, 'maxlength="100"')}
${input('minQuantity', c.minQuantity, 'type="number" min="1" max="10000"')}
${input('maxQuantity', c.maxQuantity, 'type="number" min="1" max="10000"')}
${input('sortOrder', c.sortOrder, 'type="number"')}
<div><input type="checkbox" id="s-active" name="active"${form.active ? ' checked' : ''}> <label for="s-active" class="inline">${escapeHtml(c.active)}</label></div>
<button type="submit">${escapeHtml(c.save)}</button></form>
${existing ? stockSection(ctx, form.sku!, stock) : ''}`;
  return renderConsolePage(ctx, title, main);
}

function stockSection(ctx: ConsoleContext, sku: string, stock: StockCounts): string {
  const c = ctx.ct.catalogue;
  const base = `/admin/skus/${encodeURIComponent(sku)}`;
  return `<h2>${escapeHtml(c.keys)}</h2>
<dl class="facts">${STOCK_STATES.map((s) => `<dt>${escapeHtml(c.stock[s])}</dt><dd data-stock="${s}">${stock[s]}</dd>`).join('')}</dl>
<h2>${escapeHtml(c.importTitle)}</h2>
<form class="stack" method="post" action="${base}/import/preview">${csrfField(ctx)}
<div><label for="keys">${escapeHtml(c.keys)}</label><textarea id="keys" name="keys" rows="8" required aria-describedby="keys-hint" spellcheck="false" autocomplete="off"></textarea>
<p class="hint" id="keys-hint">${escapeHtml(c.importHint)}</p></div>
<button type="submit">${escapeHtml(c.preview)}</button></form>
<h2>${escapeHtml(c.unsoldTitle)}</h2>
<form class="stack" method="post" action="${base}/export-unsold">${csrfField(ctx)}<button type="submit" class="secondary">${escapeHtml(c.exportUnsold)}</button></form>
<form class="stack" method="post" action="${base}/void-unsold">${csrfField(ctx)}
<div><label for="confirm-void">${escapeHtml(c.voidConfirm)}</label><input id="confirm-void" name="confirm" required autocomplete="off"></div>
<button type="submit" class="secondary">${escapeHtml(c.voidUnsold)}</button></form>`;
}

/** What an import would do, and a button that does it; the keys travel back in the form, never in a URL. */
export function renderImportPreview(ctx: ConsoleContext, sku: string, keys: string, preview: ImportResult): string {
  const c = ctx.ct.catalogue;
  const base = `/admin/skus/${encodeURIComponent(sku)}`;
  const main = `<p><a href="${base}">← ${escapeHtml(sku)}</a></p><h1>${escapeHtml(c.previewTitle)}</h1>
<p class="notice ok" id="will-import">${escapeHtml(c.willImport(preview.imported))}</p>
${preview.duplicate ? `<p class="notice" id="duplicates">${escapeHtml(c.duplicates(preview.duplicate, preview.duplicateLines.join(', ')))}</p>` : ''}
${preview.rejected ? `<div class="notice bad" id="rejected"><p>${escapeHtml(c.rejected(preview.rejected))}</p><ul>${preview.rejectedLines.map((l) => `<li>${escapeHtml(c.line(l.line, l.reason))}</li>`).join('')}</ul></div>` : ''}
<form class="stack" method="post" action="${base}/import">${csrfField(ctx)}
<input type="hidden" name="keys" value="${escapeHtml(keys)}">
<button type="submit"${preview.imported === 0 ? ' disabled' : ''}>${escapeHtml(c.confirm)}</button></form>
<p><a href="${base}">${escapeHtml(c.cancel)}</a></p>`;
  return renderConsolePage(ctx, c.previewTitle, main);
}

export function renderAudit(
  ctx: ConsoleContext,
  entries: Array<{ at: Date; staff: string; action: string; target: string; detail: unknown }>,
  runs: Array<{ startedAt: Date; finishedAt: Date | null; checked: number; repaired: number; findings: unknown }>,
): string {
  const a = ctx.ct.audit;
  const time = (d: Date | null) => (d ? escapeHtml(d.toISOString()) : '—');
  const main = `<h1>${escapeHtml(a.title)}</h1>
${
  entries.length
    ? table(
        [a.at, a.staff, a.action, a.target, a.detail],
        entries.map((e) => [
          time(e.at),
          escapeHtml(e.staff),
          escapeHtml(e.action),
          escapeHtml(e.target),
          `<code>${escapeHtml(JSON.stringify(e.detail ?? {}))}</code>`,
        ]),
        a.title,
      )
    : `<p>${escapeHtml(a.none)}</p>`
}
<h2>${escapeHtml(a.runs)}</h2>
${
  runs.length
    ? table(
        [a.at, '✓', 'checked', 'repaired', a.detail],
        runs.map((r) => [
          time(r.startedAt),
          time(r.finishedAt),
          String(r.checked),
          String(r.repaired),
          `<code>${escapeHtml(JSON.stringify(r.findings))}</code>`,
        ]),
        a.runs,
      )
    : `<p>${escapeHtml(a.none)}</p>`
}`;
  return renderConsolePage(ctx, a.title, main);
}
