import { useRef, useState } from 'react';
import { useMutation } from 'urql';
import { graphql, useFragment } from '../gql';
import type { FragmentType } from '../gql';
import type { ApiError } from '../errors';
import { blockerSentence, placeOrderSentence } from '../errors';

export const PlaceOrderFragment = graphql(`
  fragment PlaceOrder_selection on Selection {
    id
    capabilities { canPlaceOrder canChangeCountry }
    placeOrderBlockers
  }
`);

const Place = graphql(`
  mutation CheckoutPlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      __typename
      ... on Error { code message }
      ... on OutOfStockError { shortages { sku requested available } }
      ... on ShippingUnavailableError { countryCode }
      ... on PlaceOrderSuccess { order { id number } }
    }
  }
`);

/**
 * "Place order", pressable when the API says the order can be placed (`canPlaceOrder`); when it
 * cannot, a sentence per blocker says why. One idempotency key per attempt: a double click, or
 * a retry after the network failed, sends the same key and so makes at most one order; only an
 * answer from the API ends the attempt, and the next try is a new one.
 */
export function PlaceOrder(props: { selection: FragmentType<typeof PlaceOrderFragment>; onPlaced: (order: { id: string; number: string }) => void }) {
  const selection = useFragment(PlaceOrderFragment, props.selection);
  const [state, place] = useMutation(Place);
  const attempt = useRef<string | null>(null);
  const [problem, setProblem] = useState('');

  const submit = async () => {
    attempt.current ??= crypto.randomUUID();
    // A refusal (a pay-once link paid by someone else meanwhile) changes the selection's
    // blockers: its queries are read again.
    const result = await place({ input: { selectionId: selection.id, idempotencyKey: attempt.current } }, { additionalTypenames: ['Selection'] });
    const answer = result.data?.placeOrder;
    if (result.error || !answer) {
      setProblem('The shop could not be reached. Your order was not confirmed: press the button again, it will not be placed twice.');
      return;
    }
    attempt.current = null;
    if (answer.__typename === 'PlaceOrderSuccess') {
      setProblem('');
      props.onPlaced(answer.order);
    } else if ('code' in answer) {
      setProblem(placeOrderSentence(answer as ApiError));
    }
  };

  const blockers = selection.placeOrderBlockers.map((blocker) => blockerSentence(blocker, selection.capabilities));
  return (
    <section className="place" aria-label="Place order">
      <button type="button" className="primary" onClick={submit} disabled={state.fetching || !selection.capabilities.canPlaceOrder}>
        {state.fetching ? 'Placing order…' : 'Place order'}
      </button>
      {blockers.length > 0 ? (
        <ul className="blockers" aria-label="Before you can order">
          {blockers.map((sentence) => <li key={sentence}>{sentence}</li>)}
        </ul>
      ) : null}
      {problem && !blockers.includes(problem) ? <p role="alert" className="problem">{problem}</p> : null}
    </section>
  );
}
