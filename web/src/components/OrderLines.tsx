import { graphql, useFragment } from '../gql';
import type { FragmentType } from '../gql';
import { formatMoney } from '../money';

export const OrderLinesFragment = graphql(`
  fragment OrderLines_order on Order {
    items { kind sku name quantity unitPrice { amount currency } lineTotal { amount currency } }
  }
`);

/** An order's lines as they were charged: variants by name and SKU, custom lines by name (and the shop's reference). */
export function OrderLines(props: { order: FragmentType<typeof OrderLinesFragment> }) {
  const order = useFragment(OrderLinesFragment, props.order);
  return (
    <table className="order-lines" aria-label="Order lines">
      <tbody>
        {order.items.map((item, index) => (
          <tr key={index}>
            <td>
              {item.name}{' '}
              <span className="sku">{item.kind === 'CUSTOM' ? ['custom charge', item.sku].filter(Boolean).join(' · ') : item.sku}</span>
            </td>
            <td>{item.quantity} × {formatMoney(item.unitPrice.amount, item.unitPrice.currency)}</td>
            <td>{formatMoney(item.lineTotal.amount, item.lineTotal.currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
