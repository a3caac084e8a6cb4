import { useState } from 'react';
import { useMutation } from 'urql';
import { graphql, useFragment } from '../gql';
import type { FragmentType } from '../gql';
import { UNREACHABLE, problemOf } from '../errors';
import { LineItem } from './LineItem';
import { formatMoney } from '../money';

export const SelectionLinesFragment = graphql(`
  fragment SelectionLines_selection on Selection {
    id
    items {
      id kind sku name quantity priceLocked taxable
      unitPrice { amount currency }
      lineTotal { amount currency }
      capabilities { canIncrease canDecrease canRemove }
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
 * The lines of a claimed copy: catalog variants by name and SKU, custom lines (an additional
 * payment, a fee) by their name and the shop's reference. Each line's controls are what the API
 * says may be done with it now (`capabilities`); whatever it still refuses is shown as a
 * sentence beside the line.
 */
export function SelectionLines(props: { selection: FragmentType<typeof SelectionLinesFragment> }) {
  const selection = useFragment(SelectionLinesFragment, props.selection);
  const [, updateLine] = useMutation(UpdateLine);
  const [, removeLine] = useMutation(RemoveLine);
  const [problems, setProblems] = useState<Record<string, string>>({});

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
        {selection.items.map((item) => {
          const can = item.capabilities;
          return (
            <tr key={item.id}>
              <LineItem item={item} reader="customer" problem={problems[item.id]} />
              <td className="quantity">
                {can.canDecrease || can.canIncrease ? (
                  <button type="button" aria-label={`Fewer ${item.name}`} disabled={!can.canDecrease}
                    onClick={() => setQuantity(item.id, item.quantity - 1)}>−</button>
                ) : null}
                <span aria-label={`Quantity of ${item.name}`}>{item.quantity}</span>
                {can.canIncrease ? (
                  <button type="button" aria-label={`More ${item.name}`}
                    onClick={() => setQuantity(item.id, item.quantity + 1)}>+</button>
                ) : null}
                {can.canRemove ? (
                  <button type="button" className="remove" aria-label={`Remove ${item.name}`}
                    onClick={() => remove(item.id)}>Remove</button>
                ) : null}
              </td>
              <td className="price">{formatMoney(item.unitPrice.amount, item.unitPrice.currency)}</td>
              <td>{formatMoney(item.lineTotal.amount, item.lineTotal.currency)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
