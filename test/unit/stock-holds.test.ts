import { StockRefusals } from '../../src/stock/stock-refusals';

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
