// Exact money (DESIGN.md §1 "Totals"): decimal strings outside, integer minor units inside,
// tax on (subtotal + shipping) as a whole, rounded half away from zero. Unit tests of
// src/services/money.ts, then the same rules end to end through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import { ValidationFailed } from '../src/services/errors.js';
import {
  MAX_AMOUNT, computeTotals, divideRounded, formatMoney, formatRate, parseMoney, parseRate,
} from '../src/services/money.js';
import type { TotalsInput } from '../src/services/money.js';
import { graphql } from './gql/index.js';
import { startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { ImportCatalog } from './helpers/documents.js';
import { createSelection, rowCounts, seedCatalog } from './helpers/fixtures.js';

const PATH = ['input', 'unitPrice'];

/** Runs `fn` and returns the ValidationFailed it throws (fails the test if it throws nothing else). */
function refusal(fn: () => unknown): ValidationFailed {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailed);
    return error as ValidationFailed;
  }
  throw new Error('expected a ValidationFailed, but nothing was thrown');
}

// ---------------------------------------------------------------- unit: parseMoney

describe('parseMoney', () => {
  it.each([
    ['149.5', 'SEK', 14950n],
    ['149.50', 'SEK', 14950n],
    ['149', 'SEK', 14900n],
    ['0', 'SEK', 0n],
    ['0.01', 'SEK', 1n],
    ['0.1', 'SEK', 10n],
    ['1490', 'JPY', 1490n],
    ['0', 'JPY', 0n],
    ['4.125', 'KWD', 4125n],
    ['4.1', 'KWD', 4100n],
    ['4', 'KWD', 4000n],
    ['0.001', 'KWD', 1n],
  ])('parses %s %s to %s minor units', (value, currency, minor) => {
    expect(parseMoney(value, currency, PATH)).toBe(minor);
  });

  it('reads leading zeros as the same number', () => {
    expect(parseMoney('007.50', 'SEK', PATH)).toBe(750n);
    expect(parseMoney('000', 'JPY', PATH)).toBe(0n);
    expect(parseMoney('00.005', 'KWD', PATH)).toBe(5n);
  });

  it('accepts a negative zero as zero', () => {
    expect(parseMoney('-0', 'SEK', PATH)).toBe(0n);
    expect(parseMoney('-0.00', 'SEK', PATH)).toBe(0n);
  });

  it.each([
    ['1.005', 'SEK'],
    ['149.001', 'SEK'],
    ['1.0', 'JPY'],
    ['1490.5', 'JPY'],
    ['4.1250', 'KWD'],
    ['0.0001', 'KWD'],
  ])('refuses %s in %s (more fraction digits than the currency has), naming the path', (value, currency) => {
    const error = refusal(() => parseMoney(value, currency, ['input', 'products', '0', 'variants', '1', 'prices', '2', 'amount']));
    expect(error.code).toBe('VALIDATION');
    expect(error.path).toEqual(['input', 'products', '0', 'variants', '1', 'prices', '2', 'amount']);
    expect(error.message).toContain(currency);
  });

  it.each(['-1', '-0.01', '-149.00', '-1000'])('refuses the negative amount %s', (value) => {
    const error = refusal(() => parseMoney(value, 'SEK', PATH));
    expect(error.path).toEqual(PATH);
    expect(error.message).toMatch(/negative/i);
  });

  it.each(['1,5', '1e3', '', ' 1', '1 ', '--1', '+1', '1.', '.5', '0x10', 'NaN', 'Infinity', '1.2.3', '١٢', '1'.repeat(31)])(
    'refuses the malformed value %j',
    (value) => {
      expect(refusal(() => parseMoney(value, 'SEK', PATH)).path).toEqual(PATH);
    },
  );

  it('refuses amounts above the maximum, 10^11 minor units by default', () => {
    expect(MAX_AMOUNT).toBe(10n ** 11n);
    expect(parseMoney('1000000000.00', 'SEK', PATH)).toBe(10n ** 11n);
    expect(parseMoney('100000000000', 'JPY', PATH)).toBe(10n ** 11n);
    expect(refusal(() => parseMoney('1000000000.01', 'SEK', PATH)).message).toMatch(/too large/);
    expect(refusal(() => parseMoney('100000000001', 'JPY', PATH)).path).toEqual(PATH);
    expect(refusal(() => parseMoney('9'.repeat(30), 'SEK', PATH)).path).toEqual(PATH);
    expect(parseMoney('5.00', 'SEK', PATH, 500n)).toBe(500n);
    expect(refusal(() => parseMoney('5.01', 'SEK', PATH, 500n)).path).toEqual(PATH);
  });

  it('stays exact past 2^53 (no floats)', () => {
    // 2^53 + 1 is the first integer a double cannot hold.
    expect(parseMoney('9007199254740993', 'JPY', PATH, 10n ** 20n)).toBe(9007199254740993n);
    expect(parseMoney('90071992547409.93', 'SEK', PATH, 10n ** 20n)).toBe(9007199254740993n);
    expect(parseMoney('9007199254740.993', 'KWD', PATH, 10n ** 20n)).toBe(9007199254740993n);
    expect(parseMoney('123456789012345678901234567890.99', 'SEK', PATH, 10n ** 40n)).toBe(12345678901234567890123456789099n);
  });
});

