import { Redis } from 'ioredis';
import { DependencyError } from '../db/errors';
import type { Logger } from '../logging';
import { errorMessage, firstLine } from '../error-text';

/** The cache level processes share. Never throws: a read it cannot do is a miss, a write it cannot do is skipped. */
export interface SharedStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Deletes every key starting with `start`; unlike the others, fails when it cannot (what it held may be stale). */
  deleteAll(start: string): Promise<void>;
  close(): Promise<void>;
}

/** A Redis call slower than this is a miss: the database answers a cached read in about a millisecond. */
const COMMAND_TIMEOUT_MS = 250;
const WARN_EVERY_MS = 30_000;

/** host:port of a Redis URL without its password, for messages. */
export function describeRedisUrl(redisUrl: string): string {
  const url = new URL(redisUrl);
  return `${url.hostname}:${url.port || 6379}`;
}

/**
 * Redis as the shared level, keys under `<prefix>:`. Start-up fails with what to do when it cannot
 * reach the server; later outages only cost hits (reads fall through to Postgres).
 */
export async function connectRedisStore(redisUrl: string, prefix: string, logger: Logger): Promise<SharedStore> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    keyPrefix: `${prefix}:`,
    // Fail at once while disconnected instead of queueing reads behind a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 3_000,
  });
  let lastWarn = 0;
  const warn = (error: unknown) => {
    if (Date.now() - lastWarn < WARN_EVERY_MS) return;
    lastWarn = Date.now();
    logger.warn({ err: firstLine(errorMessage(error), 300) }, 'shared cache (Redis) unavailable; reading from Postgres');
  };
  redis.on('error', warn);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new DependencyError('Redis', describeRedisUrl(redisUrl), 'Start Redis, or unset REDIS_URL to run with per-process caches only.', error);
  }
  return {
    get: (key) =>
      redis.get(key).catch((error: unknown) => {
        warn(error);
        return null;
      }),
    set: (key, value, ttlMs) =>
      redis.set(key, value, 'PX', ttlMs).then(
        () => undefined,
        (error: unknown) => warn(error),
      ),
    del: (key) =>
      redis.del(key).then(
        () => undefined,
        (error: unknown) => warn(error),
      ),
    async deleteAll(start) {
      // SCAN sees whole key names; the commands below add the prefix themselves.
      const keyPrefix = `${prefix}:`;
      for await (const keys of redis.scanStream({ match: `${keyPrefix}${start}*`, count: 1000 }) as AsyncIterable<string[]>) {
        if (keys.length > 0) await redis.unlink(...keys.map((k) => k.slice(keyPrefix.length)));
      }
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
