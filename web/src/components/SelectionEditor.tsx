import { useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { UNREACHABLE, problemOf } from '../errors';
import { LineItem } from './LineItem';
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
      customer { email }
      capabilities { canAddItems }
      placeOrderBlockers
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
 * lines while the API says items can be added (`canAddItems`), change quantities as each
 * line's capabilities allow, remove; totals; then "Link". A refusal is shown beside the line
 * or the form that caused it. A selection for an earlier order says which.
 */
export function SelectionEditor(props: { selectionId: string; onDone: () => void }) {
  const [search, setSearch] = useState('');
  const [{ data }, reload] = useQuery({ query: Editing, variables: { id: props.selectionId, search: search.trim(), searching: search.trim() !== '' } });
  const [, add] = useMutation(Add);
  const [, update] = useMutation(Update);
  const [, remove] = useMutation(Remove);
  /** The refusal of an add from the variants found. */
  const [problem, setProblem] = useState('');
  /** Each line's refusal of a quantity or a removal, by the line's id. */
  const [lineProblems, setLineProblems] = useState<Record<string, string>>({});
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
  /** Shows the sentence for a line's mutation beside that line ('' for a success clears it), and returns it. */
  const noteLine = (itemId: string, failed: boolean, answer?: object): string => {
    const sentence = problemOf(failed, answer, UNREACHABLE.server);
    setLineProblems((current) => ({ ...current, [itemId]: sentence }));
    return sentence;
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
          <tr><th scope="col">Item</th><th scope="col">Quantity</th><th scope="col" className="price">Unit price</th><th scope="col">Total</th></tr>
        </thead>
        <tbody>
          {selection.items.map((item) => {
            const lineProblem = lineProblems[item.id];
            const problemId = `line-${item.id}-problem`;
            return (
              <tr key={item.id}>
                <LineItem item={item} reader="admin" problem={lineProblem} problemId={problemId} />
                <td className="quantity">
                  <input
                    type="number" min={1} max={item.capabilities.canIncrease ? undefined : item.quantity}
                    disabled={!item.capabilities.canIncrease && !item.capabilities.canDecrease}
                    aria-label={`Quantity of ${item.name}`} defaultValue={item.quantity}
                    {...(lineProblem ? { 'aria-invalid': true, 'aria-describedby': problemId } : {})}
                    onBlur={async (event) => {
                      const input = event.target;
                      const quantity = Number(input.value);
                      if (quantity === item.quantity) return;
                      const result = await update({ input: { selectionId: selection.id, itemId: item.id, quantity } });
                      // Refused: the field goes back to the quantity the line still has; the sentence says why.
                      if (noteLine(item.id, Boolean(result.error), result.data?.updateSelectionItem)) input.value = String(item.quantity);
                    }}
                  />
                  {item.capabilities.canRemove ? (
                    <button type="button" className="remove" aria-label={`Remove ${item.name}`} onClick={async () => {
                      const result = await remove({ input: { selectionId: selection.id, itemId: item.id } });
                      noteLine(item.id, Boolean(result.error), result.data?.removeSelectionItem);
                    }}>Remove</button>
                  ) : null}
                </td>
                <td className="price">{formatMoney(item.unitPrice.amount, item.unitPrice.currency)}</td>
                <td>{formatMoney(item.lineTotal.amount, item.lineTotal.currency)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Totals totals={selection.totals} />

      {selection.capabilities.canAddItems ? (
        <>
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
        </>
      ) : (
        <p className="note">
          {selection.placeOrderBlockers.includes('SELECTION_CLOSED')
            ? 'Nothing more can be added: this selection is closed (bought through its link, or deleted). Start a new selection to sell more.'
            : 'Nothing more can be added: the items of this selection are locked.'}
        </p>
      )}
      <div className="actions">
        <button type="button" className="primary" onClick={() => setLinking(true)} disabled={selection.items.length === 0}>Link</button>
        <button type="button" onClick={props.onDone}>New selection</button>
      </div>
      {linking ? (
        <LinkDialog
          selectionId={selection.id} payOnce={Boolean(selection.relatedOrder)} issued={issued} onIssued={setIssued}
          onClose={() => {
            setLinking(false);
            // Someone may have bought through the link meanwhile, which closes the selection: read it again.
            reload({ requestPolicy: 'network-only' });
          }}
        />
      ) : null}
    </section>
  );
}
