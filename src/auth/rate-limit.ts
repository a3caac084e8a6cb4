// Counting failed attempts (wrong claim hashes) per key in a fixed window: in this process,
// or in Redis so that every instance shares the counts. While Redis is unreachable the
// counts fall back to this process, so a guesser is still slowed down.
import { LRUCache } from 'lru-cache';
import { redisBreaker } from '../redis.js';
import type { BreakerOptions } from '../redis.js';

export interface RateLimiter {
  /** Seconds until the first over-limit key accepts attempts again; 0 when none is over. */
  retryAfter(keys: string[]): Promise<number>;
  /** Counts one failed attempt against every key. */
  fail(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Milliseconds since the epoch: Date.now, or a clock a test sets. */
export type Clock = () => number;

export const WINDOW_SECONDS = 15 * 60;

export interface LimiterOptions {
  /** The window's length, from the first failure of a key (default WINDOW_SECONDS). */
  windowSeconds?: number;
  now?: Clock;
  /** Keys kept in this process at most (default MEMORY_KEYS); past it the oldest is dropped. */
  maxKeys?: number;
}

/** Keys the in-process limiter holds at most: about 10 MB. */
export const MEMORY_KEYS = 100_000;

/**
 * Counts in this process, in an LRU cache (lru-cache) of at most `maxKeys` keys: every call
 * does a bounded amount of work at any size, and past the cap the least recently counted key
 * is dropped first. A key's window ends `windowSeconds` after its first failure (`resetAt`);
 * the cache's TTL frees the entry about then.
 */
export function memoryRateLimiter(
  limit: number,
  { windowSeconds = WINDOW_SECONDS, now = Date.now, maxKeys = MEMORY_KEYS }: LimiterOptions = {},
): RateLimiter {
  const windowMs = windowSeconds * 1000;
  const counts = new LRUCache<string, { count: number; resetAt: number }>({ max: maxKeys, ttl: windowMs, perf: { now } });
  const live = (key: string, at: number) => {
    const entry = counts.get(key);
    if (entry && entry.resetAt <= at) counts.delete(key);
    return entry && entry.resetAt > at ? entry : undefined;
  };
  return {
    async retryAfter(keys) {
      const at = now();
      let wait = 0;
      for (const key of keys) {
        const entry = live(key, at);
        if (entry && entry.count >= limit) wait = Math.max(wait, Math.ceil((entry.resetAt - at) / 1000));
      }
      return wait;
    },
    async fail(keys) {
      const at = now();
      for (const key of keys) {
        const entry = live(key, at);
        if (entry) entry.count++;
        else counts.set(key, { count: 1, resetAt: at + windowMs });
      }
    },
    async close() {},
  };
}

/**
 * Counts in Redis, behind a circuit breaker (src/redis.ts): while Redis is down every call
 * counts in this process at once, without waiting on Redis, and the counts go back to Redis
 * as soon as it answers again. The log says so once each way.
 */
export async function redisRateLimiter(
  redisUrl: string,
  limit: number,
  log: (message: string) => void,
  options: LimiterOptions & Pick<BreakerOptions, 'commandTimeoutMs' | 'probeMs'> = {},
): Promise<RateLimiter & { redisUp(): boolean }> {
  const windowSeconds = options.windowSeconds ?? WINDOW_SECONDS;
  const breaker = await redisBreaker(redisUrl, { ...options, name: 'rate limits', log });
  const fallback = memoryRateLimiter(limit, options);
  const prefix = 'linkcart:ratelimit:';
  return {
    redisUp: breaker.up,
    retryAfter: (keys) =>
      breaker.run(async (redis) => {
        const pipeline = redis.multi();
        for (const key of keys) pipeline.get(prefix + key).ttl(prefix + key);
        const replies = (await pipeline.exec()) ?? [];
        let wait = 0;
        for (let i = 0; i < keys.length; i++) {
          const count = Number(replies[i * 2]?.[1] ?? 0);
          const ttl = Number(replies[i * 2 + 1]?.[1] ?? 0);
          if (count >= limit) wait = Math.max(wait, ttl > 0 ? ttl : windowSeconds);
        }
        return Math.max(wait, await fallback.retryAfter(keys));
      }, () => fallback.retryAfter(keys)),
    fail: (keys) =>
      breaker.run(async (redis) => {
        const pipeline = redis.multi();
        for (const key of keys) pipeline.incr(prefix + key).expire(prefix + key, windowSeconds, 'NX');
        await pipeline.exec();
      }, () => fallback.fail(keys)),
    async close() {
      breaker.close();
    },
  };
}
