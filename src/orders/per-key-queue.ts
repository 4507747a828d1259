/**
 * Runs tasks for one key one at a time, in arrival order, inside this process. Orders for one SKU
 * must take its stock lock in turn anyway; waiting here rather than in Postgres keeps a sale's
 * queue out of the connection pool, where it would starve every other request of connections.
 */
export class PerKeyQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
