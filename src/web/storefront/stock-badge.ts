import { escapeHtml } from '../../html';
import type { CatalogueEntry } from '../../catalogue/skus';
import type { Messages } from '../messages';

/** Below this many keys the shop says "only n left". */
export const LOW_STOCK = 10;

export function stockBadge(t: Messages, entry: Pick<CatalogueEntry, 'available' | 'availableCapped' | 'minQuantity'>): string {
  if (entry.available < entry.minQuantity) return `<p class="stock sold-out">${escapeHtml(t.stock.soldOut)}</p>`;
  if (entry.available < LOW_STOCK) return `<p class="stock low">${escapeHtml(t.stock.low(entry.available))}</p>`;
  return `<p class="stock available">${escapeHtml(t.stock.available(entry.available, entry.availableCapped))}</p>`;
}

export const soldOut = (entry: Pick<CatalogueEntry, 'available' | 'minQuantity'>) => entry.available < entry.minQuantity;
