// The GraphQL requests this server is answering: a bound on how many run at once (past it a
// request is refused at once, never queued behind the others), and the drain of a stop, which
// waits for every accepted request to be answered.
import type { ServerResponse } from 'node:http';

export class Requests {
  /** Operations being answered, by their response: they count against the bound. */
  private readonly answering = new Map<ServerResponse, Promise<unknown>>();
  /** Subscriptions (server-sent events): long-lived, so outside the bound; a stop ends them. */
  private readonly streams = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly max: number) {}

  /** Requests counted against the bound now. */
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

  /** Whether one more subscription may start now (they have a bound of their own, as large). */
  admitsStream(): boolean {
    return this.streams.size < this.max;
  }

  /** Answers an operation and keeps track of it until it is answered. */
  operation(res: ServerResponse, answer: () => unknown): void {
    const answered = Promise.resolve()
      .then(answer)
      .catch(() => {})
      .finally(() => this.answering.delete(res));
    this.answering.set(res, answered);
  }

  /** Answers a subscription and keeps track of it until it ends. */
  stream(answer: () => unknown): void {
    const ended: Promise<unknown> = Promise.resolve()
      .then(answer)
      .catch(() => {})
      .finally(() => this.streams.delete(ended));
    this.streams.add(ended);
  }

  /** Waits, at most `timeoutMs`, for the subscriptions to end (after their stream was closed). */
  async streamsEnded(timeoutMs: number): Promise<void> {
    await within(Promise.allSettled(this.streams), timeoutMs);
  }

  /**
   * Stops counting on new requests and waits for those accepted, at most `timeoutMs`: each is
   * answered with `Connection: close`, so its client opens its next connection elsewhere.
   * Resolves to the number still unanswered when the time ran out.
   */
  async drain(timeoutMs: number): Promise<number> {
    this.stopping = true;
    for (const res of this.answering.keys()) if (!res.headersSent) res.setHeader('connection', 'close');
    await within(Promise.allSettled(this.answering.values()), timeoutMs);
    return this.answering.size;
  }
}

async function within(work: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
