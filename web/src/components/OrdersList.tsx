import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { formatMoney } from '../money';
import { Totals } from './Totals';

const Orders = graphql(`
  query AdminOrders {
    orders(first: 20) {
      edges {
        node {
          id number createdAt countryCode
          customer { email firstName lastName }
          totals { grandTotal { amount currency } }
        }
        link { hash1 status }
      }
    }
  }
`);

const OrderDetail = graphql(`
  query AdminOrder($id: ID!) {
    order(id: $id) {
      id number status createdAt countryCode
      customer { email firstName lastName }
      items { sku name quantity unitPrice { amount currency } lineTotal { amount currency } }
      totals { ...Totals_totals }
    }
  }
`);

/** Orders, newest first; one opens with its lines, totals, customer and the link it came from. */
export function OrdersList() {
  const [{ data, error }] = useQuery({ query: Orders, requestPolicy: 'cache-and-network' });
  const [open, setOpen] = useState<{ id: string; link: { hash1: string; status: string } | null } | null>(null);
  const orders = data?.orders.edges.map((edge) => ({ ...edge.node, link: edge.link })) ?? [];
  return (
    <section aria-label="Orders">
      <h2>Orders</h2>
      {error ? <p role="alert" className="problem">The orders cannot be shown: {error.message}</p> : null}
      <table aria-label="Orders table">
        <thead>
          <tr><th scope="col">Order</th><th scope="col">Customer</th><th scope="col" className="wide-only">Link</th><th scope="col" className="wide-only">Placed</th><th scope="col">Total</th></tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr key={order.id}>
              <td><button type="button" className="link-button" onClick={() => setOpen({ id: order.id, link: order.link ?? null })}>{order.number}</button></td>
              <td>{order.customer.email}</td>
              <td className="wide-only">{order.link ? <code>{order.link.hash1}</code> : '—'}</td>
              <td className="wide-only">{new Date(order.createdAt).toLocaleString()}</td>
              <td>{formatMoney(order.totals.grandTotal.amount, order.totals.grandTotal.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && orders.length === 0 ? <p>No orders yet.</p> : null}
      {open ? <OrderDetails id={open.id} link={open.link} /> : null}
    </section>
  );
}

function OrderDetails(props: { id: string; link: { hash1: string; status: string } | null }) {
  const [{ data }] = useQuery({ query: OrderDetail, variables: { id: props.id } });
  const order = data?.order;
  if (!order) return <p>Loading the order…</p>;
  const name = [order.customer.firstName, order.customer.lastName].filter(Boolean).join(' ');
  return (
    <article className="panel" aria-label={`Order ${order.number}`}>
      <h3>Order {order.number}</h3>
      <p>
        {name ? `${name}, ` : ''}{order.customer.email} · ships to {order.countryCode} · {new Date(order.createdAt).toLocaleString()}
        {props.link ? <> · from link <code>{props.link.hash1}</code> ({props.link.status})</> : ' · placed by an admin'}
      </p>
      <table aria-label="Order lines">
        <tbody>
          {order.items.map((item) => (
            <tr key={item.sku + item.name}>
              <td>{item.name} <span className="sku">{item.sku}</span></td>
              <td>{item.quantity} × {formatMoney(item.unitPrice.amount, item.unitPrice.currency)}</td>
              <td>{formatMoney(item.lineTotal.amount, item.lineTotal.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Totals totals={order.totals} />
    </article>
  );
}
