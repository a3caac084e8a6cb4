// Subscribing to link events as a dashboard does: graphql-ws or server-sent events.
import { createClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { ADMIN_KEY } from './app.js';

export interface ReceivedEvent {
  sequence: string;
  type: string;
  link: { id: string };
  claim: { id: string } | null;
  order: { id: string } | null;
}

export const LINK_EVENTS = `subscription ($linkId: ID, $types: [LinkEventType!], $after: String) {
  linkEvents(linkId: $linkId, types: $types, after: $after) { sequence type link { id } claim { id } order { id } }
}`;

/** A graphql-ws subscription that collects events; `next(n)` waits for n of them. */
export function subscribeWs(baseUrl: string, variables: Record<string, unknown> = {}) {
  const events: ReceivedEvent[] = [];
  const errors: unknown[] = [];
  let wake: () => void = () => {};
  const client: Client = createClient({
    url: `${baseUrl.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${ADMIN_KEY}` },
    retryAttempts: 0,
  });
  const acknowledged = new Promise<void>((resolve) => client.on('connected', () => resolve()));
  const unsubscribe = client.subscribe<{ linkEvents: ReceivedEvent }>(
    { query: LINK_EVENTS, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) events.push(value.data.linkEvents);
        wake();
      },
      error: (error) => {
        errors.push(error);
        wake();
      },
      complete: () => wake(),
    },
  );
  return {
    events,
    errors,
    acknowledged,
    /** Resolves once `count` events arrived; rejects after `ms` (only for a hang) with what did arrive. */
    async next(count: number, ms = 120_000): Promise<ReceivedEvent[]> {
      const deadline = Date.now() + ms;
      while (events.length < count) {
        if (errors.length > 0) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
        if (Date.now() > deadline) throw new Error(`got ${events.length} of ${count} events: ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return events.slice(0, count);
    },
    async close() {
      unsubscribe();
      await client.dispose();
    },
  };
}
