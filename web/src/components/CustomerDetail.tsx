import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { formatMoney } from '../money';
import { SelectionEditor } from './SelectionEditor';

const CustomerHistory = graphql(`
  query AdminCustomerHistory($customerId: ID!) {
    selections(customerId: $customerId, first: 20) {
      edges { node { id status countryCode createdAt totals { grandTotal { amount currency } } } }
    }
    orders(customerId: $customerId, first: 20) {
      edges { node { id number createdAt totals { grandTotal { amount currency } } } link { hash1 } }
    }
  }
`);

/** One customer: the selections admins built for them (an open one opens in the editor) and their orders. */
export function CustomerDetail(props: { customer: { id: string; email: string }; onCreateSelection: () => void }) {
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
        <table aria-label="Selections of the customer">
          <tbody>
            {selections.map((selection) => (
              <tr key={selection.id}>
                <td>{new Date(selection.createdAt).toLocaleString()}</td>
                <td>{selection.status}</td>
                <td>{formatMoney(selection.totals.grandTotal.amount, selection.totals.grandTotal.currency)}</td>
                <td>{selection.status === 'OPEN' ? <button type="button" onClick={() => setEditing(selection.id)}>Open</button> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>Orders</h4>
      {orders.length === 0 ? <p>None yet.</p> : (
        <table aria-label="Orders of the customer">
          <tbody>
            {orders.map((order) => (
              <tr key={order.id}>
                <td>{order.number}</td>
                <td>{new Date(order.createdAt).toLocaleString()}</td>
                <td>{order.link ? <code>{order.link.hash1}</code> : 'placed by an admin'}</td>
                <td>{formatMoney(order.totals.grandTotal.amount, order.totals.grandTotal.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}
