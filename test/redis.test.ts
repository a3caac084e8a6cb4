// The Redis circuit breaker (src/redis.ts) on a Redis of this file's own: a Redis that hangs
// or dies opens the circuit, calls then fall back without sending anything to Redis, and a
// probe in the background closes it again once Redis answers.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisBreaker } from '../src/redis.js';
import type { RedisBreaker } from '../src/redis.js';
import { startPrivateRedis } from './helpers/services.js';
import type { PrivateRedis } from './helpers/services.js';

describe.runIf(process.env.REDIS_URL)('redisBreaker', () => {
  let redis: PrivateRedis;
  const opened: RedisBreaker[] = [];
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    for (const breaker of opened) breaker.close();
    await redis.close();
  });

  async function breaker(probeMs: number) {
    const messages: string[] = [];
    // Room for a loaded machine: the first connection may take long, a command up to a second.
    const created = await redisBreaker(redis.url, { name: 'test', log: (message) => messages.push(message), commandTimeoutMs: 1_000, probeMs, connectMs: 60_000 });
    opened.push(created);
    return { breaker: created, messages };
  }

  /** A command that counts how often it was sent to Redis. */
  function counted() {
    const sent = vi.fn((client: RedisBreaker['redis']) => client.incr('linkcart:test:breaker'));
    return sent;
  }

  it('opens on a hung Redis after one command, then falls back without sending anything while open', async () => {
    // The probe runs once an hour: nothing but the breaker's own state decides.
    const { breaker: hung, messages } = await breaker(3_600_000);
    expect(hung.up()).toBe(true);
    const command = counted();
    expect(await hung.run(command, () => -1)).toBeGreaterThan(0);

    redis.pause();
    try {
      expect(await hung.run(command, () => -1)).toBe(-1); // timed out: the circuit opens
      expect(hung.up()).toBe(false);
      expect(messages).toEqual([expect.stringMatching(/^test: Redis is down \(.+\); falling back until it answers$/)]);
      const sentBefore = command.mock.calls.length;
      const answers = await Promise.all(Array.from({ length: 50 }, () => hung.run(command, () => -1)));
      expect(answers).toEqual(Array(50).fill(-1));
      expect(command.mock.calls.length).toBe(sentBefore);
    } finally {
      redis.resume();
    }
    // Redis answers again, but only the probe may close the circuit: still nothing is sent.
    expect(await hung.run(command, () => -1)).toBe(-1);
    expect(messages).toHaveLength(1);
  });

  it('closes again when its background probe gets an answer, and says so once', async () => {
    const { breaker: probing, messages } = await breaker(50);
    const command = counted();
    redis.pause();
    try {
      expect(await probing.run(command, () => -1)).toBe(-1);
      expect(probing.up()).toBe(false);
    } finally {
      redis.resume();
    }
    await vi.waitFor(() => expect(probing.up()).toBe(true), { timeout: 60_000, interval: 20 });
    expect(await probing.run(command, () => -1)).toBeGreaterThan(0);
    expect(messages).toEqual([expect.stringMatching(/Redis is down/), 'test: Redis answers again; using it']);
  });

  it('opens when the connection closes (Redis killed), before any command fails, and closes when it is back', async () => {
    const { breaker: watching, messages } = await breaker(3_600_000);
    const command = counted();
    await redis.kill();
    try {
      await vi.waitFor(() => expect(watching.up()).toBe(false), { timeout: 60_000, interval: 20 });
      expect(await watching.run(command, () => -1)).toBe(-1);
      expect(command).not.toHaveBeenCalled();
      expect(messages).toEqual([expect.stringMatching(/^test: Redis is down \(connection closed\)/)]);
    } finally {
      await redis.start();
    }
    // ioredis reconnects by itself; its 'ready' closes the circuit without waiting for a probe.
    await vi.waitFor(() => expect(watching.up()).toBe(true), { timeout: 60_000, interval: 20 });
    expect(await watching.run(command, () => -1)).toBeGreaterThan(0);
  });
});
