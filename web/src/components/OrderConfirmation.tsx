import { useQuery } from 'urql';
import { graphql } from '../gql';
import { OrderLines } from './OrderLines';
import { Totals } from './Totals';

const ConfirmedOrder = graphql(`
  query CheckoutConfirmedOrder($id: ID!) {
    order(id: $id) {
      id
      number
      customer { email }
      ...OrderLines_order
      totals { ...Totals_totals }
    }
  }
`);

/** The placed order: its number, lines and totals, as the API recorded them. */
export function OrderConfirmation(props: { orderId: string }) {
  const [{ data, error }] = useQuery({ query: ConfirmedOrder, variables: { id: props.orderId } });
  if (error) return <p role="alert" className="problem">Your order was placed, but it cannot be shown right now. Reload the page.</p>;
  const order = data?.order;
  if (!order) return <p>Loading your order…</p>;
  return (
    <section className="confirmation" aria-label="Order confirmation">
      <h2>Thank you! Order {order.number} is placed.</h2>
      <p>A confirmation goes to {order.customer.email}.</p>
      <OrderLines order={order} />
      <Totals totals={order.totals} />
    </section>
  );
}
