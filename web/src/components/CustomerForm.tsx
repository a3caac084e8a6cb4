import { useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql, useFragment } from '../gql';
import type { FragmentType } from '../gql';
import { UNREACHABLE, problemOf } from '../errors';

export const CustomerFormFragment = graphql(`
  fragment CustomerForm_selection on Selection {
    id
    placeOrderBlockers
    customer { email firstName lastName }
  }
`);

const SetCustomer = graphql(`
  mutation CheckoutSetCustomer($input: SetCustomerInput!) {
    setCustomer(input: $input) {
      __typename
      ... on Error { code message }
      ... on SetCustomerSuccess { selection { id customer { email firstName lastName } } }
    }
  }
`);

/** The buyer's e-mail and names (setCustomer), saved before the order can be placed. */
export function CustomerForm(props: { selection: FragmentType<typeof CustomerFormFragment> }) {
  const selection = useFragment(CustomerFormFragment, props.selection);
  const [state, setCustomer] = useMutation(SetCustomer);
  const [problem, setProblem] = useState('');
  const saved = selection.customer;
  // The details change while the selection is open: until it is ordered (or deleted).
  const closed = selection.placeOrderBlockers.includes('SELECTION_CLOSED');

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim() || null;
    const result = await setCustomer({ input: { selectionId: selection.id, email: text('email') ?? '', firstName: text('firstName'), lastName: text('lastName') } });
    setProblem(problemOf(Boolean(result.error), result.data?.setCustomer, UNREACHABLE.shop));
  };

  return (
    <form className="customer" onSubmit={submit} aria-label="Your details">
      <h2>Your details</h2>
      <label>
        E-mail
        <input name="email" type="email" required autoComplete="email" defaultValue={saved?.email ?? ''} disabled={closed} />
      </label>
      <label>
        First name
        <input name="firstName" autoComplete="given-name" defaultValue={saved?.firstName ?? ''} disabled={closed} />
      </label>
      <label>
        Last name
        <input name="lastName" autoComplete="family-name" defaultValue={saved?.lastName ?? ''} disabled={closed} />
      </label>
      {problem ? <p role="alert" className="problem">{problem}</p> : null}
      {!closed ? <button type="submit" disabled={state.fetching}>Save details</button> : null}
      {saved ? <p className="saved">Saved: {saved.email}</p> : null}
    </form>
  );
}
