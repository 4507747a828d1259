import { PerKeyQueue } from '../../src/orders/per-key-queue';

describe('the per-key queue', () => {
  it('runs one task at a time per key, in arrival order, keys side by side, and a failure does not stop the line', async () => {
    const queue = new PerKeyQueue();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        running += 1;
        most = Math.max(most, running);
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
        running -= 1;
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      queue.run('a', task('a1', 30, true)),
      queue.run('a', task('a2', 5)),
      queue.run('a', task('a3', 1)),
      queue.run('b', task('b1', 10)),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(log.filter((l) => l.endsWith('a1') || l.endsWith('a2') || l.endsWith('a3'))).toEqual([
      'start a1',
      'end a1',
      'start a2',
      'end a2',
      'start a3',
      'end a3',
    ]);
    // b ran beside a: two at once at most.
    expect(most).toBe(2);
  });
});
