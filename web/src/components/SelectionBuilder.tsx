import { useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { UNREACHABLE, problemOf } from '../errors';
import { SelectionEditor } from './SelectionEditor';

const Choices = graphql(`
  query AdminSelectionChoices {
    markets(first: 50) { edges { node { code name countries } } }
    pricelists(first: 50) { edges { node { code name currency } } }
  }
`);

const Create = graphql(`
  mutation AdminCreateSelection($input: CreateSelectionInput!) {
    createSelection(input: $input) {
      __typename
      ... on Error { code message }
      ... on ShippingUnavailableError { countryCode }
      ... on CreateSelectionSuccess { selection { id } }
    }
  }
`);

/** The earlier order a new selection asks an additional payment for. */
export interface RelatedOrder {
  id: string;
  number: string;
  countryCode: string;
  customerEmail: string;
}

/**
 * "Create selection": market, pricelist, country and (optionally) the customer; then its editor.
 * For an earlier order (`relatedOrder`) the customer is that order's and the country starts as
 * its country; market and pricelist are chosen as for any selection.
 */
export function SelectionBuilder(props: { customerEmail?: string; relatedOrder?: RelatedOrder }) {
  const [{ data, error }] = useQuery({ query: Choices });
  const [state, create] = useMutation(Create);
  const [market, setMarket] = useState('');
  const [country, setCountry] = useState(props.relatedOrder?.countryCode ?? '');
  const [selectionId, setSelectionId] = useState<string | null>(null);
  const [problem, setProblem] = useState('');

  if (selectionId) return <SelectionEditor selectionId={selectionId} onDone={() => setSelectionId(null)} />;
  const markets = data?.markets.edges.map((edge) => edge.node) ?? [];
  const pricelists = data?.pricelists.edges.map((edge) => edge.node) ?? [];
  const countries = markets.find((candidate) => candidate.code === market)?.countries ?? [];
  const related = props.relatedOrder;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (name: string) => String(form.get(name) ?? '').trim();
    const result = await create({
      input: {
        marketCode: value('market'),
        pricelistCode: value('pricelist'),
        countryCode: value('country'),
        // With an earlier order, the API takes that order's customer.
        customerEmail: related ? null : value('email') || null,
        relatedOrderId: related?.id ?? null,
      },
    });
    const answer = result.data?.createSelection;
    if (answer?.__typename === 'CreateSelectionSuccess') return setSelectionId(answer.selection.id);
    setProblem(problemOf(Boolean(result.error), answer, UNREACHABLE.server));
  };

  return (
    <form className="panel" onSubmit={submit} aria-label="Create selection">
      <h2>Create selection</h2>
      {related ? <p className="related">For order <strong>{related.number}</strong>: an additional payment from {related.customerEmail}.</p> : null}
      {error ? <p role="alert" className="problem">Markets and pricelists cannot be shown: {error.message}</p> : null}
      <label>
        Market
        <select name="market" required value={market} onChange={(event) => setMarket(event.target.value)}>
          <option value="">Choose…</option>
          {markets.map((option) => <option key={option.code} value={option.code}>{option.name} ({option.code})</option>)}
        </select>
      </label>
      <label>
        Pricelist
        <select name="pricelist" required>
          {pricelists.map((option) => <option key={option.code} value={option.code}>{option.name} ({option.currency})</option>)}
        </select>
      </label>
      <label>
        Country
        <select name="country" required value={countries.includes(country) ? country : (countries[0] ?? '')} onChange={(event) => setCountry(event.target.value)}>
          {countries.map((code) => <option key={code} value={code}>{code}</option>)}
        </select>
      </label>
      {related ? null : (
        <label>
          Customer e-mail (optional)
          <input name="email" type="email" defaultValue={props.customerEmail ?? ''} />
        </label>
      )}
      {problem ? <p role="alert" className="problem">{problem}</p> : null}
      <button type="submit" className="primary" disabled={state.fetching}>Create selection</button>
    </form>
  );
}
