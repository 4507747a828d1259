import { metrics } from '../observability/metrics';
import type { SharedStore } from './shared-store';

export interface ReadCacheOptions {
  /** Names the cache in metrics and in shared-store keys. */
  name: string;
  /** A backstop: the change feed drops entries when their rows change; this bounds anything it missed. */
  ttlMs: number;
  maxEntries: number;
  /** False while changes may go unheard (the change feed is down): every read then loads. */
  live: () => boolean;
  shared?: SharedStore;
  clock?: () => number;
}

interface Flight<T> {
  promise: Promise<T | null>;
  /** Set when the key changed while loading: what the load read may be older than the change. */
  stale: boolean;
}

/**
 * Two levels, this process's memory and (when configured) the shared store, in front of a loader.
 * A change heard while a value is loading keeps that value out of both levels, so an entry is never
 * older than the last change this process heard of; concurrent misses for one key share one load.
 * Values must survive JSON (they cross the shared store), and must never be secrets (card keys).
 */
export class ReadCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();
  private readonly flights = new Map<string, Flight<T>>();
  private readonly clock: () => number;

  constructor(private readonly options: ReadCacheOptions) {
    this.clock = options.clock ?? Date.now;
  }

  async get(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const { name, live } = this.options;
    if (!live()) {
      metrics.readCache.inc({ cache: name, result: 'bypass' });
      return load();
    }
    const entry = this.entries.get(key);
    if (entry && entry.expires > this.clock()) {
      // Re-inserted so the map's order is least recently used first.
      this.entries.delete(key);
      this.entries.set(key, entry);
      metrics.readCache.inc({ cache: name, result: 'hit' });
      return entry.value;
    }
    const pending = this.flights.get(key);
    if (pending && !pending.stale) {
      metrics.readCache.inc({ cache: name, result: 'hit' });
      return pending.promise;
    }
    const flight: Flight<T> = { promise: Promise.resolve(null), stale: false };
    flight.promise = this.fill(key, flight, load).finally(() => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    this.flights.set(key, flight);
    return flight.promise;
  }

  private async fill(key: string, flight: Flight<T>, load: () => Promise<T | null>): Promise<T | null> {
    const { name, shared, ttlMs } = this.options;
    const sharedKey = `${name}:${key}`;
    const stored = shared ? await shared.get(sharedKey) : null;
    let value: T | null;
    if (stored !== null) {
      value = JSON.parse(stored) as T;
      metrics.readCache.inc({ cache: name, result: 'shared' });
    } else {
      value = await load();
      metrics.readCache.inc({ cache: name, result: 'miss' });
      if (value !== null && !flight.stale && shared) await shared.set(sharedKey, JSON.stringify(value), ttlMs);
    }
    if (value !== null && !flight.stale && this.options.live()) this.remember(key, value);
    return value;
  }

  private remember(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: this.clock() + this.options.ttlMs });
    if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The key's rows changed: both levels forget it, and a load already under way is not kept. */
  invalidate(key: string): void {
    this.entries.delete(key);
    const flight = this.flights.get(key);
    if (flight) flight.stale = true;
    // After any set this process issued for the key, on the same connection: a stale value it wrote goes too.
    void this.options.shared?.del(`${this.options.name}:${key}`);
  }

  /** Forgets everything this process holds (a catalogue change: the catalogue has no shared level). */
  clear(): void {
    this.entries.clear();
    for (const flight of this.flights.values()) flight.stale = true;
  }

  /** Changes may have gone unheard: both levels forget everything, the shared one before this resolves. */
  async reset(): Promise<void> {
    this.clear();
    await this.options.shared?.deleteAll(`${this.options.name}:`);
  }

  get size(): number {
    return this.entries.size;
  }
}
