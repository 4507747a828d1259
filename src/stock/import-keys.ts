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

interface ParsedLines {
  candidates: Array<{ line: number; secret: string; fingerprint: string }>;
  duplicateLines: number[];
  rejectedLines: LineProblem[];
}

/** One key per line: blank lines ignored, unusable lines reported by number, repeats within the text as duplicates. */
function parseKeyLines(cipher: CardKeyCipher, text: string): ParsedLines {
  const parsed: ParsedLines = { candidates: [], duplicateLines: [], rejectedLines: [] };
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const secret = raw.trim();
    if (!secret) return;
    const problem = problemWith(secret);
    if (problem) {
      parsed.rejectedLines.push({ line, reason: problem });
      return;
    }
    const fingerprint = cipher.fingerprint(secret);
    if (seen.has(fingerprint)) {
      parsed.duplicateLines.push(line);
      return;
    }
    seen.add(fingerprint);
    parsed.candidates.push({ line, secret, fingerprint });
  });
  return parsed;
}

function summarise(parsed: ParsedLines, alreadyInStock: Set<string>, imported: number): ImportResult {
  const duplicateLines = [...parsed.duplicateLines, ...parsed.candidates.filter((c) => alreadyInStock.has(c.fingerprint)).map((c) => c.line)].sort(
    (a, b) => a - b,
  );
  return { imported, duplicate: duplicateLines.length, rejected: parsed.rejectedLines.length, duplicateLines, rejectedLines: parsed.rejectedLines };
}

/**
 * What importing this text would do, without doing it: `imported` is how many keys are new. Lines
 * are reported by number, never echoed (they may be real secrets).
 */
export async function previewImport(db: Db, cipher: CardKeyCipher, sku: string, text: string): Promise<ImportResult> {
  const parsed = parseKeyLines(cipher, text);
  const existing = await db.cardKey.findMany({
    where: { sku, fingerprint: { in: parsed.candidates.map((c) => c.fingerprint) } },
    select: { fingerprint: true },
  });
  const inStock = new Set(existing.map((row) => row.fingerprint));
  return summarise(parsed, inStock, parsed.candidates.length - inStock.size);
}

/**
 * Imports one key per line into a SKU, in one transaction. Keys already in stock or repeated in the
 * file count as duplicates, so re-running an import is harmless.
 */
export async function importKeys(db: Db, cipher: CardKeyCipher, sku: string, text: string): Promise<ImportResult> {
  const parsed = parseKeyLines(cipher, text);
  const inserted = await db.cardKey.createManyAndReturn({
    data: parsed.candidates.map((c) => ({ sku, secret: cipher.encrypt(c.secret), fingerprint: c.fingerprint })),
    skipDuplicates: true,
    select: { fingerprint: true },
  });
  const insertedPrints = new Set(inserted.map((row) => row.fingerprint));
  const notInserted = new Set(parsed.candidates.filter((c) => !insertedPrints.has(c.fingerprint)).map((c) => c.fingerprint));
  return summarise(parsed, notInserted, inserted.length);
}

export async function stockBySku(db: Db, sku: string): Promise<Record<'AVAILABLE' | 'RESERVED' | 'SOLD' | 'VOID', number>> {
  const groups = await db.cardKey.groupBy({ by: ['status'], where: { sku }, _count: { _all: true } });
  const counts = { AVAILABLE: 0, RESERVED: 0, SOLD: 0, VOID: 0 };
  for (const group of groups) counts[group.status] = group._count._all;
  return counts;
}
