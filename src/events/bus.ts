// Pub/sub between instances: "link events were committed". In-process without REDIS_URL;
// Redis pub/sub (@graphql-yoga/redis-event-target) with it. No event travels: every instance
// reads the rows themselves from the outbox table, so a lost or duplicated message can delay
// an event, never lose or reorder it.
import { createPubSub } from 'graphql-yoga';
import type { PubSub } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import { redisBreaker } from '../redis.js';

export type Events = {
  /** Link events were committed: each instance reads the outbox after the last one it delivered. */
  'link:committed': [Record<string, never>];
};

export interface EventBus {
  pubsub: PubSub<Events>;
  kind: 'in-process' | 'redis';
  /** Whether announcements go through Redis now; null without Redis. */
  redisUp(): boolean | null;
  close(): Promise<void>;
}

export async function createEventBus(redisUrl: string | undefined, log: (message: string) => void): Promise<EventBus> {
  if (!redisUrl) return { pubsub: createPubSub<Events>(), kind: 'in-process', redisUp: () => null, close: async () => {} };
  // Loaded only with REDIS_URL: a start without it does not spend time loading the Redis client.
  const [{ Redis }, { createRedisEventTarget }] = await Promise.all([import('ioredis'), import('@graphql-yoga/redis-event-target')]);

  // A mutation never waits for an announcement (publish is not awaited). While Redis is down
  // the breaker drops announcements at once, and the subscribers' poll delivers their events.
  const breaker = await redisBreaker(redisUrl, { name: 'event bus', log });
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let lastError = '';
  const onError = (error: Error) => {
    if (error.message !== lastError) log(`redis: ${error.message}`);
    lastError = error.message;
  };
  subscriber.on('error', onError);
  subscriber.on('ready', () => (lastError = ''));

  // The event target leaves the promises of publish and subscribe unhandled; a rejection
  // (Redis down) would end the process, so these wrappers catch and log.
  const publishClient = {
    publish: (channel: string, message: string) => breaker.run((redis) => redis.publish(channel, message), () => 0),
  } as unknown as Redis;
  const subscribeClient = {
    on: (event: 'message', listener: (channel: string, message: string) => void) => subscriber.on(event, listener),
    subscribe: (channel: string) => subscriber.subscribe(channel).catch((error: Error) => onError(error)),
    unsubscribe: (channel: string) => subscriber.unsubscribe(channel).catch((error: Error) => onError(error)),
  } as unknown as Redis;

  return {
    pubsub: createPubSub<Events>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) }),
    kind: 'redis',
    redisUp: breaker.up,
    async close() {
      breaker.close();
      subscriber.disconnect();
    },
  };
}
