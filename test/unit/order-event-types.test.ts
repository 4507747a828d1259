import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ORDER_EVENT_TYPES } from '../../src/domain/order-event-type';
import { consoleMessages } from '../../src/web/console/console-messages';

const SRC = path.join(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The upper-case literals in every SQL statement that inserts timeline lines (TypeScript cannot check those). */
function typesWrittenInSql(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/INSERT INTO "OrderEvent"/g)) {
      const statement = text.slice(match.index, text.indexOf('`', match.index));
      for (const [, literal] of statement.matchAll(/'([A-Z][A-Z_]+)'/g)) {
        found.set(literal, [...(found.get(literal) ?? []), path.relative(SRC, file)]);
      }
    }
  }
  return found;
}

describe('timeline event types', () => {
  it('every type a SQL statement writes is a known one', () => {
    const written = typesWrittenInSql();
    // The scan sees the statements it is meant to: placement, the one-step delivery, links, return codes.
    expect([...written.keys()]).toEqual(expect.arrayContaining(['CREATED', 'PAID', 'KEYS_RESERVED', 'DELIVERED', 'LINK_REQUESTED', 'RETURN_CODE_USED']));
    const unknown = [...written].filter(([type]) => !(ORDER_EVENT_TYPES as readonly string[]).includes(type));
    expect(unknown).toEqual([]);
  });

  it('the staff console has words for every type in both languages', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      const labels = consoleMessages(locale).order.events;
      expect(ORDER_EVENT_TYPES.filter((type) => !labels[type]?.trim())).toEqual([]);
    }
  });
});
