import { useRef, useState } from 'react';
import { useMutation } from 'urql';
import { graphql, useFragment } from '../gql';
import type { FragmentType } from '../gql';
import type { ApiError } from '../errors';
import { blockerOf, blockerSentence, placeOrderSentence } from '../errors';
import type { PlaceOrderBlocker } from '../gql/graphql';

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
  /** The last attempt's problem, and the blocker it is (a refusal that the blockers now also show), if any. */
  const [problem, setProblem] = useState<{ sentence: string; blocker: PlaceOrderBlocker | null } | null>(null);

  const submit = async () => {
    attempt.current ??= crypto.randomUUID();
    // A refusal (a pay-once link paid by someone else meanwhile) changes the selection's
    // blockers: its queries are read again.
    const result = await place({ input: { selectionId: selection.id, idempotencyKey: attempt.current } }, { additionalTypenames: ['Selection'] });
    const answer = result.data?.placeOrder;
    if (result.error || !answer) {
      setProblem({ sentence: 'The shop could not be reached. Your order was not confirmed: press the button again, it will not be placed twice.', blocker: null });
      return;
    }
    attempt.current = null;
    if (answer.__typename === 'PlaceOrderSuccess') {
      setProblem(null);
      props.onPlaced(answer.order);
    } else if ('code' in answer) {
      const refusal = answer as ApiError;
      setProblem({ sentence: placeOrderSentence(refusal), blocker: blockerOf(refusal.code) });
    }
  };

  const blockers = selection.placeOrderBlockers;
  // A refusal that is one of the blockers (a pay-once link paid meanwhile) is said once, as the blocker.
  const repeated = problem?.blocker != null && blockers.includes(problem.blocker);
  return (
    <section className="place" aria-label="Place order">
      <button type="button" className="primary" onClick={submit} disabled={state.fetching || !selection.capabilities.canPlaceOrder}>
        {state.fetching ? 'Placing order…' : 'Place order'}
      </button>
      {blockers.length > 0 ? (
        <ul className="blockers" aria-label="Before you can order">
          {blockers.map((blocker) => <li key={blocker}>{blockerSentence(blocker, selection.capabilities)}</li>)}
        </ul>
      ) : null}
      {problem && !repeated ? <p role="alert" className="problem">{problem.sentence}</p> : null}
    </section>
  );
}