// ---------------------------------------------------------------- unit: formatMoney

describe('formatMoney', () => {
  it.each([
    [14950n, 'SEK', '149.50'],
    [14900n, 'SEK', '149.00'],
    [0n, 'SEK', '0.00'],
    [5n, 'SEK', '0.05'],
    [50n, 'SEK', '0.50'],
    [-5n, 'SEK', '-0.05'],
    [-14950n, 'SEK', '-149.50'],
    [1490n, 'JPY', '1490'],
    [0n, 'JPY', '0'],
    [-7n, 'JPY', '-7'],
    [4125n, 'KWD', '4.125'],
    [1n, 'KWD', '0.001'],
    [0n, 'KWD', '0.000'],
    [10n ** 15n, 'SEK', '10000000000000.00'],
    [9007199254740993n, 'JPY', '9007199254740993'],
    [9007199254740993n, 'SEK', '90071992547409.93'],
    [9007199254740993n, 'KWD', '9007199254740.993'],
  ])('formats %s minor units of %s as %s', (minor, currency, text) => {
    expect(formatMoney(minor, currency)).toBe(text);
  });

  it('round-trips with parseMoney in every digit count', () => {
    for (const currency of ['SEK', 'JPY', 'KWD']) {
      for (const minor of [0n, 1n, 9n, 10n, 99n, 100n, 101n, 999n, 1000n, 1001n, 123456789n, MAX_AMOUNT]) {
        expect(parseMoney(formatMoney(minor, currency), currency, PATH)).toBe(minor);
      }
    }
  });
});

// ---------------------------------------------------------------- unit: rates

describe('parseRate and formatRate', () => {
  it.each([
    ['25', 250000n],
    ['12.5', 125000n],
    ['12.50', 125000n],
    ['0', 0n],
    ['-0', 0n],
    ['0.0001', 1n],
    ['100', 1000000n],
    ['100.0000', 1000000n],
    ['007', 70000n],
    ['12.3456', 123456n],
  ])('parses %s %% to %s', (value, scaled) => {
    expect(parseRate(value, ['input', 'taxRules', '0', 'rate'])).toBe(scaled);
  });

  it.each([
    ['12.34567', /4 fraction digits/],
    ['0.00001', /4 fraction digits/],
    ['-1', /negative/],
    ['-0.0001', /negative/],
    ['100.0001', /at most 100/],
    ['101', /at most 100/],
    ['1e2', /not a decimal/],
    ['1,5', /not a decimal/],
    ['', /not a decimal/],
    [' 25', /not a decimal/],
  ])('refuses %j with the given path', (value, message) => {
    const error = refusal(() => parseRate(value, ['input', 'taxRules', '3', 'rate']));
    expect(error.path).toEqual(['input', 'taxRules', '3', 'rate']);
    expect(error.message).toMatch(message);
  });

  it.each([
    [250000n, '25'],
    [125000n, '12.5'],
    [123456n, '12.3456'],
    [120000n, '12'],
    [10000n, '1'],
    [1n, '0.0001'],
    [10n, '0.001'],
    [0n, '0'],
    [1000000n, '100'],
  ])('formats %s as %s', (scaled, text) => {
    expect(formatRate(scaled)).toBe(text);
  });

  it('round-trips', () => {
    for (const scaled of [0n, 1n, 5n, 10n, 99n, 100n, 9999n, 10000n, 10001n, 125000n, 999999n, 1000000n]) {
      expect(parseRate(formatRate(scaled), ['r'])).toBe(scaled);
    }
  });
});

