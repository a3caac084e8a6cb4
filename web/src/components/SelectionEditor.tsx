import { useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { UNREACHABLE, problemOf } from '../errors';
import { lineNote } from '../lines';
import { decimalInput, formatMoney } from '../money';
import { CustomLineForm } from './CustomLineForm';
import { LinkDialog } from './LinkDialog';
import type { Issued } from './LinkDialog';
import { Totals } from './Totals';

const Editing = graphql(`
  query AdminEditSelection($id: ID!, $search: String, $searching: Boolean!) {
    selection(id: $id) {
      id
      currency
      status
      customer { email }
      relatedOrder { id number }
      items {
        id kind sku name quantity priceLocked taxable
        unitPrice { amount currency }
        lineTotal { amount currency }
        capabilities { canIncrease canDecrease canRemove }
      }
      totals { ...Totals_totals }
      offers(search: $search, first: 8) @include(if: $searching) { unitPrice { amount currency } variant { id sku name } }
    }
  }
`);

const Add = graphql(`
  mutation AdminAddItem($input: AddSelectionItemInput!) {
    addSelectionItem(input: $input) { __typename ... on Error { code message } ... on AddSelectionItemSuccess { selection { id } } }
  }
`);

const Update = graphql(`
  mutation AdminUpdateItem($input: UpdateSelectionItemInput!) {
    updateSelectionItem(input: $input) { __typename ... on Error { code message } ... on UpdateSelectionItemSuccess { selection { id } } }
  }
`);

const Remove = graphql(`
  mutation AdminRemoveItem($input: RemoveSelectionItemInput!) {
    removeSelectionItem(input: $input) { __typename ... on Error { code message } ... on RemoveSelectionItemSuccess { selection { id } } }
  }
`);

/**
 * A selection being built: add variants by search (optionally at a custom price) or custom
 * lines, change quantities as each line's capabilities allow, remove; totals; then "Link". A
 * selection for an earlier order says which.
 */
export function SelectionEditor(props: { selectionId: string; onDone: () => void }) {
  const [search, setSearch] = useState('');
  const [{ data }] = useQuery({ query: Editing, variables: { id: props.selectionId, search: search.trim(), searching: search.trim() !== '' } });
  const [, add] = useMutation(Add);
  const [, update] = useMutation(Update);
  const [, remove] = useMutation(Remove);
  const [problem, setProblem] = useState('');
  const [linking, setLinking] = useState(false);
  const [issued, setIssued] = useState<Issued | null>(null);
  const selection = data?.selection;
  if (!selection) return <p>Loading the selection…</p>;

  const addOffer = async (event: FormEvent<HTMLFormElement>, sku: string) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const price = String(form.get('price') ?? '').trim();
    const unitPrice = price ? decimalInput(price) : null;
    if (price && unitPrice === null) return setProblem(`Enter the special price in ${selection.currency}, such as 149.00.`);
    const quantity = Number(form.get('quantity') ?? 1);
    const result = await add({ input: { selectionId: selection.id, sku, quantity, unitPrice } });
    setProblem(problemOf(Boolean(result.error), result.data?.addSelectionItem, UNREACHABLE.server));
    if (result.data?.addSelectionItem.__typename === 'AddSelectionItemSuccess') setSearch('');
  };

  return (
    <section className="panel" aria-label="Selection">
      <h2>Selection</h2>
      {selection.relatedOrder ? (
        <p className="related">
          For order <strong>{selection.relatedOrder.number}</strong>: an additional payment{selection.customer ? ` from ${selection.customer.email}` : ''}.
        </p>
      ) : null}
      <table className="lines" aria-label="Lines">
        <thead>
          <tr><th scope="col">Item</th><th scope="col">Quantity</th><th scope="col">Unit price</th><th scope="col">Total</th></tr>
        </thead>
        <tbody>
          {selection.items.map((item) => (
            <tr key={item.id}>
              <td>
                <div className="name">{item.name}</div>
                <div className="sku">{lineNote(item, 'admin')}</div>
              </td>
              <td className="quantity">
                <input
                  type="number" min={1} max={item.capabilities.canIncrease ? undefined : item.quantity}
                  disabled={!item.capabilities.canIncrease && !item.capabilities.canDecrease}
                  aria-label={`Quantity of ${item.name}`} defaultValue={item.quantity}
                  onBlur={async (event) => {
                    const quantity = Number(event.target.value);
                    if (quantity === item.quantity) return;
                    const result = await update({ input: { selectionId: selection.id, itemId: item.id, quantity } });
                    setProblem(problemOf(Boolean(result.error), result.data?.updateSelectionItem, UNREACHABLE.server));
                  }}
                />
                {item.capabilities.canRemove ? (
                  <button type="button" className="remove" aria-label={`Remove ${item.name}`} onClick={async () => {
                    const result = await remove({ input: { selectionId: selection.id, itemId: item.id } });
                    setProblem(problemOf(Boolean(result.error), result.data?.removeSelectionItem, UNREACHABLE.server));
                  }}>Remove</button>
                ) : null}
              </td>
              <td>{formatMoney(item.unitPrice.amount, item.unitPrice.currency)}</td>
              <td>{formatMoney(item.lineTotal.amount, item.lineTotal.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Totals totals={selection.totals} />

      <label className="search">
        Find a variant
        <input type="search" placeholder="Name or SKU" value={search} onChange={(event) => setSearch(event.target.value)} maxLength={100} />
      </label>
      <ul className="offers" aria-label="Variants found">
        {(search.trim() ? (selection.offers ?? []) : []).map((offer) => (
          <li key={offer.variant.id}>
            <form onSubmit={(event) => void addOffer(event, offer.variant.sku)} aria-label={`Add ${offer.variant.name}`}>
              <span>{offer.variant.name} <span className="sku">{offer.variant.sku}</span> · list price {formatMoney(offer.unitPrice.amount, offer.unitPrice.currency)}</span>
              <input name="quantity" type="number" min={1} defaultValue={1} aria-label={`Quantity of ${offer.variant.name} to add`} />
              <input name="price" inputMode="decimal" placeholder="Special price" aria-label={`Special unit price for ${offer.variant.name}`} />
              <button type="submit">Add</button>
            </form>
          </li>
        ))}
      </ul>
      {problem ? <p role="alert" className="problem">{problem}</p> : null}
      <CustomLineForm selectionId={selection.id} currency={selection.currency} />
      <div className="actions">
        <button type="button" className="primary" onClick={() => setLinking(true)} disabled={selection.items.length === 0}>Link</button>
        <button type="button" onClick={props.onDone}>New selection</button>
      </div>
      {linking ? <LinkDialog selectionId={selection.id} payOnce={Boolean(selection.relatedOrder)} issued={issued} onIssued={setIssued} onClose={() => setLinking(false)} /> : null}
    </section>
  );
}
