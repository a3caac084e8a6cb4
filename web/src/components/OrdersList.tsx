import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { formatMoney } from '../money';
import { OrderLines } from './OrderLines';
import type { RelatedOrder } from './SelectionBuilder';
import { Totals } from './Totals';

const Orders = graphql(`
  query AdminOrders {
    orders(first: 20) {
      edges {
        node {
          id number createdAt countryCode
          customer { email firstName lastName }
          totals { grandTotal { amount currency } }
          relatedOrder { id number }
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
      ...OrderLines_order
      totals { ...Totals_totals }
      relatedOrder { id number }
      supplementaryOrders { id number }
    }
  }
`);

/** The link an order came from: null when an admin placed it, undefined when this page does not know. */
type OrderLink = { hash1: string; status: string } | null | undefined;

/**
 * Orders, newest first; one opens with its lines, totals, customer, the link it came from, the
 * earlier order it is an additional payment for and the additional payments made for it, and
 * can start a selection asking another one.
 */
export function OrdersList(props: { onAdditionalPayment: (order: RelatedOrder) => void }) {
  const [{ data, error }] = useQuery({ query: Orders, requestPolicy: 'cache-and-network' });
  const [open, setOpen] = useState<{ id: string; link: OrderLink } | null>(null);
  const orders = data?.orders.edges.map((edge) => ({ ...edge.node, link: edge.link })) ?? [];
  const openOrder = (id: string) => {
    const listed = orders.find((order) => order.id === id);
    setOpen({ id, link: listed ? (listed.link ?? null) : undefined });
  };
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
              <td>
                <button type="button" className="link-button" onClick={() => openOrder(order.id)}>{order.number}</button>
                {order.relatedOrder ? <div className="note">for {order.relatedOrder.number}</div> : null}
              </td>
              <td>{order.customer.email}</td>
              <td className="wide-only">{order.link ? <code>{order.link.hash1}</code> : '—'}</td>
              <td className="wide-only">{new Date(order.createdAt).toLocaleString()}</td>
              <td>{formatMoney(order.totals.grandTotal.amount, order.totals.grandTotal.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && orders.length === 0 ? <p>No orders yet.</p> : null}
      {open ? <OrderDetails id={open.id} link={open.link} onOpen={openOrder} onAdditionalPayment={props.onAdditionalPayment} /> : null}
    </section>
  );
}

function OrderDetails(props: { id: string; link: OrderLink; onOpen: (id: string) => void; onAdditionalPayment: (order: RelatedOrder) => void }) {
  const [{ data }] = useQuery({ query: OrderDetail, variables: { id: props.id }, requestPolicy: 'cache-and-network' });
  const order = data?.order;
  if (!order) return <p>Loading the order…</p>;
  const name = [order.customer.firstName, order.customer.lastName].filter(Boolean).join(' ');
  const orderButton = (other: { id: string; number: string }) => (
    <button key={other.id} type="button" className="link-button" onClick={() => props.onOpen(other.id)}>{other.number}</button>
  );
  return (
    <article className="panel" aria-label={`Order ${order.number}`}>
      <h3>Order {order.number}</h3>
      <p>
        {name ? `${name}, ` : ''}{order.customer.email} · ships to {order.countryCode} · {new Date(order.createdAt).toLocaleString()}
        {props.link ? <> · from link <code>{props.link.hash1}</code> ({props.link.status})</> : props.link === null ? ' · placed by an admin' : null}
      </p>
      {order.relatedOrder ? <p>An additional payment for order {orderButton(order.relatedOrder)}</p> : null}
      {order.supplementaryOrders.length > 0 ? (
        <p>Additional payments: {order.supplementaryOrders.map((other, index) => <span key={other.id}>{index > 0 ? ', ' : ''}{orderButton(other)}</span>)}</p>
      ) : null}
      <OrderLines order={order} />
      <Totals totals={order.totals} />
      <div className="actions">
        <button type="button" onClick={() => props.onAdditionalPayment({ id: order.id, number: order.number, countryCode: order.countryCode, customerEmail: order.customer.email })}>
          Ask for an additional payment
        </button>
      </div>
    </article>
  );
}
