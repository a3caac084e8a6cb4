import { graphql, useFragment } from '../gql';
import type { FragmentType } from '../gql';
import { formatMoney } from '../money';

export const TotalsFragment = graphql(`
  fragment Totals_totals on SelectionTotals {
    subtotal { amount currency }
    shipping { amount currency }
    tax { amount currency }
    grandTotal { amount currency }
  }
`);

/** Subtotal, shipping, tax and grand total, as the API computed them. */
export function Totals(props: { totals: FragmentType<typeof TotalsFragment> }) {
  const totals = useFragment(TotalsFragment, props.totals);
  const rows = [
    ['Subtotal', totals.subtotal],
    ['Shipping', totals.shipping],
    ['Tax', totals.tax],
  ] as const;
  return (
    <table className="totals" aria-label="Totals">
      <tbody>
        {rows.map(([label, money]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{formatMoney(money.amount, money.currency)}</td>
          </tr>
        ))}
        <tr className="grand">
          <th scope="row">Total</th>
          <td>{formatMoney(totals.grandTotal.amount, totals.grandTotal.currency)}</td>
        </tr>
      </tbody>
    </table>
  );
}
