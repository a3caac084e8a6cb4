import { useState } from 'react';
import { useMutation } from 'urql';
import { graphql, useFragment } from '../gql';
import type { FragmentType } from '../gql';
import { UNREACHABLE, problemOf } from '../errors';
import { formatMoney } from '../money';

export const SelectionLinesFragment = graphql(`
  fragment SelectionLines_selection on Selection {
    id
    locked
    status
    items {
      id sku quantity priceLocked
      unitPrice { amount currency }
      lineTotal { amount currency }
      variant { name }
    }
  }
`);

const UpdateLine = graphql(`
  mutation CheckoutUpdateLine($input: UpdateSelectionItemInput!) {
    updateSelectionItem(input: $input) {
      __typename
      ... on Error { code message }
      ... on UpdateSelectionItemSuccess { selection { id } }
    }
  }
`);

const RemoveLine = graphql(`
  mutation CheckoutRemoveLine($input: RemoveSelectionItemInput!) {
    removeSelectionItem(input: $input) {
      __typename
      ... on Error { code message }
      ... on RemoveSelectionItemSuccess { selection { id } }
    }
  }
`);

/**
 * The lines of a claimed copy. Controls follow the API's rules: none when the link locks the
 * items, no increase on a price-locked line; whatever the API still refuses is shown as a
 * sentence beside the line.
 */
export function SelectionLines(props: { selection: FragmentType<typeof SelectionLinesFragment> }) {
  const selection = useFragment(SelectionLinesFragment, props.selection);
  const [, updateLine] = useMutation(UpdateLine);
  const [, removeLine] = useMutation(RemoveLine);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const editable = !selection.locked && selection.status === 'OPEN';

  const note = (itemId: string, failed: boolean, answer?: object) => {
    setProblems((current) => ({ ...current, [itemId]: problemOf(failed, answer, UNREACHABLE.shop) }));
  };
  const setQuantity = async (itemId: string, quantity: number) => {
    const result = await updateLine({ input: { selectionId: selection.id, itemId, quantity } });
    note(itemId, Boolean(result.error), result.data?.updateSelectionItem);
  };
  const remove = async (itemId: string) => {
    const result = await removeLine({ input: { selectionId: selection.id, itemId } });
    note(itemId, Boolean(result.error), result.data?.removeSelectionItem);
  };

  return (
    <table className="lines" aria-label="Items">
      <thead>
        <tr>
          <th scope="col">Item</th>
          <th scope="col">Quantity</th>
          <th scope="col" className="price">Price</th>
          <th scope="col">Total</th>
        </tr>
      </thead>
      <tbody>
        {selection.items.map((item) => (
          <tr key={item.id}>
            <td className="item">
              <div className="name">{item.variant.name}</div>
              <div className="sku">SKU {item.sku}{item.priceLocked ? ' · special price' : ''}</div>
              <div className="unit">{formatMoney(item.unitPrice.amount, item.unitPrice.currency)} each</div>
              {problems[item.id] ? <p role="alert" className="problem">{problems[item.id]}</p> : null}
            </td>
            <td className="quantity">
              {editable ? (
                <>
                  <button type="button" aria-label={`Fewer ${item.variant.name}`} disabled={item.quantity <= 1}
                    onClick={() => setQuantity(item.id, item.quantity - 1)}>−</button>
                  <span aria-label={`Quantity of ${item.variant.name}`}>{item.quantity}</span>
                  {item.priceLocked ? null : (
                    <button type="button" aria-label={`More ${item.variant.name}`}
                      onClick={() => setQuantity(item.id, item.quantity + 1)}>+</button>
                  )}
                  <button type="button" className="remove" aria-label={`Remove ${item.variant.name}`}
                    onClick={() => remove(item.id)}>Remove</button>
                </>
              ) : (
                <span aria-label={`Quantity of ${item.variant.name}`}>{item.quantity}</span>
              )}
            </td>
            <td className="price">{formatMoney(item.unitPrice.amount, item.unitPrice.currency)}</td>
            <td>{formatMoney(item.lineTotal.amount, item.lineTotal.currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
