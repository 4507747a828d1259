import { expectedHeld, PRIOR_ORDERS } from '../../src/stock/stock-holds';
import { StockRefusals } from '../../src/stock/stock-refusals';

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

describe('the stock refusals a process remembers', () => {
  it('gives a refusal again for its time to live (sold out longer than held), and forgets a SKU at once on an import', () => {
    let now = 1000;
    const refusals = new StockRefusals({ 'sold-out': 2000, held: 1000 }, () => now);
    expect(refusals.recent('a')).toBeUndefined();
    refusals.remember('a', { kind: 'sold-out' });
    refusals.remember('b', { kind: 'held', keysBackAt: 99_000 });
    now += 999;
    expect(refusals.recent('a')).toEqual({ kind: 'sold-out' });
    expect(refusals.recent('b')).toEqual({ kind: 'held', keysBackAt: 99_000 });
    now += 1;
    expect(refusals.recent('b')).toBeUndefined();
    now += 999;
    expect(refusals.recent('a')).toEqual({ kind: 'sold-out' });
    now += 1;
    expect(refusals.recent('a')).toBeUndefined();
    refusals.remember('a', { kind: 'sold-out' });
    refusals.forget('a');
    expect(refusals.recent('a')).toBeUndefined();
  });
});
