// A Redis connection behind a circuit breaker: while Redis is down (closed, unreachable, or
// not answering) callers fall back at once instead of waiting on it for every command, and a
// probe in the background closes the circuit again as soon as Redis answers. The rate limits
// and the event bus use one each; ioredis is loaded only when REDIS_URL is set.
import type { Redis } from 'ioredis';

export interface RedisBreaker {
  /** The connection, for commands; check `up()` first or use `run`. */
  redis: Redis;
  /** Whether commands go to Redis now (the circuit is closed). */
  up(): boolean;
  /**
   * Runs `command` when the circuit is closed and returns its answer; returns `fallback()`'s
   * when it is open or the command fails (which opens it).
   */
  run<T>(command: (redis: Redis) => Promise<T>, fallback: () => Promise<T> | T): Promise<T>;
  close(): void;
}

export interface BreakerOptions {
  /** What the logs call this connection ("rate limits", "event bus"). */
  name: string;
  log: (message: string) => void;
  /** A command not answered within this many ms counts as a failure (default 500). */
  commandTimeoutMs?: number;
  /** How often an open circuit asks Redis whether it answers again (default 1,000 ms). */
  probeMs?: number;
  /** How long the first connection may take before the breaker starts open (default 1,000 ms). */
  connectMs?: number;
}

/** Resolves once the first connection is ready or closed, or after `connectMs`. */
function firstConnection(redis: Redis, connectMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done).off('close', done);
      resolve();
    };
    const timer = setTimeout(done, connectMs);
    redis.once('ready', done).once('close', done);
  });
}

export async function redisBreaker(redisUrl: string, options: BreakerOptions): Promise<RedisBreaker> {
  const { name, log, commandTimeoutMs = 500, probeMs = 1_000, connectMs = 1_000 } = options;
  const { Redis } = await import('ioredis');
  // No offline queue: while disconnected a command fails at once rather than waiting for a
  // reconnection; ioredis goes on reconnecting by itself.
  const redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: commandTimeoutMs });
  let closed = false;
  /** Open until the first connection; `starting` keeps that first one out of the log. */
  let open = true;
  let starting = true;
  let probe: NodeJS.Timeout | undefined;

  const close = () => {
    if (!open) return;
    open = false;
    clearInterval(probe);
    probe = undefined;
    if (!starting) log(`${name}: Redis answers again; using it`);
  };
  const trip = (reason: string) => {
    if (open || closed) return;
    open = true;
    log(`${name}: Redis is down (${reason}); falling back until it answers`);
    probe ??= setInterval(() => {
      if (redis.status === 'ready') redis.ping().then(close, () => {});
    }, probeMs).unref();
  };
  redis.on('error', () => {}); // the breaker reports; ioredis reconnects
  redis.on('ready', close);
  redis.on('close', () => trip('connection closed'));

  // A start with Redis up uses it from its first request; one whose first connection is refused,
  // or takes longer than connectMs, starts with the circuit open.
  await firstConnection(redis, connectMs);
  starting = false;
  if (open) {
    open = false;
    trip(`no answer within ${connectMs} ms of start`);
  }

  return {
    redis,
    up: () => !open,
    async run(command, fallback) {
      if (open) return fallback();
      try {
        return await command(redis);
      } catch (error) {
        trip((error as Error).message);
        return fallback();
      }
    },
    close() {
      closed = true;
      clearInterval(probe);
      redis.disconnect();
    },
  };
}
