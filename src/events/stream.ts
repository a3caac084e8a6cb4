// Live link events for this process's subscribers. Each instance follows the outbox table in
// sequence order: a "committed" message (from this or another instance) or a short
// poll makes it read the rows after the last sequence it delivered. So every subscriber gets
// every committed event once, in sequence order, whether the message came, came twice, or
// never came (Redis down: the poll delivers within a second).
import { Repeater } from 'graphql-yoga';
import { db } from '../db/client.js';
import type { LinkEvent } from '../generated/prisma/client.js';
import type { LinkEventType } from '../generated/prisma/enums.js';
import type { EventBus } from './bus.js';
import type { LinkEventAnnouncer } from './outbox.js';

export interface LinkEventFilter {
  linkId?: string | null;
  types?: LinkEventType[] | null;
  /** Replay stored events after this sequence before the live ones. */
  after?: bigint | null;
}

interface Subscriber {
  filter: LinkEventFilter;
  push(event: LinkEvent): Promise<unknown>;
  stop(): void;
}

const PAGE = 500;

/** The app's link events as its schema uses them: announced by mutations, read by the subscription. */
export interface LinkEvents extends LinkEventAnnouncer {
  subscribe(filter: LinkEventFilter): AsyncIterable<LinkEvent>;
}

/** One per app (buildApp), never per process: two apps in one process follow the outbox apart. */
export class LinkEventStream implements LinkEvents {
  private readonly subscribers = new Set<Subscriber>();
  /** The last sequence delivered; null while nobody listens. */
  private last: bigint | null = null;
  /** Reads and deliveries run one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private readonly poll: NodeJS.Timeout;
  private readonly messages: AsyncIterator<unknown>;
  private closed = false;

  constructor(
    private readonly bus: EventBus,
    private readonly log: (message: string) => void,
    pollMs: number,
  ) {
    const messages = bus.pubsub.subscribe('link:committed');
    this.messages = messages[Symbol.asyncIterator]();
    void this.listen();
    this.poll = setInterval(() => this.wake(), pollMs).unref();
  }

  /** Tells every instance that events were committed (they read the table after their last). Never throws. */
  announce(): void {
    try {
      this.bus.pubsub.publish('link:committed', {});
    } catch (error) {
      this.log(`could not announce link events: ${(error as Error).message}`);
    }
  }

  subscribe(filter: LinkEventFilter): AsyncIterable<LinkEvent> {
    return new Repeater<LinkEvent>(async (push, stop) => {
      const subscriber: Subscriber = { filter, push, stop };
      this.run(async () => {
        if (this.last === null) this.last = await this.maxSequence();
        if (filter.after != null && filter.after < this.last) {
          for await (const event of this.read(filter.after, this.last)) deliver(subscriber, event);
        }
        this.subscribers.add(subscriber);
      });
      await stop;
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) this.last = null;
    });
  }

  /** Committed events this process's subscribers have not been sent yet (0 while nobody listens). */
  async lag(): Promise<number> {
    const delivered = this.last;
    if (delivered === null) return 0;
    // Counted, not subtracted: every event takes two numbers (one when written, one at commit).
    return db().linkEvent.count({ where: { sequence: { gt: delivered } } });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    await this.messages.return?.();
    await this.queue;
  }

  private async listen(): Promise<void> {
    for (;;) {
      const { done } = await this.messages.next();
      if (done || this.closed) return;
      this.wake();
    }
  }

  /** Catch up with the table, after whatever is already queued. */
  private wake(): void {
    if (this.subscribers.size === 0 || this.closed) return;
    this.run(async () => {
      if (this.last === null || this.subscribers.size === 0) return;
      for await (const event of this.read(this.last, null)) {
        for (const subscriber of this.subscribers) deliver(subscriber, event);
        this.last = event.sequence;
      }
    });
  }

  private run(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch((error: Error) => this.log(`link events: ${error.message}`));
  }

  private async *read(after: bigint, upTo: bigint | null): AsyncGenerator<LinkEvent> {
    let from = after;
    for (;;) {
      const page = await db().linkEvent.findMany({
        where: { sequence: { gt: from, ...(upTo !== null && { lte: upTo }) } },
        orderBy: { sequence: 'asc' },
        take: PAGE,
      });
      yield* page;
      if (page.length < PAGE) return;
      from = page[page.length - 1]!.sequence;
    }
  }

  private async maxSequence(): Promise<bigint> {
    const newest = await db().linkEvent.findFirst({ orderBy: { sequence: 'desc' }, select: { sequence: true } });
    return newest?.sequence ?? 0n;
  }
}

/**
 * Queues the event for one subscriber without waiting for it to be sent: a slow socket must
 * not hold up the others. One that falls a thousand events behind is ended; its client
 * resubscribes with `after` and loses nothing.
 */
function deliver(subscriber: Subscriber, event: LinkEvent): void {
  const { linkId, types } = subscriber.filter;
  if (linkId != null && event.linkId !== linkId) return;
  if (types != null && !types.includes(event.type)) return;
  try {
    subscriber.push(event).catch(() => subscriber.stop());
  } catch {
    subscriber.stop();
  }
}
