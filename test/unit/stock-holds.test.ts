import { expectedHeld, PRIOR_ORDERS } from '../../src/stock/stock-holds';
import { SoldOutCache } from '../../src/stock/sold-out-cache';

describe('keys expected to be taken by open unpaid orders', () => {
  it('counts every held key while unpaid orders are paid, fewer as they are not, never a fraction of a key', () => {
    expect(expectedHeld({ held: 7, payRatio: 1 })).toBe(7);
    expect(expectedHeld({ held: 7, payRatio: 0.5 })).toBe(4);
    expect(expectedHeld({ held: 5, payRatio: 0.2 })).toBe(1);
    expect(expectedHeld({ held: 6, payRatio: 0.2 })).toBe(2);
    expect(expectedHeld({ held: 0, payRatio: 0.3 })).toBe(0);
    expect(PRIOR_ORDERS).toBeGreaterThan(0);
  });
});

describe('the sold-out cache', () => {
  it('answers sold out for its time to live, and forgets a SKU at once on an import', () => {
    let now = 1000;
    const cache = new SoldOutCache(2000, () => now);
    expect(cache.isSoldOut('a')).toBe(false);
    cache.markSoldOut('a');
    now += 1999;
    expect(cache.isSoldOut('a')).toBe(true);
    now += 1;
    expect(cache.isSoldOut('a')).toBe(false);
    cache.markSoldOut('a');
    cache.forget('a');
    expect(cache.isSoldOut('a')).toBe(false);
  });
});
