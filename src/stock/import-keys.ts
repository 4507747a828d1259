import type { Db } from '../db/client';
import type { CardKeyCipher } from '../crypto/card-key-cipher';

export const MAX_KEY_LENGTH = 512;

export interface LineProblem {
  line: number;
  reason: string;
}

export interface ImportResult {
  imported: number;
  duplicate: number;
  rejected: number;
  duplicateLines: number[];
  rejectedLines: LineProblem[];
}

function problemWith(secret: string): string | undefined {
  if (secret.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(secret)) return 'contains control characters';
  return undefined;
}

/**
 * Imports one key per line into a SKU, in one transaction. Blank lines are ignored; lines that are
 * not usable keys are reported by number (never echoed: they may be real secrets); keys already in
 * stock or repeated in the file count as duplicates, so re-running an import is harmless.
 */
export async function importKeys(db: Db, cipher: CardKeyCipher, sku: string, text: string): Promise<ImportResult> {
  const result: ImportResult = { imported: 0, duplicate: 0, rejected: 0, duplicateLines: [], rejectedLines: [] };
  const candidates: Array<{ line: number; secret: string; fingerprint: string }> = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const secret = raw.trim();
    if (!secret) return;
    const problem = problemWith(secret);
    if (problem) {
      result.rejectedLines.push({ line, reason: problem });
      return;
    }
    const fingerprint = cipher.fingerprint(secret);
    if (seen.has(fingerprint)) {
      result.duplicateLines.push(line);
      return;
    }
    seen.add(fingerprint);
    candidates.push({ line, secret, fingerprint });
  });

  await db.$transaction(async (tx) => {
    const inserted = await tx.cardKey.createManyAndReturn({
      data: candidates.map((c) => ({ sku, secret: cipher.encrypt(c.secret), fingerprint: c.fingerprint })),
      skipDuplicates: true,
      select: { fingerprint: true },
    });
    const insertedPrints = new Set(inserted.map((row) => row.fingerprint));
    for (const c of candidates) {
      if (!insertedPrints.has(c.fingerprint)) result.duplicateLines.push(c.line);
    }
    result.imported = inserted.length;
  });
  result.duplicateLines.sort((a, b) => a - b);
  result.duplicate = result.duplicateLines.length;
  result.rejected = result.rejectedLines.length;
  return result;
}

export async function stockBySku(db: Db, sku: string): Promise<Record<'AVAILABLE' | 'RESERVED' | 'SOLD' | 'VOID', number>> {
  const groups = await db.cardKey.groupBy({ by: ['status'], where: { sku }, _count: { _all: true } });
  const counts = { AVAILABLE: 0, RESERVED: 0, SOLD: 0, VOID: 0 };
  for (const group of groups) counts[group.status] = group._count._all;
  return counts;
}
