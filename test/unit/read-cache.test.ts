import { ReadCache } from '../../src/cache/read-cache';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ReadCache', () => {
  let now = 0;
  let live = true;
  const cache = () => new ReadCache<string>({ name: 'unit', ttlMs: 1_000, maxEntries: 2, live: () => live, clock: () => now });
  beforeEach(() => {
    now = 0;
    live = true;
  });

  it('does not keep a value loaded across a change to its key', async () => {
    const c = cache();
    const slow = deferred<string>();
    const first = c.get('a', () => slow.promise);
    c.invalidate('a'); // the row changed while the load was reading it
    slow.resolve('before the change');
    expect(await first).toBe('before the change');
    expect(await c.get('a', async () => 'after the change')).toBe('after the change');
  });

  it('shares one load between concurrent misses, but not with a read that starts after a change', async () => {
    const c = cache();
    const slow = deferred<string>();
    let loads = 0;
    const load = () => {
      loads++;
      return slow.promise;
    };
    const [a, b] = [c.get('k', load), c.get('k', load)];
    c.invalidate('k');
    const after = c.get('k', async () => 'fresh');
    slow.resolve('old');
    expect(await Promise.all([a, b, after])).toEqual(['old', 'old', 'fresh']);
    expect(loads).toBe(1);
  });

  it('expires entries, evicts the least recently used, and never caches a miss', async () => {
    const c = cache();
    await c.get('a', async () => 'A');
    await c.get('b', async () => 'B');
    await c.get('a', async () => 'not read');
    await c.get('c', async () => 'C'); // evicts b, read longest ago
    expect(await c.get('a', async () => 'reloaded')).toBe('A');
    expect(await c.get('b', async () => 'B again')).toBe('B again');
    now = 5_000;
    expect(await c.get('a', async () => 'A after ttl')).toBe('A after ttl');
    expect(await c.get('none', async () => null)).toBeNull();
    expect(await c.get('none', async () => 'now there')).toBe('now there');
  });

  it('reads through while changes may go unheard', async () => {
    const c = cache();
    await c.get('a', async () => 'cached');
    live = false;
    expect(await c.get('a', async () => 'from the database')).toBe('from the database');
    expect(c.size).toBe(1);
  });
});
