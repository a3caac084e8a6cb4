import { useEffect, useRef, useState } from 'react';
import type { Client as SocketClient } from 'graphql-ws';
import { print } from 'graphql';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { LinkTimeline } from './LinkTimeline';
import type { AdminLinkEventsSubscription, ShareableLinkStatus } from '../gql/graphql';

const Links = graphql(`
  query AdminLinks($status: ShareableLinkStatus) {
    shareableLinks(first: 50, status: $status) {
      edges {
        node { id hash1 status claimCount createdAt expiresAt consumedAt order { number } }
      }
    }
  }
`);

const LinkEvents = graphql(`
  subscription AdminLinkEvents($after: String) {
    linkEvents(after: $after) {
      sequence
      type
      occurredAt
      link { id hash1 }
      order { number }
    }
  }
`);

type LinkEvent = AdminLinkEventsSubscription['linkEvents'];
const STATUSES: ShareableLinkStatus[] = ['ACTIVE', 'CONSUMED', 'REVOKED', 'EXPIRED'];

/**
 * Every link event, each once and in order: the stored ones first (from sequence 0), then live;
 * after a dropped socket is back, the subscription starts again after the last sequence seen,
 * and the API replays what was missed.
 */
function useLinkEvents(sockets: SocketClient, onEvent: (event: LinkEvent) => void) {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    let last = 0n;
    let unsubscribe = () => {};
    const subscribe = () => {
      unsubscribe = sockets.subscribe<AdminLinkEventsSubscription>(
        { query: print(LinkEvents), variables: { after: String(last) } },
        {
          next: ({ data }) => {
            if (!data || BigInt(data.linkEvents.sequence) <= last) return;
            last = BigInt(data.linkEvents.sequence);
            handler.current(data.linkEvents);
          },
          error: () => {},
          complete: () => {},
        },
      );
    };
    subscribe();
    const off = sockets.on('connected', (_socket, _payload, wasRetry) => {
      if (!wasRetry) return;
      unsubscribe();
      subscribe();
    });
    return () => {
      off();
      unsubscribe();
    };
  }, [sockets]);
}

/** The links, newest first, filtered by status, updated live from linkEvents; and the event feed. */
export function LinksTable(props: { sockets: SocketClient }) {
  const [status, setStatus] = useState<ShareableLinkStatus | ''>('');
  const [{ data, error }, refetch] = useQuery({ query: Links, variables: { status: status || null }, requestPolicy: 'cache-and-network' });
  const [events, setEvents] = useState<LinkEvent[]>([]);
  const [highlighted, setHighlighted] = useState<Set<string>>(new Set());
  // The table is read again once a burst of events (a replay after a reconnect) is over.
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (pending.current) clearTimeout(pending.current);
  }, []);

  const openedAt = useRef(Date.now());
  const [timeline, setTimeline] = useState<{ id: string; hash1: string } | null>(null);
  const [version, setVersion] = useState(0);

  useLinkEvents(props.sockets, (event) => {
    setEvents((current) => [event, ...current].slice(0, 50));
    setVersion((current) => current + 1);
    // Highlighted: what happens while the page is open, not the history replayed on opening.
    if (Date.parse(event.occurredAt) >= openedAt.current - 5_000) {
      setHighlighted((current) => new Set(current).add(event.link.id));
      setTimeout(() => setHighlighted((current) => {
        const next = new Set(current);
        next.delete(event.link.id);
        return next;
      }), 3000);
    }
    if (pending.current) clearTimeout(pending.current);
    pending.current = setTimeout(() => refetch({ requestPolicy: 'network-only' }), 150);
  });

  const links = data?.shareableLinks.edges.map((edge) => edge.node) ?? [];
  return (
    <>
      <section aria-label="Links">
        <h2>Links</h2>
        <label className="filter">
          Status
          <select value={status} onChange={(event) => setStatus(event.target.value as ShareableLinkStatus | '')}>
            <option value="">All</option>
            {STATUSES.map((value) => <option key={value} value={value}>{value}</option>)}
          </select>
        </label>
        {error ? <p role="alert" className="problem">The links cannot be shown: {error.message}</p> : null}
        <table className="links" aria-label="Links table">
          <thead>
            <tr>
              <th scope="col">Link</th>
              <th scope="col">Status</th>
              <th scope="col">Claims</th>
              <th scope="col">Order</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {links.map((link) => (
              <tr key={link.id} className={highlighted.has(link.id) ? 'changed' : undefined} aria-label={`Link ${link.hash1}`}>
                <td>
                  <button type="button" className="link-button" aria-label={`Timeline of ${link.hash1}`} onClick={() => setTimeline({ id: link.id, hash1: link.hash1 })}>
                    <code>{link.hash1}</code>
                  </button>
                </td>
                <td>{link.status}</td>
                <td>{link.claimCount}</td>
                <td>{link.order?.number ?? '—'}</td>
                <td>{new Date(link.createdAt).toLocaleString()}</td>
                <td>{link.expiresAt ? new Date(link.expiresAt).toLocaleString() : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {links.length === 0 && data ? <p>No links yet: build a selection and issue one.</p> : null}
        {timeline ? <LinkTimeline linkId={timeline.id} hash1={timeline.hash1} version={version} /> : null}
      </section>
      <section aria-label="Events">
        <h2>Events</h2>
        <ol className="events" aria-label="Event feed">
          {events.map((event) => (
            <li key={event.sequence}>
              <span className="event-type">{event.type}</span> <code>{event.link.hash1}</code>
              {event.order ? ` · order ${event.order.number}` : ''} · {new Date(event.occurredAt).toLocaleTimeString()}
            </li>
          ))}
        </ol>
        {events.length === 0 ? <p>Events appear here as links are issued, claimed and bought.</p> : null}
      </section>
    </>
  );
}
