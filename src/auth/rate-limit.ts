// Counting failed attempts (wrong claim hashes) per key in a fixed window: in this process,
// or in Redis so that every instance shares the counts. While Redis is unreachable the
// counts fall back to this process, so a guesser is still slowed down.
import { Redis } from 'ioredis';

export interface RateLimiter {
  /** Seconds until the first over-limit key accepts attempts again; 0 when none is over. */
  retryAfter(keys: string[]): Promise<number>;
  /** Counts one failed attempt against every key. */
  fail(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

export const WINDOW_SECONDS = 15 * 60;

export function memoryRateLimiter(limit: number, windowSeconds = WINDOW_SECONDS): RateLimiter {
  const counts = new Map<string, { count: number; resetAt: number }>();
  const live = (key: string, now: number) => {
    const entry = counts.get(key);
    if (entry && entry.resetAt <= now) counts.delete(key);
    return counts.get(key);
  };
  return {
    async retryAfter(keys) {
      const now = Date.now();
      let wait = 0;
      for (const key of keys) {
        const entry = live(key, now);
        if (entry && entry.count >= limit) wait = Math.max(wait, Math.ceil((entry.resetAt - now) / 1000));
      }
      return wait;
    },
    async fail(keys) {
      const now = Date.now();
      if (counts.size > 100_000) for (const key of counts.keys()) live(key, now);
      for (const key of keys) {
        const entry = live(key, now) ?? { count: 0, resetAt: now + windowSeconds * 1000 };
        entry.count++;
        counts.set(key, entry);
      }
    },
    async close() {},
  };
}

export function redisRateLimiter(redisUrl: string, limit: number, log: (message: string) => void, windowSeconds = WINDOW_SECONDS): RateLimiter {
  // Commands wait for the connection (a fresh instance counts in Redis from its first call),
  // but never long: after a second, or one failed reconnection, they fall back to memory.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 1_000 });
  redis.on('error', () => {}); // reported by the calls that fail
  const fallback = memoryRateLimiter(limit, windowSeconds);
  const prefix = 'linkcart:ratelimit:';
  const onRedisError = (error: Error) => log(`rate limits fall back to this process: ${error.message}`);
  return {
    async retryAfter(keys) {
      try {
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
      } catch (error) {
        onRedisError(error as Error);
        return fallback.retryAfter(keys);
      }
    },
    async fail(keys) {
      try {
        const pipeline = redis.multi();
        for (const key of keys) pipeline.incr(prefix + key).expire(prefix + key, windowSeconds, 'NX');
        await pipeline.exec();
      } catch (error) {
        onRedisError(error as Error);
        await fallback.fail(keys);
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
