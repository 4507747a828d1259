import type { Config } from '../config';
import { createDb, type Db } from '../db/client';
import { describeDatabaseUrl } from '../db/errors';
import { ReadRouter } from '../cache/read-replicas';
import { ChangeFeed } from '../cache/change-feed';
import { ReadCache } from '../cache/read-cache';
import { connectRedisStore, type SharedStore } from '../cache/shared-store';
import { listCatalogue, type CatalogueEntry } from '../catalogue/skus';
import type { Logger } from '../logging';
import { loadOrderSnapshot, type OrderSnapshot } from './order-view';

/** Order views a buyer's page polls: each is dropped when its order changes, so this only bounds memory. */
const ORDER_VIEWS = { ttlMs: 60_000, maxEntries: 20_000 };
/** The catalogue changes with every sale; held until then, at most this long. */
const CATALOGUE = { ttlMs: 30_000, maxEntries: 1_000 };
const REPLICA_CHECK_MS = 200;
/** Connections per replica pool: replicas take reads only. */
const REPLICA_POOL_SIZE = 6;

/**
 * Where the API reads what may be served from a cache or a replica: buyers' order views, the
 * catalogue, staff lists and searches. Everything that decides (placing, paying, delivering,
 * staff actions) reads and writes the primary through `db`, never through here.
 */
export interface ReadSide {
  /** An order's buyer view without keys: cache, then a replica holding its last change, then the primary. */
  orderSnapshot(orderNo: string): Promise<OrderSnapshot | null>;
  /** Active SKUs with their stock (or the one named): cache, then a replica, then the primary. */
  catalogue(only?: string): Promise<CatalogueEntry[]>;
  /** A staff list or search, on a replica when one is close enough behind. */
  list<T>(read: (db: Db) => Promise<T>): Promise<T>;
  /** This process changed the order and must not serve what it held before, even before the database says so. */
  forgetOrder(orderNo: string): void;
  close(): Promise<void>;
}

/** Every read on the primary, nothing held: for a process that serves no reads (payment notifications only). */
export function primaryReads(primary: Db): ReadSide {
  return {
    orderSnapshot: (orderNo) => loadOrderSnapshot(primary, orderNo),
    catalogue: (only) => listCatalogue(primary, only),
    list: (read) => read(primary),
    forgetOrder: () => undefined,
    close: async () => undefined,
  };
}

export async function startReadSide(config: Config, primary: Db, logger: Logger): Promise<ReadSide> {
  const feed = new ChangeFeed(config.databaseUrl, logger);
  const replicaDbs = config.replicas.urls.map((url) => ({ name: describeDatabaseUrl(url), db: createDb(url, { max: REPLICA_POOL_SIZE }) }));
  const router = new ReadRouter(primary, replicaDbs, {
    maxLagMs: config.replicas.maxLagMs,
    checkEveryMs: REPLICA_CHECK_MS,
    hearingSince: () => feed.hearingSince,
    logger,
  });
  const shared: SharedStore | undefined =
    config.readCache.enabled && config.readCache.redisUrl
      ? await connectRedisStore(config.readCache.redisUrl, config.readCache.redisKeyPrefix, logger)
      : undefined;
  const live = () => config.readCache.enabled && feed.live;
  const orderViews = new ReadCache<OrderSnapshot>({ name: 'order-view', ...ORDER_VIEWS, live, shared });
  // Per process only: every sale changes it, so a shared copy would be dropped as often as it is read.
  const catalogue = new ReadCache<CatalogueEntry[]>({ name: 'catalogue', ...CATALOGUE, live });
  feed.subscribe(router);
  feed.subscribe({
    orderChanged: (orderNo) => orderViews.invalidate(orderNo),
    catalogueChanged: () => catalogue.clear(),
    reset: async () => {
      catalogue.clear();
      await orderViews.reset();
    },
  });
  try {
    await feed.start();
  } catch (error) {
    await shared?.close();
    throw error;
  }
  await router.start();
  const readCatalogue = (only?: string) => catalogue.get(only ?? '*', () => router.forLists((db) => listCatalogue(db, only))).then((entries) => entries ?? []);
  // Warmed before the first buyer: the shop's front page is the first thing a peak asks for.
  await readCatalogue();
  return {
    orderSnapshot: (orderNo) => orderViews.get(orderNo, () => router.forOrder(orderNo, (db) => loadOrderSnapshot(db, orderNo))),
    catalogue: readCatalogue,
    list: (read) => router.forLists(read),
    forgetOrder: (orderNo) => {
      orderViews.invalidate(orderNo);
      router.orderChanged(orderNo);
    },
    async close() {
      await router.stop();
      await feed.stop();
      await shared?.close();
      await Promise.all(replicaDbs.map((r) => r.db.$disconnect()));
    },
  };
}
