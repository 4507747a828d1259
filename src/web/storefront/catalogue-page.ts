import { escapeHtml } from '../../html';
import type { CatalogueEntry } from '../../catalogue/skus';
import { formatMoney } from '../format';
import { renderPage, type PageContext } from '../page';
import { stockBadge } from './stock-badge';

function card(ctx: PageContext, entry: CatalogueEntry): string {
  const href = `/p/${encodeURIComponent(entry.sku)}`;
  return `<li class="card"><h3><a href="${href}">${escapeHtml(entry.name)}</a></h3>
<p class="price">${escapeHtml(formatMoney(entry.priceCents, entry.currency))}</p>
${stockBadge(ctx.t, entry)}
<a class="button secondary" href="${href}" aria-label="${escapeHtml(`${ctx.t.catalogue.buy}: ${entry.name}`)}">${escapeHtml(ctx.t.catalogue.buy)}</a></li>`;
}

/** The shop's front page: every active SKU, grouped by category when any SKU has one. */
export function renderCatalogue(ctx: PageContext, entries: CatalogueEntry[]): string {
  const { t } = ctx;
  let main = `<h1>${escapeHtml(t.catalogue.title)}</h1>`;
  if (entries.length === 0) {
    main += `<p class="notice">${escapeHtml(t.catalogue.empty)}</p>`;
  } else if (entries.some((e) => e.category)) {
    const groups = new Map<string, CatalogueEntry[]>();
    for (const entry of entries) {
      const name = entry.category ?? t.catalogue.otherCategory;
      groups.set(name, [...(groups.get(name) ?? []), entry]);
    }
    for (const [name, group] of groups) {
      main += `<section><h2>${escapeHtml(name)}</h2><ul class="grid">${group.map((e) => card(ctx, e)).join('')}</ul></section>`;
    }
  } else {
    main += `<ul class="grid">${entries.map((e) => card(ctx, e)).join('')}</ul>`;
  }
  return renderPage(ctx, { title: t.catalogue.title, main });
}
