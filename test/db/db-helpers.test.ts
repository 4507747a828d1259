import { createDb, type Db } from '../../src/db/client';
import { isUniqueViolation } from '../../src/db/errors';
import { countAvailableUpTo } from '../../src/stock/count-available';

describe('database helpers on a real Postgres', () => {
  let db: Db;
  beforeAll(async () => {
    db = createDb(process.env.DATABASE_URL!, { max: 2 });
    await db.sku.create({ data: { sku: 'count', name: 'Count key', priceCents: 100, currency: 'CNY' } });
    await db.cardKey.createMany({
      data: Array.from({ length: 9 }, (_, i) => ({
        sku: 'count',
        secret: `s${i}`,
        fingerprint: `f${i}`,
        status: i < 7 ? ('AVAILABLE' as const) : ('VOID' as const),
      })),
    });
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  it('counts available keys only up to the limit asked for, never withdrawn ones', async () => {
    expect(await countAvailableUpTo(db, 'count', 3)).toBe(3);
    expect(await countAvailableUpTo(db, 'count', 7)).toBe(7);
    expect(await countAvailableUpTo(db, 'count', 100)).toBe(7);
    expect(await countAvailableUpTo(db, 'no-such-sku', 5)).toBe(0);
  });

  it('recognises a unique violation from the ORM and from a raw statement, and nothing else', async () => {
    const duplicate = { sku: 'count', secret: 'dup', fingerprint: 'f0' };
    const fromOrm = await db.cardKey.create({ data: duplicate }).catch((e: unknown) => e);
    const fromRaw =
      await db.$queryRaw`INSERT INTO "Sku" ("sku", "name", "priceCents", "currency", "updatedAt") VALUES ('count', 'again', 1, 'CNY', now()) RETURNING "sku"`.catch(
        (e: unknown) => e,
      );
    const foreignKey = await db.$queryRaw`INSERT INTO "CardKey" ("sku", "secret", "fingerprint") VALUES ('missing', 'x', 'fx') RETURNING "id"`.catch(
      (e: unknown) => e,
    );
    expect([isUniqueViolation(fromOrm), isUniqueViolation(fromRaw), isUniqueViolation(foreignKey), isUniqueViolation(new Error('x'))]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
