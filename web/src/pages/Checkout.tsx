// A link's checkout, at the link's own address /selection/<hash1>/<hash2>: claims the link
// (the same claim again on a reload or in a second tab: the session token is kept per hash1),
// then shows the copy, the buyer's details and "Place order".
import { useEffect, useMemo, useRef, useState } from 'react';
import { Provider, useQuery } from 'urql';
import { storefrontClient } from '../client';
import { AddProduct } from '../components/AddProduct';
import { CountrySelect } from '../components/CountrySelect';
import { CustomerForm } from '../components/CustomerForm';
import { OrderConfirmation } from '../components/OrderConfirmation';
import { PlaceOrder } from '../components/PlaceOrder';
import { SelectionLines } from '../components/SelectionLines';
import { Totals } from '../components/Totals';
import type { ApiError } from '../errors';
import { sentenceFor } from '../errors';
import { graphql } from '../gql';

const Claim = graphql(`
  mutation CheckoutClaim($input: ClaimSelectionInput!) {
    claimSelection(input: $input) {
      __typename
      ... on Error { code message }
      ... on RateLimitedError { retryAfterSeconds }
      ... on ClaimSelectionSuccess { sessionToken selection { id } }
    }
  }
`);

const ClaimedSelection = graphql(`
  query CheckoutSelection($id: ID!) {
    selection(id: $id) {
      id
      capabilities { canAddItems }
      ...SelectionLines_selection
      ...CustomerForm_selection
      ...CountrySelect_selection
      ...PlaceOrder_selection
      totals { ...Totals_totals }
    }
  }
`);

/** What this browser keeps of a link: its session token and, once placed, the order. */
interface Kept {
  token: string;
  orderId?: string;
}
const storageKey = (hash1: string) => `linkcart:link:${hash1}`;
function kept(hash1: string): Kept | null {
  try {
    return JSON.parse(localStorage.getItem(storageKey(hash1)) ?? 'null') as Kept | null;
  } catch {
    return null;
  }
}
const keep = (hash1: string, value: Kept) => localStorage.setItem(storageKey(hash1), JSON.stringify(value));

type Claimed = { kind: 'claiming' } | { kind: 'refused'; sentence: string } | { kind: 'claimed'; selectionId: string };

export function Checkout(props: { hash1: string; hash2: string }) {
  // Read from localStorage once, not on every render.
  const [stored] = useState(() => kept(props.hash1));
  const token = useRef<string | null>(stored?.token ?? null);
  const client = useMemo(() => storefrontClient(() => token.current), []);
  const [claimed, setClaimed] = useState<Claimed>({ kind: 'claiming' });
  const [orderId, setOrderId] = useState<string | null>(stored?.orderId ?? null);

  // One claim per page load: React may run an effect twice (StrictMode), a claim must not.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void client.mutation(Claim, { input: { hash1: props.hash1, hash2: props.hash2 } }).toPromise().then((result) => {
      const answer = result.data?.claimSelection;
      if (!answer) return setClaimed({ kind: 'refused', sentence: 'The shop could not be reached. Reload the page to try again.' });
      if (answer.__typename === 'ClaimSelectionSuccess') {
        token.current = answer.sessionToken;
        keep(props.hash1, { ...kept(props.hash1), token: answer.sessionToken });
        return setClaimed({ kind: 'claimed', selectionId: answer.selection.id });
      }
      setClaimed({ kind: 'refused', sentence: sentenceFor(answer as ApiError) });
    });
  }, [client, props.hash1, props.hash2]);

  const placed = (order: { id: string }) => {
    keep(props.hash1, { token: token.current!, orderId: order.id });
    setOrderId(order.id);
  };

  return (
    <Provider value={client}>
      <main className="page checkout">
        <h1>Your order</h1>
        {claimed.kind === 'claiming' ? <p>Opening your order…</p> : null}
        {claimed.kind === 'refused' ? <p role="alert" className="problem">{claimed.sentence}</p> : null}
        {claimed.kind === 'claimed' ? <ClaimedCheckout selectionId={claimed.selectionId} orderId={orderId} onPlaced={placed} /> : null}
      </main>
    </Provider>
  );
}

function ClaimedCheckout(props: { selectionId: string; orderId: string | null; onPlaced: (order: { id: string }) => void }) {
  const [{ data, error }] = useQuery({ query: ClaimedSelection, variables: { id: props.selectionId } });
  if (error) return <p role="alert" className="problem">Your order cannot be shown right now. Reload the page.</p>;
  const selection = data?.selection;
  if (!selection) return <p>Loading…</p>;
  if (props.orderId) return <OrderConfirmation orderId={props.orderId} />;
  return (
    <>
      <SelectionLines selection={selection} />
      {selection.capabilities.canAddItems ? <AddProduct selectionId={selection.id} /> : null}
      <CountrySelect selection={selection} />
      <Totals totals={selection.totals} />
      <CustomerForm selection={selection} />
      <PlaceOrder selection={selection} onPlaced={props.onPlaced} />
    </>
  );
}
