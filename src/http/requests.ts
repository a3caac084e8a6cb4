// The GraphQL requests this server is answering: a bound on how many run at once (past it a
// request is refused at once, never queued behind the others), and the drain of a stop, which
// waits for every accepted request to be answered. A request that turns out to be a
// subscription (server-sent events) leaves the bound for one of its own: it lasts as long as
// its client listens, and a stop ends it rather than waiting for it.
import type { ServerResponse } from 'node:http';

export class Requests {
  /** Operations being answered, by their response: they count against the bound. */
  private readonly answering = new Map<ServerResponse, Promise<unknown>>();
  /** Subscriptions being streamed, by their response. */
  private readonly streams = new Map<ServerResponse, Promise<unknown>>();
  private stopping = false;

  constructor(private readonly max: number) {}

  /** Operations counted against the bound now. */
  get inFlight(): number {
    return this.answering.size;
  }

  get draining(): boolean {
    return this.stopping;
  }

  /** Whether one more request may start now. */
  admits(): boolean {
    return this.answering.size < this.max;
  }

  /** Answers a request and keeps track of it until it is answered. */
  track(res: ServerResponse, answer: () => unknown): void {
    const answered = Promise.resolve()
      .then(answer)
      .catch(() => {})
      .finally(() => {
        this.answering.delete(res);
        this.streams.delete(res);
      });
    this.answering.set(res, answered);
  }

  /**
   * Moves a request that turned out to be a subscription out of the bound, into the streams'
   * own bound (as large); false when that one is full.
   */
  becameStream(res: ServerResponse): boolean {
    const answered = this.answering.get(res);
    if (!answered) return true; // not an HTTP request of ours (yoga.fetch in tests)
    if (this.streams.size >= this.max) return false;
    this.answering.delete(res);
    this.streams.set(res, answered);
    return true;
  }

  /** Waits, at most `timeoutMs`, for the subscriptions to end (after their stream was closed). */
  async streamsEnded(timeoutMs: number): Promise<void> {
    await resultWithin(Promise.allSettled(this.streams.values()), timeoutMs, undefined);
  }

  /**
   * Stops counting on new requests and waits for those accepted, at most `timeoutMs`: each is
   * answered with `Connection: close`, so its client opens its next connection elsewhere.
   * Resolves to the number still unanswered when the time ran out.
   */
  async drain(timeoutMs: number): Promise<number> {
    this.stopping = true;
    for (const res of this.answering.keys()) if (!res.headersSent) res.setHeader('connection', 'close');
    await resultWithin(Promise.allSettled(this.answering.values()), timeoutMs, undefined);
    return this.answering.size;
  }
}

/** What `work` resolves to, or `late` when it takes longer than `ms`. */
export async function resultWithin<T>(work: Promise<T>, ms: number, late: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(late), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
