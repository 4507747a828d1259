import { createDb, type Db } from '../../src/db/client';
import { insertOrder, insertOrderWithinStock, type NewOrder } from '../../src/orders/insert-order';
import { PRIOR_ORDERS, readStockPicture } from '../../src/stock/stock-holds';

describe('inserting a new order on a real Postgres', () => {
  let db: Db;
  let seq = 0;
  const order = (sku: string, quantity = 1): NewOrder => {
    const now = new Date();
    seq += 1;
    return {
      ...{ orderNo: `INS${String(seq).padStart(10, '0')}`, sku, skuName: 'Insert key', quantity, unitPriceCents: 250, currency: 'CNY' },
      ...{ email: `b${seq}@example.com`, channel: 'epay', payType: null, idempotencyKey: null, requestHash: 'h', clientIp: '127.0.0.1' },
      ...{ expiresAt: new Date(now.getTime() + 600_000), createdAt: now, traceParent: null, locale: 'zh-CN', queryPasswordHash: null },
    };
  };
  const withKeys = async (sku: string, keys: number) => {
    await db.sku.create({ data: { sku, name: 'Insert key', priceCents: 250, currency: 'CNY' } });
    await db.cardKey.createMany({ data: Array.from({ length: keys }, (_, i) => ({ sku, secret: `${sku}-${i}`, fingerprint: `${sku}-f${i}` })) });
  };

  beforeAll(() => {
    db = createDb(process.env.DATABASE_URL!, { max: 6 });
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  it('writes the order with its amount and its CREATED timeline event', async () => {
    await withKeys('ins-plain', 0);
    const placed = await insertOrder(db, order('ins-plain', 3));
    expect([placed.status, placed.amountCents, placed.locale]).toEqual(['CREATED', 750, 'zh-CN']);
    const events = await db.orderEvent.findMany({ where: { orderNo: placed.orderNo } });
    expect(events.map((e) => [e.type, e.actor, e.message])).toEqual([['CREATED', 'buyer', '3 × Insert key']]);
  });

  it('expects open orders to take their keys at the share of recent orders that were paid, in whole keys, and never fewer than one in five', async () => {
    const expected = async (sku: string, open: number, ended: { paid: number; unpaid: number }) => {
      await withKeys(sku, 50);
      const now = new Date();
      const rows = [
        ...Array.from({ length: open }, () => ({ status: 'AWAITING_PAYMENT' as const, paidAt: null })),
        ...Array.from({ length: ended.paid }, () => ({ status: 'DELIVERED' as const, paidAt: now })),
        ...Array.from({ length: ended.unpaid }, () => ({ status: 'EXPIRED' as const, paidAt: null })),
      ];
      await db.order.createMany({ data: rows.map((row) => ({ ...order(sku), skuName: undefined, amountCents: 250, ...row })) });
      const picture = await readStockPicture(db, sku, 1, new Date(now.getTime() + 1));
      expect(picture.held).toBe(open);
      return picture.expectedHeld;
    };
    expect(await expected('exp-new', 7, { paid: 0, unpaid: 0 })).toBe(7);
    expect(await expected('exp-half', 7, { paid: 0, unpaid: PRIOR_ORDERS })).toBe(4);
    expect(await expected('exp-exact', 4, { paid: 0, unpaid: PRIOR_ORDERS })).toBe(2);
    expect(await expected('exp-paid', 4, { paid: 30, unpaid: 0 })).toBe(4);
    expect(await expected('exp-floor5', 5, { paid: 0, unpaid: 400 })).toBe(1);
    expect(await expected('exp-floor6', 6, { paid: 0, unpaid: 400 })).toBe(2);
    expect(await expected('exp-none', 0, { paid: 1, unpaid: 9 })).toBe(0);
  });

  it('lets buyers racing for the last keys hold no more keys than there are, and writes nothing for the ones refused', async () => {
    await withKeys('ins-race', 3);
    const results = await Promise.all(Array.from({ length: 6 }, () => insertOrderWithinStock(db, order('ins-race'))));
    expect(results.filter(Boolean).length).toBe(3);
    expect(await db.order.count({ where: { sku: 'ins-race' } })).toBe(3);
    expect(await db.orderEvent.count({ where: { order: { sku: 'ins-race' } } })).toBe(3);
    // An order asking for more than is left beside the holds is refused even alone.
    await withKeys('ins-big', 4);
    expect(await insertOrderWithinStock(db, order('ins-big', 3))).not.toBeNull();
    expect(await insertOrderWithinStock(db, order('ins-big', 2))).toBeNull();
    expect(await insertOrderWithinStock(db, order('ins-big', 1))).not.toBeNull();
  });
});
