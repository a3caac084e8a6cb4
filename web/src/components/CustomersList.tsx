import { useDeferredValue, useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { CustomerDetail } from './CustomerDetail';
import type { RelatedOrder } from './SelectionBuilder';

const Customers = graphql(`
  query AdminCustomers($search: String) {
    customers(search: $search, first: 20) { edges { node { id email firstName lastName } } }
  }
`);

/**
 * Customers found by e-mail or name; one opens with its selections and orders, or gets a new
 * selection (also one asking an additional payment for one of their orders).
 */
export function CustomersList(props: { onCreateSelection: (email: string) => void; onAdditionalPayment: (order: RelatedOrder) => void }) {
  const [search, setSearch] = useState('');
  const deferred = useDeferredValue(search.trim());
  const [{ data, error }] = useQuery({ query: Customers, variables: { search: deferred || null }, requestPolicy: 'cache-and-network' });
  const customers = data?.customers.edges.map((edge) => edge.node) ?? [];
  const [open, setOpen] = useState<{ id: string; email: string } | null>(null);
  if (open) {
    return (
      <section aria-label="Customers">
        <button type="button" onClick={() => setOpen(null)}>All customers</button>
        <CustomerDetail customer={open} onCreateSelection={() => props.onCreateSelection(open.email)} onAdditionalPayment={props.onAdditionalPayment} />
      </section>
    );
  }
  return (
    <section aria-label="Customers">
      <h2>Customers</h2>
      <label className="filter">
        Search customers
        <input type="search" placeholder="E-mail or name" value={search} maxLength={100} onChange={(event) => setSearch(event.target.value)} />
      </label>
      {error ? <p role="alert" className="problem">The customers cannot be shown: {error.message}</p> : null}
      <table aria-label="Customers table">
        <tbody>
          {customers.map((customer) => (
            <tr key={customer.id}>
              <td>{[customer.firstName, customer.lastName].filter(Boolean).join(' ') || '—'}</td>
              <td>
                <button type="button" className="link-button" aria-label={`Open ${customer.email}`} onClick={() => setOpen({ id: customer.id, email: customer.email })}>
                  {customer.email}
                </button>
              </td>
              <td>
                <button type="button" aria-label={`Create selection for ${customer.email}`} onClick={() => props.onCreateSelection(customer.email)}>
                  Create selection
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && customers.length === 0 ? <p>{deferred ? `No customer matches “${deferred}”.` : 'No customers yet: they appear with their first selection or order.'}</p> : null}
    </section>
  );
}
