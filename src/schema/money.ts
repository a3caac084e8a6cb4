// Money and totals as the API shows them: decimal strings in the currency's main unit, exact to
// its minor unit ("149.00" SEK).
import { formatMoney } from '../services/money.js';
import type { Totals } from '../services/money.js';
import { builder } from './builder.js';

export interface MoneyValue {
  amount: bigint;
  currency: string;
}

export const Money = builder.objectRef<MoneyValue>('Money').implement({
  description: 'An exact amount of money in one currency.',
  fields: (t) => ({
    amount: t.field({
      type: 'Decimal',
      description: 'The amount with exactly as many fraction digits as the currency has, e.g. "149.00" (SEK) or "1490" (JPY).',
      resolve: (money) => formatMoney(money.amount, money.currency),
    }),
    currency: t.exposeString('currency', { description: 'ISO-4217 code, e.g. "SEK".' }),
  }),
});

export const SelectionTotals = builder.objectRef<Totals & { currency: string }>('SelectionTotals').implement({
  description: 'What a selection or order costs: subtotal + shipping + tax = grandTotal.',
  fields: (t) => {
    const money = (key: keyof Totals, description: string) =>
      t.field({ type: Money, description, resolve: (totals) => ({ amount: totals[key], currency: totals.currency }) });
    return {
      subtotal: money('subtotal', 'The sum of the lines.'),
      shipping: money('shipping', 'The market\'s shipping price for the country; zero when the selection ignores shipping.'),
      tax: money('tax', 'Tax rate × (the taxable lines + shipping), rounded half away from zero; zero when the selection ignores tax. A custom line with taxable false (e.g. a deposit) is in the subtotal only.'),
      grandTotal: money('grandTotal', 'subtotal + shipping + tax.'),
    };
  },
});
