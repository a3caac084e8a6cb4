import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { formatMoney } from '../money';
import type { RelatedOrder } from './SelectionBuilder';
import { SelectionEditor } from './SelectionEditor';

const CustomerHistory = graphql(`
  query AdminCustomerHistory($customerId: ID!) {
    selections(customerId: $customerId, first: 20) {
      edges { node { id status countryCode createdAt totals { grandTotal { amount currency } } relatedOrder { number } } }
    }
    orders(customerId: $customerId, first: 20) {
      edges { node { id number createdAt countryCode totals { grandTotal { amount currency } } relatedOrder { number } } link { hash1 } }
    }
  }
`);

/**
 * One customer: the selections admins built for them (an open one opens in the editor) and
 * their orders, each of which can get a selection asking an additional payment for it.
 */
export function CustomerDetail(props: {
  customer: { id: string; email: string };
  onCreateSelection: () => void;
  onAdditionalPayment: (order: RelatedOrder) => void;
}) {
  const [{ data }] = useQuery({ query: CustomerHistory, variables: { customerId: props.customer.id }, requestPolicy: 'cache-and-network' });
  const [editing, setEditing] = useState<string | null>(null);
  if (editing) return <SelectionEditor selectionId={editing} onDone={() => setEditing(null)} />;
  const selections = data?.selections.edges.map((edge) => edge.node) ?? [];
  const orders = data?.orders.edges.map((edge) => ({ ...edge.node, link: edge.link })) ?? [];
  return (
    <article className="panel" aria-label={`Customer ${props.customer.email}`}>
      <h3>{props.customer.email}</h3>
      <button type="button" onClick={props.onCreateSelection}>Create selection</button>
      <h4>Selections</h4>
      {selections.length === 0 ? <p>None yet.</p> : (
        <table className="history" aria-label="Selections of the customer">
          <tbody>
            {selections.map((selection) => (
              <tr key={selection.id}>
                <td>{new Date(selection.createdAt).toLocaleString()}</td>
                <td>{selection.status}{selection.relatedOrder ? <div className="note">for {selection.relatedOrder.number}</div> : null}</td>
                <td className="money">{formatMoney(selection.totals.grandTotal.amount, selection.totals.grandTotal.currency)}</td>
                <td>{selection.status === 'OPEN' ? <button type="button" onClick={() => setEditing(selection.id)}>Open</button> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>Orders</h4>
      {orders.length === 0 ? <p>None yet.</p> : (
        <table className="history" aria-label="Orders of the customer">
          <tbody>
            {orders.map((order) => (
              <tr key={order.id}>
                <td className="order-number">{order.number}{order.relatedOrder ? <div className="note">for {order.relatedOrder.number}</div> : null}</td>
                <td className="wide-only">{new Date(order.createdAt).toLocaleString()}</td>
                <td className="wide-only">{order.link ? <code>{order.link.hash1}</code> : 'placed by an admin'}</td>
                <td className="money">{formatMoney(order.totals.grandTotal.amount, order.totals.grandTotal.currency)}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Ask for an additional payment for ${order.number}`}
                    onClick={() => props.onAdditionalPayment({ id: order.id, number: order.number, countryCode: order.countryCode, customerEmail: props.customer.email })}
                  >
                    Additional payment
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}
