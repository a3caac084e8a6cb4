import { useDeferredValue, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { UNREACHABLE, problemOf } from '../errors';
import { formatMoney } from '../money';

const Offers = graphql(`
  query CheckoutOffers($id: ID!, $search: String) {
    selection(id: $id) {
      id
      offers(search: $search, first: 8) {
        unitPrice { amount currency }
        variant { id sku name }
      }
    }
  }
`);

const Add = graphql(`
  mutation CheckoutAddProduct($input: AddSelectionItemInput!) {
    addSelectionItem(input: $input) {
      __typename
      ... on Error { code message }
      ... on AddSelectionItemSuccess { selection { id } }
    }
  }
`);

/** Find a product of the link's pricelist by SKU or name and add it, at the pricelist price. */
export function AddProduct(props: { selectionId: string }) {
  const [search, setSearch] = useState('');
  const deferred = useDeferredValue(search.trim());
  const [{ data }] = useQuery({ query: Offers, variables: { id: props.selectionId, search: deferred }, pause: deferred === '' });
  const [state, add] = useMutation(Add);
  const [problem, setProblem] = useState('');

  const addOne = async (sku: string) => {
    const result = await add({ input: { selectionId: props.selectionId, sku, quantity: 1 } });
    const answer = result.data?.addSelectionItem;
    setProblem(problemOf(Boolean(result.error), answer, UNREACHABLE.shop));
    if (!result.error && answer?.__typename === 'AddSelectionItemSuccess') setSearch('');
  };

  const offers = deferred === '' ? [] : (data?.selection?.offers ?? []);
  return (
    <section className="add-product" aria-label="Product search">
      <label>
        Add a product
        <input type="search" placeholder="Name or SKU" value={search} onChange={(event) => setSearch(event.target.value)} maxLength={100} />
      </label>
      {offers.length > 0 ? (
        <ul className="offers">
          {offers.map((offer) => (
            <li key={offer.variant.id}>
              <span>{offer.variant.name} <span className="sku">{offer.variant.sku}</span></span>
              <span>{formatMoney(offer.unitPrice.amount, offer.unitPrice.currency)}</span>
              <button type="button" disabled={state.fetching} aria-label={`Add ${offer.variant.name}`} onClick={() => void addOne(offer.variant.sku)}>Add</button>
            </li>
          ))}
        </ul>
      ) : deferred !== '' && data ? <p>Nothing found for “{deferred}”.</p> : null}
      {problem ? <p role="alert" className="problem">{problem}</p> : null}
    </section>
  );
}
