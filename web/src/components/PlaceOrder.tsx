import { useRef, useState } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import type { ApiError } from '../errors';
import { sentenceFor } from '../errors';

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
 * "Place order". One idempotency key per attempt: a double click, or a retry after the
 * network failed, sends the same key and so makes at most one order; only an answer from the
 * API ends the attempt, and the next try is a new one.
 */
export function PlaceOrder(props: { selectionId: string; onPlaced: (order: { id: string; number: string }) => void }) {
  const [state, place] = useMutation(Place);
  const attempt = useRef<string | null>(null);
  const [problem, setProblem] = useState('');

  const submit = async () => {
    attempt.current ??= crypto.randomUUID();
    const result = await place({ input: { selectionId: props.selectionId, idempotencyKey: attempt.current } });
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
      setProblem(sentenceFor(answer as ApiError));
    }
  };

  return (
    <section className="place" aria-label="Place order">
      <button type="button" className="primary" onClick={submit} disabled={state.fetching}>
        {state.fetching ? 'Placing order…' : 'Place order'}
      </button>
      {problem ? <p role="alert" className="problem">{problem}</p> : null}
    </section>
  );
}