// ---------------------------------------------------------------- unit: divideRounded

describe('divideRounded (half away from zero)', () => {
  it.each([
    // exactly half: away from zero, whatever the sign (banker's rounding would give 2 and -2)
    [5n, 2n, 3n],
    [-5n, 2n, -3n],
    [5n, -2n, -3n],
    [-5n, -2n, 3n],
    [25n, 10n, 3n],
    [-25n, 10n, -3n],
    [15n, 10n, 2n],
    [-15n, 10n, -2n],
    [1n, 2n, 1n],
    [-1n, 2n, -1n],
    // not half: to the nearest
    [14n, 10n, 1n],
    [16n, 10n, 2n],
    [-14n, 10n, -1n],
    [-16n, 10n, -2n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
    [-1n, 3n, 0n],
    [-2n, 3n, -1n],
    [249999n, 1000000n, 0n],
    [500000n, 1000000n, 1n],
    [-500000n, 1000000n, -1n],
    // exact
    [4n, 2n, 2n],
    [-4n, 2n, -2n],
    [0n, 7n, 0n],
  ])('%s / %s = %s', (numerator, denominator, expected) => {
    expect(divideRounded(numerator, denominator)).toBe(expected);
  });

  it('stays exact past 2^64', () => {
    expect(divideRounded(2n ** 65n + 1n, 2n)).toBe(2n ** 64n + 1n);
    expect(divideRounded(-(2n ** 65n) - 1n, 2n)).toBe(-(2n ** 64n) - 1n);
    expect(divideRounded(9007199254740993n * 3n, 3n)).toBe(9007199254740993n);
  });
});

// ---------------------------------------------------------------- unit: computeTotals

describe('computeTotals', () => {
  const base: TotalsInput = { lines: [], shippingRate: null, taxRate: null, ignoreShipping: false, ignoreTax: false };
  const percent = (p: bigint) => p * 10_000n;

  it('sums lines, adds shipping and tax on both', () => {
    expect(computeTotals({
      ...base,
      lines: [{ quantity: 2, unitPrice: 14900n }, { quantity: 1, unitPrice: 8950n }],
      shippingRate: 4900n,
      taxRate: percent(25n),
    })).toEqual({ subtotal: 38750n, shipping: 4900n, tax: 10913n, grandTotal: 54563n });
    // 43650 × 25 % = 10912.5 -> 10913
  });

  it('taxes (subtotal + shipping) as a whole, not line by line', () => {
    // Three lines of 0.02 at 25 %: per line 0.005 would round to 0.01 each (0.03 in all);
    // on the whole, 0.06 × 25 % = 0.015 -> 0.02.
    const lines = [{ quantity: 1, unitPrice: 2n }, { quantity: 1, unitPrice: 2n }, { quantity: 1, unitPrice: 2n }];
    expect(computeTotals({ ...base, lines, taxRate: percent(25n) })).toEqual({ subtotal: 6n, shipping: 0n, tax: 2n, grandTotal: 8n });
    // Shipping is taxed together with the lines: (0.02 + 0.02) × 25 % = 0.01, where line
    // and shipping taxed apart would be 0.01 + 0.01.
    expect(computeTotals({ ...base, lines: [{ quantity: 1, unitPrice: 2n }], shippingRate: 2n, taxRate: percent(25n) }))
      .toEqual({ subtotal: 2n, shipping: 2n, tax: 1n, grandTotal: 5n });
  });

  it('taxes quantity × price, not the rounded tax of one unit × quantity', () => {
    // 3 × 0.02 at 25 %: one unit's tax 0.005 -> 0.01, × 3 = 0.03; on the line, 0.015 -> 0.02.
    expect(computeTotals({ ...base, lines: [{ quantity: 3, unitPrice: 2n }], taxRate: percent(25n) }).tax).toBe(2n);
  });

  it('rounds a tax of exactly half a minor unit away from zero, and others to the nearest', () => {
    const tax = (subtotal: bigint, rate: bigint) =>
      computeTotals({ ...base, lines: [{ quantity: 1, unitPrice: subtotal }], taxRate: rate }).tax;
    expect(tax(2n, percent(25n))).toBe(1n); // 0.5
    expect(tax(6n, percent(25n))).toBe(2n); // 1.5 (banker's: 2)
    expect(tax(10n, percent(25n))).toBe(3n); // 2.5 (banker's: 2)
    expect(tax(1n, percent(25n))).toBe(0n); // 0.25
    expect(tax(3n, percent(25n))).toBe(1n); // 0.75
    expect(tax(4n, 125_000n)).toBe(1n); // 12.5 % of 4 = 0.5
    expect(tax(12n, 125_000n)).toBe(2n); // 1.5
    expect(tax(5n, percent(10n))).toBe(1n); // 0.5
    expect(tax(25n, percent(10n))).toBe(3n); // 2.5
    expect(tax(1n, 1n)).toBe(0n); // 0.0001 % of 1
    expect(tax(500000n, 1n)).toBe(1n); // 0.0001 % of 500000 = 0.5
    expect(tax(499999n, 1n)).toBe(0n);
  });

  it('charges no tax without a tax rule and no shipping without a rate', () => {
    expect(computeTotals({ ...base, lines: [{ quantity: 2, unitPrice: 1000n }] }))
      .toEqual({ subtotal: 2000n, shipping: 0n, tax: 0n, grandTotal: 2000n });
  });

  it('charges shipping and its tax on an empty selection', () => {
    expect(computeTotals({ ...base, shippingRate: 4900n, taxRate: percent(25n) }))
      .toEqual({ subtotal: 0n, shipping: 4900n, tax: 1225n, grandTotal: 6125n });
  });

  it('zeroes shipping with ignoreShipping: tax is then on the subtotal alone', () => {
    expect(computeTotals({ ...base, lines: [{ quantity: 1, unitPrice: 3006n }], shippingRate: 4900n, taxRate: percent(25n), ignoreShipping: true }))
      .toEqual({ subtotal: 3006n, shipping: 0n, tax: 752n, grandTotal: 3758n });
  });

  it('zeroes tax with ignoreTax', () => {
    expect(computeTotals({ ...base, lines: [{ quantity: 1, unitPrice: 3006n }], shippingRate: 4900n, taxRate: percent(25n), ignoreTax: true }))
      .toEqual({ subtotal: 3006n, shipping: 4900n, tax: 0n, grandTotal: 7906n });
  });

  it('zeroes both with ignoreShipping and ignoreTax', () => {
    expect(computeTotals({
      ...base, lines: [{ quantity: 1, unitPrice: 3006n }], shippingRate: 4900n, taxRate: percent(25n), ignoreShipping: true, ignoreTax: true,
    })).toEqual({ subtotal: 3006n, shipping: 0n, tax: 0n, grandTotal: 3006n });
  });

  it('stays exact for the largest selections (500 lines of 10,000 units at 10^15 minor units)', () => {
    const lines = Array.from({ length: 500 }, () => ({ quantity: 10_000, unitPrice: 10n ** 15n }));
    const totals = computeTotals({ ...base, lines, shippingRate: 1n, taxRate: 1n });
    expect(totals.subtotal).toBe(5n * 10n ** 21n);
    // (5·10^21 + 1) × 0.0001 % = 5·10^15 + 0.000001 -> 5·10^15
    expect(totals.tax).toBe(5n * 10n ** 15n);
    expect(totals.grandTotal).toBe(5n * 10n ** 21n + 1n + 5n * 10n ** 15n);
  });

  it('keeps 2^53 + 1 exact', () => {
    const totals = computeTotals({ ...base, lines: [{ quantity: 321, unitPrice: 28059810762433n }], shippingRate: 500n, taxRate: percent(10n) });
    expect(totals).toEqual({
      subtotal: 9007199254740993n,
      shipping: 500n,
      tax: 900719925474149n, // 900719925474149.3
      grandTotal: 9907919180215642n,
    });
  });
});

// ---------------------------------------------------------------- end to end

const MoneyAddItem = graphql(`
  mutation MoneyAddItem($input: AddSelectionItemInput!) {
    addSelectionItem(input: $input) { __typename ...TestFailure
      ... on AddSelectionItemSuccess { item { sku quantity priceLocked unitPrice { amount currency } lineTotal { amount currency } } } }
  }
`);

const MoneySelection = graphql(`
  query MoneySelection($id: ID!) {
    selection(id: $id) {
      currency
      ignoreShipping
      ignoreTax
      items { sku quantity unitPrice { amount currency } lineTotal { amount currency } }
      totals { ...TestTotals }
    }
  }
`);

describe('totals through the API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedCatalog(t);
  });
  afterAll(() => t?.stop());

  async function add(selectionId: string, sku: string, quantity: number, unitPrice?: string) {
    const result = await t.admin(MoneyAddItem, { input: { selectionId, sku, quantity, unitPrice } });
    if (result.addSelectionItem.__typename !== 'AddSelectionItemSuccess') {
      throw new Error(`addSelectionItem failed: ${JSON.stringify(result.addSelectionItem)}`);
    }
    return result.addSelectionItem.item;
  }

  async function read(selectionId: string) {
    const { selection } = await t.admin(MoneySelection, { id: selectionId });
    if (!selection) throw new Error('selection not found');
    return selection;
  }

  /** The totals as `{ subtotal: [amount, currency], … }`. */
  async function totals(selectionId: string) {
    const { totals: x } = await read(selectionId);
    return {
      subtotal: [x.subtotal.amount, x.subtotal.currency],
      shipping: [x.shipping.amount, x.shipping.currency],
      tax: [x.tax.amount, x.tax.currency],
      grandTotal: [x.grandTotal.amount, x.grandTotal.currency],
    };
  }

  it('SEK: tax of exactly half an öre rounds up, on the whole selection', async () => {
    const id = await createSelection(t, { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE' });
    for (const sku of ['TEE-S', 'TEE-M', 'MUG']) {
      const item = await add(id, sku, 1, '10.02');
      expect(item).toMatchObject({ priceLocked: true, unitPrice: { amount: '10.02', currency: 'SEK' }, lineTotal: { amount: '10.02', currency: 'SEK' } });
    }
    // (30.06 + 49.00) × 25 % = 19.765 -> 19.77. Per line it would be 3 × 2.51 + 12.25 = 19.78;
    // banker's rounding or truncation would give 19.76.
    expect(await totals(id)).toEqual({
      subtotal: ['30.06', 'SEK'],
      shipping: ['49.00', 'SEK'],
      tax: ['19.77', 'SEK'],
      grandTotal: ['98.83', 'SEK'],
    });
  });

  it('SEK: quantities multiply the unit price exactly and fraction digits are padded', async () => {
    const id = await createSelection(t, { countryCode: 'NO' });
    const custom = await add(id, 'TEE-S', 3, '10.5');
    expect(custom).toMatchObject({ quantity: 3, unitPrice: { amount: '10.50' }, lineTotal: { amount: '31.50' } });
    const leading = await add(id, 'TEE-M', 1, '007.5');
    expect(leading).toMatchObject({ unitPrice: { amount: '7.50' }, lineTotal: { amount: '7.50' } });
    const listed = await add(id, 'MUG', 7);
    expect(listed).toMatchObject({ priceLocked: false, unitPrice: { amount: '89.50', currency: 'SEK' }, lineTotal: { amount: '626.50', currency: 'SEK' } });
    // (31.50 + 7.50 + 626.50 + 99.00) × 25 % = 191.125 -> 191.13
    expect(await totals(id)).toEqual({
      subtotal: ['665.50', 'SEK'],
      shipping: ['99.00', 'SEK'],
      tax: ['191.13', 'SEK'],
      grandTotal: ['955.63', 'SEK'],
    });
  });

  it('SEK: an empty selection still costs shipping and its tax', async () => {
    const id = await createSelection(t, { countryCode: 'NO' });
    expect(await totals(id)).toEqual({
      subtotal: ['0.00', 'SEK'],
      shipping: ['99.00', 'SEK'],
      tax: ['24.75', 'SEK'],
      grandTotal: ['123.75', 'SEK'],
    });
  });

  it('JPY: amounts have no decimal point and half a yen of tax rounds up', async () => {
    const id = await createSelection(t, { marketCode: 'JP', pricelistCode: 'JPY', countryCode: 'JP' });
    expect(await add(id, 'TEE-S', 1, '1003')).toMatchObject({ unitPrice: { amount: '1003', currency: 'JPY' }, lineTotal: { amount: '1003', currency: 'JPY' } });
    expect(await add(id, 'TEE-M', 1, '1002')).toMatchObject({ unitPrice: { amount: '1002', currency: 'JPY' } });
    // (2005 + 500) × 10 % = 250.5 -> 251; per line 100 + 100 + 50 = 250; banker's 250.
    expect(await totals(id)).toEqual({
      subtotal: ['2005', 'JPY'],
      shipping: ['500', 'JPY'],
      tax: ['251', 'JPY'],
      grandTotal: ['2756', 'JPY'],
    });
    const listed = await add(id, 'TEE-S', 2);
    expect(listed).toMatchObject({ priceLocked: false, unitPrice: { amount: '2000', currency: 'JPY' }, lineTotal: { amount: '4000', currency: 'JPY' } });
    // (6005 + 500) × 10 % = 650.5 -> 651
    expect(await totals(id)).toEqual({
      subtotal: ['6005', 'JPY'],
      shipping: ['500', 'JPY'],
      tax: ['651', 'JPY'],
      grandTotal: ['7156', 'JPY'],
    });
  });

  it('JPY: 2^53 + 1 yen stay exact through the database and the API', async () => {
    const id = await createSelection(t, { marketCode: 'JP', pricelistCode: 'JPY', countryCode: 'JP' });
    // 9 × (10,000 × 10^11) + 10,000 × 719925474 + 993 = 9007199254740993, within every limit.
    for (let line = 0; line < 9; line++) {
      expect(await add(id, 'TEE-S', 10_000, '100000000000')).toMatchObject({ lineTotal: { amount: '1000000000000000' } });
    }
    expect(await add(id, 'TEE-S', 10_000, '719925474')).toMatchObject({ lineTotal: { amount: '7199254740000' } });
    expect(await add(id, 'TEE-S', 1, '993')).toMatchObject({ lineTotal: { amount: '993' } });
    expect(await totals(id)).toEqual({
      subtotal: ['9007199254740993', 'JPY'],
      shipping: ['500', 'JPY'],
      tax: ['900719925474149', 'JPY'],
      grandTotal: ['9907919180215642', 'JPY'],
    });
  });

  it('SEK: the largest unit price times the largest quantity stays exact', async () => {
    const id = await createSelection(t);
    const item = await add(id, 'TEE-S', 10_000, '1000000000.00');
    expect(item).toMatchObject({ unitPrice: { amount: '1000000000.00' }, lineTotal: { amount: '10000000000000.00' } });
    // (10^15 + 4900) / 4 = 250000000001225 öre
    expect(await totals(id)).toEqual({
      subtotal: ['10000000000000.00', 'SEK'],
      shipping: ['49.00', 'SEK'],
      tax: ['2500000000012.25', 'SEK'],
      grandTotal: ['12500000000061.25', 'SEK'],
    });
  });

  it('KWD: three fraction digits; 0 % tax is "0.000"; half a fils of tax rounds up', async () => {
    const id = await createSelection(t, { marketCode: 'KW', pricelistCode: 'KWD', countryCode: 'KW' });
    expect(await add(id, 'TEE-S', 1, '2.001')).toMatchObject({ unitPrice: { amount: '2.001', currency: 'KWD' } });
    expect(await add(id, 'TEE-M', 1, '2.001')).toMatchObject({ lineTotal: { amount: '2.001', currency: 'KWD' } });
    expect(await totals(id)).toEqual({
      subtotal: ['4.002', 'KWD'],
      shipping: ['1.250', 'KWD'],
      tax: ['0.000', 'KWD'],
      grandTotal: ['5.252', 'KWD'],
    });

    const setRate = async (rate: string) => {
      const result = await t.admin(ImportCatalog, { input: { taxRules: [{ countryCode: 'KW', rate }] } });
      expect(result.importCatalog.__typename).toBe('ImportCatalogSuccess');
    };
    await setRate('12.5');
    try {
      // (4.002 + 1.250) × 12.5 % = 0.6565 -> 0.657; per line 0.250 + 0.250 + 0.156 = 0.656;
      // banker's 0.656.
      expect(await totals(id)).toEqual({
        subtotal: ['4.002', 'KWD'],
        shipping: ['1.250', 'KWD'],
        tax: ['0.657', 'KWD'],
        grandTotal: ['5.909', 'KWD'],
      });
      const listed = await add(id, 'TEE-S', 3);
      expect(listed).toMatchObject({ priceLocked: false, unitPrice: { amount: '4.125', currency: 'KWD' }, lineTotal: { amount: '12.375', currency: 'KWD' } });
      // (16.377 + 1.250) × 12.5 % = 2.203375 -> 2.203
      expect(await totals(id)).toEqual({
        subtotal: ['16.377', 'KWD'],
        shipping: ['1.250', 'KWD'],
        tax: ['2.203', 'KWD'],
        grandTotal: ['19.830', 'KWD'],
      });
    } finally {
      await setRate('0');
    }
  });

  it.each([
    ['SE', 'SEK', 'SE', '1.005'],
    ['SE', 'SEK', 'SE', '0.001'],
    ['JP', 'JPY', 'JP', '1000.5'],
    ['JP', 'JPY', 'JP', '1000.0'],
    ['KW', 'KWD', 'KW', '1.0001'],
    ['KW', 'KWD', 'KW', '1.2500'],
  ])('refuses a custom price with more fraction digits than the currency (%s %s %s, %s)', async (marketCode, pricelistCode, countryCode, unitPrice) => {
    const id = await createSelection(t, { marketCode, pricelistCode, countryCode });
    const before = await rowCounts();
    const result = await t.admin(MoneyAddItem, { input: { selectionId: id, sku: 'TEE-S', quantity: 1, unitPrice } });
    expect(result.addSelectionItem).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', path: ['input', 'unitPrice'] });
    expect(await rowCounts()).toEqual(before);
    expect((await read(id)).items).toEqual([]);
  });

  it('refuses a custom price above 10^15 minor units and a negative one', async () => {
    const id = await createSelection(t);
    const before = await rowCounts();
    for (const unitPrice of ['10000000000000.01', '-1.00']) {
      const result = await t.admin(MoneyAddItem, { input: { selectionId: id, sku: 'TEE-S', quantity: 1, unitPrice } });
      expect(result.addSelectionItem).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', path: ['input', 'unitPrice'] });
    }
    expect(await rowCounts()).toEqual(before);
  });

  describe('ignoreShipping and ignoreTax', () => {
    let id: string;
    beforeAll(async () => {
      id = await createSelection(t);
      for (const sku of ['TEE-S', 'TEE-M', 'MUG']) await add(id, sku, 1, '10.02');
    });
    const ignore = (ignoreShipping: boolean, ignoreTax: boolean) =>
      db().selection.update({ where: { id }, data: { ignoreShipping, ignoreTax } });

    it('ignoreShipping: shipping is "0.00" and tax is on the subtotal alone', async () => {
      await ignore(true, false);
      expect(await read(id)).toMatchObject({ ignoreShipping: true, ignoreTax: false });
      // 30.06 × 25 % = 7.515 -> 7.52
      expect(await totals(id)).toEqual({
        subtotal: ['30.06', 'SEK'],
        shipping: ['0.00', 'SEK'],
        tax: ['7.52', 'SEK'],
        grandTotal: ['37.58', 'SEK'],
      });
    });

    it('ignoreTax: tax is "0.00", shipping stays', async () => {
      await ignore(false, true);
      expect(await read(id)).toMatchObject({ ignoreShipping: false, ignoreTax: true });
      expect(await totals(id)).toEqual({
        subtotal: ['30.06', 'SEK'],
        shipping: ['49.00', 'SEK'],
        tax: ['0.00', 'SEK'],
        grandTotal: ['79.06', 'SEK'],
      });
    });

    it('both: the grand total is the subtotal', async () => {
      await ignore(true, true);
      expect(await totals(id)).toEqual({
        subtotal: ['30.06', 'SEK'],
        shipping: ['0.00', 'SEK'],
        tax: ['0.00', 'SEK'],
        grandTotal: ['30.06', 'SEK'],
      });
    });

    it('neither: shipping and tax are back', async () => {
      await ignore(false, false);
      expect(await totals(id)).toEqual({
        subtotal: ['30.06', 'SEK'],
        shipping: ['49.00', 'SEK'],
        tax: ['19.77', 'SEK'],
        grandTotal: ['98.83', 'SEK'],
      });
    });

    it('in JPY and KWD, the ignored parts are "0" and "0.000"', async () => {
      const jp = await createSelection(t, { marketCode: 'JP', pricelistCode: 'JPY', countryCode: 'JP' });
      await add(jp, 'TEE-S', 1, '1005');
      await db().selection.update({ where: { id: jp }, data: { ignoreShipping: true, ignoreTax: true } });
      expect(await totals(jp)).toEqual({
        subtotal: ['1005', 'JPY'], shipping: ['0', 'JPY'], tax: ['0', 'JPY'], grandTotal: ['1005', 'JPY'],
      });
      await db().selection.update({ where: { id: jp }, data: { ignoreShipping: true, ignoreTax: false } });
      // 1005 × 10 % = 100.5 -> 101
      expect(await totals(jp)).toEqual({
        subtotal: ['1005', 'JPY'], shipping: ['0', 'JPY'], tax: ['101', 'JPY'], grandTotal: ['1106', 'JPY'],
      });
      const kw = await createSelection(t, { marketCode: 'KW', pricelistCode: 'KWD', countryCode: 'KW' });
      await add(kw, 'TEE-S', 1, '0.5');
      await db().selection.update({ where: { id: kw }, data: { ignoreShipping: true } });
      expect(await totals(kw)).toEqual({
        subtotal: ['0.500', 'KWD'], shipping: ['0.000', 'KWD'], tax: ['0.000', 'KWD'], grandTotal: ['0.500', 'KWD'],
      });
    });
  });
});
