import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { CardKeyCipher } from '../crypto/card-key-cipher';
import type { StockRefusals } from '../stock/stock-refusals';
import { importKeys, stockBySku, type ImportResult } from '../stock/import-keys';
import { wakeWaitingOrders } from './wake-waiting-orders';

export interface RestockDeps {
  db: Db;
  cipher: CardKeyCipher;
  temporal: Client;
  stockRefusals: StockRefusals;
}

/** Imports keys and then lets the SKU sell again: this process forgets it was sold out, and paid orders waiting for stock are woken. */
export async function restock(deps: RestockDeps, sku: string, text: string) {
  const result: ImportResult = await importKeys(deps.db, deps.cipher, sku, text);
  deps.stockRefusals.forget(sku);
  const wokenOrders = result.imported > 0 ? await wakeWaitingOrders(deps.db, deps.temporal, sku) : 0;
  return { ...result, stock: await stockBySku(deps.db, sku), wokenOrders };
}

/** Voids every unsold (AVAILABLE) key of a SKU, e.g. a batch the supplier recalled; returns how many. */
export async function voidUnsoldKeys(db: Db, sku: string, staff: string, now: Date): Promise<number> {
  return db.$transaction(async (tx) => {
    const voided = await tx.cardKey.updateMany({ where: { sku, status: 'AVAILABLE' }, data: { status: 'VOID', voidedAt: now } });
    await tx.staffAudit.create({ data: { at: now, staff, action: 'keys.void-unsold', target: sku, detail: { count: voided.count } } });
    return voided.count;
  });
}

/** The unsold keys of a SKU in plain text, one per line, for staff moving stock elsewhere; every export is audited. */
export async function exportUnsoldKeys(db: Db, cipher: CardKeyCipher, sku: string, staff: string, now: Date): Promise<string[]> {
  const rows = await db.cardKey.findMany({ where: { sku, status: 'AVAILABLE' }, orderBy: { id: 'asc' }, select: { secret: true } });
  await db.staffAudit.create({ data: { at: now, staff, action: 'keys.export-unsold', target: sku, detail: { count: rows.length } } });
  return rows.map((row) => cipher.decrypt(row.secret));
}
