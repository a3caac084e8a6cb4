import { useEffect } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';

const Timeline = graphql(`
  query AdminLinkTimeline($id: ID!) {
    linkEvents(linkId: $id, first: 200) { sequence type occurredAt order { number } }
  }
`);

const WORDS: Record<string, string> = {
  ISSUED: 'Issued',
  CLAIMED: 'Claimed',
  CONSUMED: 'Consumed by the first purchase',
  ORDER_PLACED: 'Order placed',
  REVOKED: 'Revoked',
};

/** One link's story, oldest first: issued → claimed ×N → consumed → orders. Read again when `version` changes. */
export function LinkTimeline(props: { linkId: string; hash1: string; version: number }) {
  const [{ data }, refetch] = useQuery({ query: Timeline, variables: { id: props.linkId } });
  useEffect(() => {
    if (props.version > 0) refetch({ requestPolicy: 'network-only' });
  }, [props.version, refetch]);
  return (
    <section className="panel" aria-label={`Timeline of ${props.hash1}`}>
      <h3>Timeline of <code>{props.hash1}</code></h3>
      <ol className="timeline">
        {(data?.linkEvents ?? []).map((event) => (
          <li key={event.sequence}>
            {WORDS[event.type] ?? event.type}{event.order ? ` (order ${event.order.number})` : ''} · {new Date(event.occurredAt).toLocaleString()}
          </li>
        ))}
      </ol>
    </section>
  );
}
