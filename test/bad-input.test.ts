// Bad input on every mutation of the foundation. Each refusal is either a typed error in the
// field's result union (ValidationError with the offending field's path, NotFoundError, …) or
// a GraphQL error with no data; never a 5xx, never an internal message, and nothing written.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, print } from 'graphql';
import type { OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, asSession, startTestApp } from './helpers/app.js';
import type { GraphQLResponse, TestApp } from './helpers/app.js';
import { AddItem, CreateSelection, ImportCatalog, RemoveItem, SetCountry, SetCustomer, SetStatic, SetStock, UpdateItem } from './helpers/documents.js';
import { createSelection, databaseState, handToSession, seedCatalog } from './helpers/fixtures.js';

// ---------------------------------------------------------------- the app and its state

let t: TestApp;
/**
 * Every row once the setup is done. Nothing after it may write: each refusal compares the
 * database with this, so the first request that writes fails its test (and every test after it).
 */
let initial: Awaited<ReturnType<typeof databaseState>>;
/** Ids made in beforeAll; cases read them lazily. */
const f = {
  /** SE / SEK / SE, admin-owned: TEE-S × 2 at the list price, TEE-M × 2 at a custom price. */
  sel: '',
  listedItem: '',
  customItem: '',
  /** JP / JPY / JP, empty. */
  jpySel: '',
  /** Another admin selection with one line. */
  otherSel: '',
  otherItem: '',
  /** A selection owned by a storefront session. */
  sessionSel: '',
  sessionItem: '',
  token: '',
};
const UNKNOWN_UUID = '01890000-0000-7000-8000-000000000000';
const LONG = 'A'.repeat(10_000);

beforeAll(async () => {
  t = await startTestApp();
  await seedCatalog(t);
  const add = async (selectionId: string, sku: string, quantity: number, unitPrice?: string) => {
    const result = await t.admin(AddItem, { input: { selectionId, sku, quantity, unitPrice } });
    if (result.addSelectionItem.__typename !== 'AddSelectionItemSuccess') throw new Error(JSON.stringify(result.addSelectionItem));
    return result.addSelectionItem.item.id;
  };
  f.sel = await createSelection(t);
  f.listedItem = await add(f.sel, 'TEE-S', 2);
  f.customItem = await add(f.sel, 'TEE-M', 2, '100.00');
  f.jpySel = await createSelection(t, { marketCode: 'JP', pricelistCode: 'JPY', countryCode: 'JP' });
  f.otherSel = await createSelection(t, { countryCode: 'NO', customerEmail: 'other@example.com' });
  f.otherItem = await add(f.otherSel, 'MUG', 1);
  const sessionOriginal = await createSelection(t);
  await add(sessionOriginal, 'TEE-S', 1);
  const held = await handToSession(t, sessionOriginal);
  [f.sessionSel, f.sessionItem, f.token] = [held.selectionId, held.itemIds[0]!, held.token];
  const stat = await t.admin(SetStatic, { input: { name: 'payment_link', content: 'https://store.example/selection/%basket%/%hash%' } });
  if (stat.setStatic.__typename !== 'SetStaticSuccess') throw new Error(JSON.stringify(stat.setStatic));
  initial = await databaseState();
});
afterAll(() => t?.stop());

// ---------------------------------------------------------------- sending and checking

const ENDPOINT = 'http://linkcart.test/graphql';
type Headers = Record<string, string>;
type Body = GraphQLResponse<Record<string, unknown>>;

async function post(body: string, headers: Headers, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  const response = await t.app.yoga.fetch(ENDPOINT, {
    method: 'POST',
    headers: { 'content-type': contentType, accept: 'application/graphql-response+json', ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** No internal detail in what the client sees: no ORM or SQL text, no stack, no source files. */
function expectNoLeak(text: string) {
  expect(text).not.toMatch(/prisma|\bsql\b|stack|node_modules|\.ts:\d+|\bat \S+ \(/i);
  // A masked unexpected error means bad input crashed a resolver instead of being refused.
  expect(text).not.toContain('Unexpected error');
}

type Expected =
  | { typename: 'ValidationError'; path: string[] }
  | { typename: 'NotFoundError' | 'ForbiddenError' | 'ShippingUnavailableError' | 'SelectionStateError'; code?: string; countryCode?: string }
  | 'graphql-error';

const codeOf: Record<string, string> = {
  ValidationError: 'VALIDATION',
  NotFoundError: 'NOT_FOUND',
  ForbiddenError: 'FORBIDDEN',
  ShippingUnavailableError: 'SHIPPING_UNAVAILABLE',
};

function fieldOf(document: TypedDocumentNode<unknown, never>): string {
  const operation = document.definitions[0] as OperationDefinitionNode;
  const selection = operation.selectionSet.selections[0];
  if (!selection || selection.kind !== Kind.FIELD) throw new Error('unexpected document');
  return selection.name.value;
}

const validation = (...path: string[]): Expected => ({ typename: 'ValidationError', path: ['input', ...path] });
const notFound: Expected = { typename: 'NotFoundError' };
const forbidden: Expected = { typename: 'ForbiddenError' };
const shippingUnavailable = (countryCode: string): Expected => ({ typename: 'ShippingUnavailableError', countryCode });
const graphqlError = 'graphql-error' as const;

/**
 * Sends `document` with `variables` (any JSON, well-typed or not) and checks the refusal:
 * the expected typed error or a GraphQL error without data, no 5xx, no leak, nothing written.
 */
async function expectRefused(
  document: TypedDocumentNode<unknown, never>,
  variables: unknown,
  expected: Expected,
  headers: Headers = asAdmin,
) {
  const field = fieldOf(document);
  const label = JSON.stringify(variables).slice(0, 200);
  const { status, text } = await post(JSON.stringify({ query: print(document), variables }), headers);
  expect(status, label).toBeLessThan(500);
  expectNoLeak(text);
  const body = JSON.parse(text) as Body;
  if (expected === graphqlError) {
    expect(body.errors?.length, label).toBeGreaterThan(0);
    expect(body.data?.[field] ?? null, label).toBeNull();
  } else {
    expect(body.errors, label).toBeUndefined();
    const result = body.data?.[field] as { __typename: string; code: string; message: string; path?: string[] };
    expect(result, label).toMatchObject({
      __typename: expected.typename,
      ...('code' in expected && expected.code ? { code: expected.code } : { code: codeOf[expected.typename] }),
      ...('path' in expected && { path: expected.path }),
      ...('countryCode' in expected && { countryCode: expected.countryCode }),
    });
    expect(result.message.length, label).toBeGreaterThan(0);
    // The message explains; it does not echo a huge input back.
    expect(result.message.length, label).toBeLessThanOrEqual(300);
  }
  expect(await databaseState(), label).toEqual(initial);
}

// ---------------------------------------------------------------- generated malformed values

/** Not a code or SKU (1–64 of letters, digits, ".", "_", "-", starting with a letter or digit). */
const badCodes = ['', ' ', ' W1', 'W1 ', 'W 1', '-W1', '.W1', '_W1', 'W/1', 'W1\u0000', 'W1\n', 'W\u0007', 'Wé', 'W1;', '\u202eW1', '😀', 'A'.repeat(65), LONG];
/** Not an ISO-3166 alpha-2 country. */
const badCountries = ['', 'S', 'se', 'Se', 'SWE', 'XX', 'QQ', 'EU', 'UK', 'ZZ', '12', ' SE', 'SE ', 'S\u0000', 'SE\n', LONG];
const badEmails = ['', ' ', 'a', 'a@', '@example.com', 'a@b', 'a b@example.com', 'a@@example.com', 'a@example.com\u0000', 'a\u0007@example.com', `${'a'.repeat(250)}@b.se`, LONG];
/** Display names: empty, too long, or with control characters. */
const badNames = (max: number) => ['', '   ', 'A'.repeat(max + 1), LONG, 'a\u0000b', 'a\nb', 'a\tb', 'a\rb', 'a\u007fb', 'a\u0085b', '\u001b[31mred'];
/** Line quantities the services refuse: 1 to 10,000 only. */
const badLineQuantities = [0, -1, 10_001, 2_147_483_647, -2_147_483_648];
/** Stock quantities the services refuse: 0 to 1,000,000,000 only. */
const badStockQuantities = [-1, 1_000_000_001, 2_147_483_647, -2_147_483_648];
/** Not an Int at all: GraphQL refuses them before any resolver. */
const notInts: unknown[] = [2_147_483_648, -2_147_483_649, 1e10, 1.5, '1', '', true, [1], { n: 1 }];
/** Not a Decimal: GraphQL refuses them before any resolver. */
const notDecimals: unknown[] = ['1,5', '1e3', '', ' 1', '1 ', '--1', '+1', '1.', '.5', '0x10', 'NaN', 'Infinity', '1.2.3', '١٢', '1'.repeat(31), 1.5, 150, true, ['1'], {}];
/** Decimals with more fraction digits than SEK has, negative, or too large. */
const badSekAmounts = ['1.001', '0.000', '149.005', '-1', '-0.01', '10000000000000.01', '9'.repeat(30)];
/** Ids that name no selection or item. */
const badIds = [UNKNOWN_UUID, 'abc', '', ' ', '0', LONG, `${UNKNOWN_UUID}\u0000`, 'x\'; --'];

/** A short, readable test name for a value; `it.each` gets [label, value] pairs. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 24)}… (${text.length} chars)` : text;
}
const each = <T>(values: readonly T[]) => values.map((value) => [show(value), value] as const);

// ---------------------------------------------------------------- importCatalog

describe('importCatalog', () => {
  const variant = (extra: Record<string, unknown> = {}) => ({ sku: 'NEW-1', name: 'New', ...extra });
  const product = (v: Record<string, unknown>) => ({ input: { products: [{ code: 'NEW', name: 'New', variants: [v] }] } });
  const market = (extra: Record<string, unknown>) => ({ input: { markets: [{ code: 'M9', name: 'M', countries: ['SE'], warehouseCodes: ['W1'], ...extra }] } });
  const shipping = (extra: Record<string, unknown>) => ({ input: { shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', amount: '10.00', ...extra }] } });
  const tax = (extra: Record<string, unknown>) => ({ input: { taxRules: [{ countryCode: 'SE', rate: '20', ...extra }] } });

  it.each(each(badCodes))('refuses the warehouse code %s', (_label, code) =>
    expectRefused(ImportCatalog, { input: { warehouses: [{ code, name: 'X' }] } }, validation('warehouses', '0', 'code')));

  it.each(each(badNames(200)))('refuses the warehouse name %s', (_label, name) =>
    expectRefused(ImportCatalog, { input: { warehouses: [{ code: 'W1', name }] } }, validation('warehouses', '0', 'name')));

  it.each(each(['', 'sek', 'SEKK', 'SE', 'ABC', 'XXX', 'S1K', 'SE\u0000', LONG]))('refuses the currency %s', (_label, currency) =>
    expectRefused(ImportCatalog, { input: { pricelists: [{ code: 'P9', name: 'P', currency }] } }, validation('pricelists', '0', 'currency')));

  it('refuses to change a pricelist\'s currency', () =>
    expectRefused(ImportCatalog, { input: { pricelists: [{ code: 'SEK', name: 'Sweden retail', currency: 'EUR' }] } }, validation('pricelists', '0', 'currency')));

  it.each(each(badCountries))('refuses the market country %s', (_label, country) =>
    expectRefused(ImportCatalog, market({ countries: ['SE', country] }), validation('markets', '0', 'countries', '1')));

  it('refuses an unknown warehouse in a market', () =>
    expectRefused(ImportCatalog, market({ warehouseCodes: ['W1', 'NOPE'] }), validation('markets', '0', 'warehouseCodes', '1')));

  it('refuses a country named twice in a market, naming the second', () =>
    expectRefused(ImportCatalog, market({ countries: ['SE', 'SE'] }), validation('markets', '0', 'countries', '1')));

  it('refuses a warehouse named twice in a market, naming the second', () =>
    expectRefused(ImportCatalog, market({ warehouseCodes: ['W1', 'W1'] }), validation('markets', '0', 'warehouseCodes', '1')));

  it.each(each(badCodes))('refuses the SKU %s', (_label, sku) =>
    expectRefused(ImportCatalog, product(variant({ sku })), validation('products', '0', 'variants', '0', 'sku')));

  it.each(each(badNames(200)))('refuses the variant name %s', (_label, name) =>
    expectRefused(ImportCatalog, product(variant({ name })), validation('products', '0', 'variants', '0', 'name')));

  it('refuses a SKU that belongs to another product', () =>
    expectRefused(ImportCatalog, { input: { products: [{ code: 'MUG', name: 'Mug', variants: [{ sku: 'TEE-S', name: 'x' }] }] } }, validation('products', '0', 'variants', '0', 'sku')));

  it.each(each(badSekAmounts))('refuses the SEK price %s', (_label, amount) =>
    expectRefused(ImportCatalog, product(variant({ prices: [{ pricelistCode: 'SEK', amount }] })), validation('products', '0', 'variants', '0', 'prices', '0', 'amount')));

  it.each([['JPY', '2000.5'], ['JPY', '1.0'], ['KWD', '4.1251'], ['KWD', '0.0000']])('refuses the %s price %j', (pricelistCode, amount) =>
    expectRefused(ImportCatalog, product(variant({ prices: [{ pricelistCode, amount }] })), validation('products', '0', 'variants', '0', 'prices', '0', 'amount')));

  it.each(each(notDecimals))('refuses the price %s as a GraphQL error', (_label, amount) =>
    expectRefused(ImportCatalog, product(variant({ prices: [{ pricelistCode: 'SEK', amount }] })), graphqlError));

  it('refuses an unknown pricelist in a price', () =>
    expectRefused(ImportCatalog, product(variant({ prices: [{ pricelistCode: 'NOPE', amount: '1.00' }] })), validation('products', '0', 'variants', '0', 'prices', '0', 'pricelistCode')));

  it.each(each(badStockQuantities))('refuses the stock quantity %s', (_label, quantity) =>
    expectRefused(ImportCatalog, product(variant({ stock: [{ warehouseCode: 'W1', quantity }] })), validation('products', '0', 'variants', '0', 'stock', '0', 'quantity')));

  it.each(each(notInts))('refuses the stock quantity %s as a GraphQL error', (_label, quantity) =>
    expectRefused(ImportCatalog, product(variant({ stock: [{ warehouseCode: 'W1', quantity }] })), graphqlError));

  it('refuses an unknown warehouse in stock', () =>
    expectRefused(ImportCatalog, product(variant({ stock: [{ warehouseCode: 'NOPE', quantity: 1 }] })), validation('products', '0', 'variants', '0', 'stock', '0', 'warehouseCode')));

  it.each(each(badSekAmounts))('refuses the shipping amount %s', (_label, amount) =>
    expectRefused(ImportCatalog, shipping({ amount }), validation('shipping', '0', 'amount')));

  it('refuses a JPY shipping amount with a fraction', () =>
    expectRefused(ImportCatalog, shipping({ marketCode: 'JP', pricelistCode: 'JPY', countryCode: 'JP', amount: '500.5' }), validation('shipping', '0', 'amount')));

  it.each([
    ['an unknown market', { marketCode: 'NOPE' }, 'marketCode'],
    ['an unknown pricelist', { pricelistCode: 'NOPE' }, 'pricelistCode'],
    ['a country the market does not serve', { countryCode: 'US' }, 'countryCode'],
    ['no country', { countryCode: 'XX' }, 'countryCode'],
    ['a 10,000-character market code', { marketCode: LONG }, 'marketCode'],
  ])('refuses shipping with %s', (_name, extra, field) =>
    expectRefused(ImportCatalog, shipping(extra), validation('shipping', '0', field)));

  it.each(each(['25.00001', '-1', '-0.0001', '100.0001', '101', '1'.repeat(30)]))('refuses the tax rate %s', (_label, rate) =>
    expectRefused(ImportCatalog, tax({ rate }), validation('taxRules', '0', 'rate')));

  it.each(each(notDecimals))('refuses the tax rate %s as a GraphQL error', (_label, rate) =>
    expectRefused(ImportCatalog, tax({ rate }), graphqlError));

  it.each(each(badCountries))('refuses the tax country %s', (_label, countryCode) =>
    expectRefused(ImportCatalog, tax({ countryCode }), validation('taxRules', '0', 'countryCode')));

  it('refuses more than 1,000 entries in a list', () =>
    expectRefused(
      ImportCatalog,
      { input: { warehouses: Array.from({ length: 1001 }, (_, i) => ({ code: `WX${i}`, name: 'X' })) } },
      validation('warehouses'),
    ));

  it('writes nothing when one entry of a larger import is bad', () =>
    expectRefused(
      ImportCatalog,
      {
        input: {
          warehouses: [{ code: 'W9', name: 'New warehouse' }],
          pricelists: [{ code: 'EUR', name: 'Euro', currency: 'EUR' }],
          markets: [{ code: 'EU9', name: 'Europe', countries: ['DE'], warehouseCodes: ['W9'] }],
          products: [{ code: 'NEW', name: 'New', variants: [{ sku: 'NEW-1', name: 'New', prices: [{ pricelistCode: 'EUR', amount: '1.00' }], stock: [{ warehouseCode: 'W9', quantity: 5 }] }] }],
          shipping: [{ marketCode: 'EU9', pricelistCode: 'EUR', countryCode: 'DE', amount: '5.00' }],
          taxRules: [{ countryCode: 'DE', rate: '19' }, { countryCode: 'SE', rate: '250' }],
        },
      },
      validation('taxRules', '1', 'rate'),
    ));

  it.each([
    ['a missing name', { warehouses: [{ code: 'W9' }] }],
    ['a null entry', { warehouses: [null] }],
    ['a string for an entry', { warehouses: ['W9'] }],
    ['a missing variants list', { products: [{ code: 'NEW', name: 'New' }] }],
    ['an unknown field', { warehouses: [{ code: 'W9', name: 'X', extra: 1 }] }],
    ['a number for a code', { warehouses: [{ code: 9, name: 'X' }] }],
    ['a null currency', { pricelists: [{ code: 'P9', name: 'P', currency: null }] }],
  ])('refuses %s as a GraphQL error', (_name, input) =>
    expectRefused(ImportCatalog, { input }, graphqlError));

  it('refuses a missing or null input as a GraphQL error', async () => {
    await expectRefused(ImportCatalog, {}, graphqlError);
    await expectRefused(ImportCatalog, { input: null }, graphqlError);
    await expectRefused(ImportCatalog, { input: 'everything' }, graphqlError);
  });

  it('refuses callers that are not admins', async () => {
    const input = { input: { warehouses: [{ code: 'W9', name: 'X' }] } };
    await expectRefused(ImportCatalog, input, forbidden, asSession(f.token));
    await expectRefused(ImportCatalog, input, forbidden, {});
    await expectRefused(ImportCatalog, input, graphqlError, { authorization: 'Bearer not-the-key' });
  });
});

// ---------------------------------------------------------------- setStock

describe('setStock', () => {
  const input = (extra: Record<string, unknown>) => ({ input: { sku: 'TEE-S', warehouseCode: 'W1', quantity: 7, ...extra } });

  it.each(each(badStockQuantities))('refuses the quantity %s', (_label, quantity) =>
    expectRefused(SetStock, input({ quantity }), validation('quantity')));

  it.each(each(notInts))('refuses the quantity %s as a GraphQL error', (_label, quantity) =>
    expectRefused(SetStock, input({ quantity }), graphqlError));

  it.each(each(badCodes))('refuses the SKU %s', (_label, sku) => expectRefused(SetStock, input({ sku }), validation('sku')));

  it.each(each(badCodes))('refuses the warehouse code %s', (_label, warehouseCode) =>
    expectRefused(SetStock, input({ warehouseCode }), validation('warehouseCode')));

  it('answers NOT_FOUND for an unknown SKU or warehouse', async () => {
    await expectRefused(SetStock, input({ sku: 'NOPE' }), notFound);
    await expectRefused(SetStock, input({ warehouseCode: 'NOPE' }), notFound);
  });

  it.each([
    ['no quantity', { sku: 'TEE-S', warehouseCode: 'W1' }],
    ['no sku', { warehouseCode: 'W1', quantity: 1 }],
    ['a null sku', { sku: null, warehouseCode: 'W1', quantity: 1 }],
    ['a number for the sku', { sku: 5, warehouseCode: 'W1', quantity: 1 }],
  ])('refuses %s as a GraphQL error', (_name, value) => expectRefused(SetStock, { input: value }, graphqlError));

  it('refuses callers that are not admins', async () => {
    await expectRefused(SetStock, input({}), forbidden, asSession(f.token));
    await expectRefused(SetStock, input({}), forbidden, {});
  });
});

// ---------------------------------------------------------------- createSelection

describe('createSelection', () => {
  const input = (extra: Record<string, unknown>) => ({ input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', ...extra } });

  it.each(each(badCodes))('refuses the market code %s', (_label, marketCode) =>
    expectRefused(CreateSelection, input({ marketCode }), validation('marketCode')));

  it.each(each(badCodes))('refuses the pricelist code %s', (_label, pricelistCode) =>
    expectRefused(CreateSelection, input({ pricelistCode }), validation('pricelistCode')));

  it.each(each(badCountries))('refuses the country %s', (_label, countryCode) =>
    expectRefused(CreateSelection, input({ countryCode }), validation('countryCode')));

  it.each(each(badEmails))('refuses the customer e-mail %s', (_label, customerEmail) =>
    expectRefused(CreateSelection, input({ customerEmail }), validation('customerEmail')));

  it('answers NOT_FOUND for an unknown market or pricelist', async () => {
    await expectRefused(CreateSelection, input({ marketCode: 'NOPE' }), notFound);
    await expectRefused(CreateSelection, input({ pricelistCode: 'NOPE' }), notFound);
  });

  it.each([
    ['DK', {}], // served by the market, no shipping price
    ['US', {}], // a real country the market does not serve
    ['JP', {}], // served by another market
    ['JP', { marketCode: 'JP' }], // the JP market has no SEK shipping price
  ])('answers SHIPPING_UNAVAILABLE for %s (%j)', (countryCode, extra) =>
    expectRefused(CreateSelection, input({ countryCode, ...extra }), shippingUnavailable(countryCode)));

  it.each([
    ['no country', { marketCode: 'SE', pricelistCode: 'SEK' }],
    ['a null market', { marketCode: null, pricelistCode: 'SEK', countryCode: 'SE' }],
    ['a number for the e-mail', { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', customerEmail: 5 }],
    ['a list for the country', { marketCode: 'SE', pricelistCode: 'SEK', countryCode: ['SE', 'NO'] }],
  ])('refuses %s as a GraphQL error', (_name, value) => expectRefused(CreateSelection, { input: value }, graphqlError));

  it('refuses callers that are not admins', async () => {
    await expectRefused(CreateSelection, input({}), forbidden, asSession(f.token));
    await expectRefused(CreateSelection, input({}), forbidden, {});
  });
});

// ---------------------------------------------------------------- addSelectionItem

describe('addSelectionItem', () => {
  const input = (extra: Record<string, unknown>) => ({ input: { selectionId: f.sel, sku: 'MUG', quantity: 1, ...extra } });

  it.each(each(badLineQuantities))('refuses the quantity %s', (_label, quantity) =>
    expectRefused(AddItem, input({ quantity }), validation('quantity')));

  it.each(each(badLineQuantities))('refuses the quantity %s with a custom price', (_label, quantity) =>
    expectRefused(AddItem, input({ quantity, unitPrice: '1.00' }), validation('quantity')));

  it.each(each(notInts))('refuses the quantity %s as a GraphQL error', (_label, quantity) =>
    expectRefused(AddItem, input({ quantity }), graphqlError));

  it('refuses units that would take a line past 10,000', () =>
    // The TEE-S line has 2 units at the list price.
    expectRefused(AddItem, input({ sku: 'TEE-S', quantity: 9_999 }), validation('quantity')));

  it.each(each(badCodes))('refuses the SKU %s', (_label, sku) => expectRefused(AddItem, input({ sku }), validation('sku')));

  it('answers NOT_FOUND for an unknown SKU', () => expectRefused(AddItem, input({ sku: 'NOPE' }), notFound));

  it('refuses a SKU without a price in the selection\'s pricelist', () =>
    expectRefused(AddItem, input({ selectionId: f.jpySel, sku: 'MUG' }), validation('sku')));

  it.each(each(badIds))('answers NOT_FOUND for the selection id %s', (_label, selectionId) =>
    expectRefused(AddItem, input({ selectionId }), notFound));

  it.each(each(badSekAmounts))('refuses the custom SEK price %s', (_label, unitPrice) =>
    expectRefused(AddItem, input({ unitPrice }), validation('unitPrice')));

  it.each(each(['1.5', '2000.0', '0.1']))('refuses the custom JPY price %s', (_label, unitPrice) =>
    expectRefused(AddItem, input({ selectionId: f.jpySel, sku: 'TEE-S', unitPrice }), validation('unitPrice')));

  it.each(each(notDecimals))('refuses the custom price %s as a GraphQL error', (_label, unitPrice) =>
    expectRefused(AddItem, input({ unitPrice }), graphqlError));

  it('refuses a custom price from a storefront session', () =>
    expectRefused(AddItem, input({ selectionId: f.sessionSel, unitPrice: '1.00' }), forbidden, asSession(f.token)));

  it('answers NOT_FOUND when a session adds to a selection it does not own', () =>
    expectRefused(AddItem, input({}), notFound, asSession(f.token)));

  it('refuses anonymous callers', () => expectRefused(AddItem, input({}), forbidden, {}));

  it.each([
    ['no selection id', { sku: 'MUG', quantity: 1 }],
    ['no quantity', { selectionId: UNKNOWN_UUID, sku: 'MUG' }],
    ['a boolean id', { selectionId: true, sku: 'MUG', quantity: 1 }],
    ['a fractional id', { selectionId: 1.5, sku: 'MUG', quantity: 1 }],
    ['an object for the SKU', { selectionId: UNKNOWN_UUID, sku: { sku: 'MUG' }, quantity: 1 }],
  ])('refuses %s as a GraphQL error', (_name, value) => expectRefused(AddItem, { input: value }, graphqlError));
});

// ---------------------------------------------------------------- updateSelectionItem

describe('updateSelectionItem', () => {
  const input = (extra: Record<string, unknown>) => ({ input: { selectionId: f.sel, itemId: f.listedItem, ...extra } });

  it.each(each(badLineQuantities))('refuses the quantity %s', (_label, quantity) =>
    expectRefused(UpdateItem, input({ quantity }), validation('quantity')));

  it.each(each(notInts))('refuses the quantity %s as a GraphQL error', (_label, quantity) =>
    expectRefused(UpdateItem, input({ quantity }), graphqlError));

  it('refuses a change with neither quantity nor price', async () => {
    await expectRefused(UpdateItem, input({}), validation());
    await expectRefused(UpdateItem, input({ quantity: null, unitPrice: null }), validation());
  });

  it.each(each(badIds))('answers NOT_FOUND for the item id %s', (_label, itemId) =>
    expectRefused(UpdateItem, input({ itemId, quantity: 1 }), notFound));

  it('answers NOT_FOUND for an item of another selection', () =>
    expectRefused(UpdateItem, input({ itemId: f.otherItem, quantity: 1 }), notFound));

  it.each(each(badIds))('answers NOT_FOUND for the selection id %s', (_label, selectionId) =>
    expectRefused(UpdateItem, input({ selectionId, quantity: 1 }), notFound));

  it.each(each(badSekAmounts))('refuses the custom price %s', (_label, unitPrice) =>
    expectRefused(UpdateItem, input({ unitPrice }), validation('unitPrice')));

  it.each(each(notDecimals))('refuses the custom price %s as a GraphQL error', (_label, unitPrice) =>
    expectRefused(UpdateItem, input({ unitPrice }), graphqlError));

  it('refuses more units on a custom-priced line', () =>
    expectRefused(UpdateItem, input({ itemId: f.customItem, quantity: 3 }), { typename: 'SelectionStateError', code: 'PRICE_LOCKED' }));

  it('refuses a custom price from a storefront session', () =>
    expectRefused(
      UpdateItem,
      { input: { selectionId: f.sessionSel, itemId: f.sessionItem, unitPrice: '1.00' } },
      forbidden,
      asSession(f.token),
    ));

  it('answers NOT_FOUND when a session changes a selection it does not own', () =>
    expectRefused(UpdateItem, input({ quantity: 1 }), notFound, asSession(f.token)));

  it('refuses anonymous callers', () => expectRefused(UpdateItem, input({ quantity: 1 }), forbidden, {}));

  it.each([
    ['no item id', { selectionId: UNKNOWN_UUID, quantity: 1 }],
    ['a null selection id', { selectionId: null, itemId: UNKNOWN_UUID, quantity: 1 }],
    ['a list for the quantity', { selectionId: UNKNOWN_UUID, itemId: UNKNOWN_UUID, quantity: [1, 2] }],
  ])('refuses %s as a GraphQL error', (_name, value) => expectRefused(UpdateItem, { input: value }, graphqlError));
});

// ---------------------------------------------------------------- removeSelectionItem

describe('removeSelectionItem', () => {
  const input = (extra: Record<string, unknown>) => ({ input: { selectionId: f.sel, itemId: f.listedItem, ...extra } });

  it.each(each(badIds))('answers NOT_FOUND for the item id %s', (_label, itemId) =>
    expectRefused(RemoveItem, input({ itemId }), notFound));

  it.each(each(badIds))('answers NOT_FOUND for the selection id %s', (_label, selectionId) =>
    expectRefused(RemoveItem, input({ selectionId }), notFound));

  it('answers NOT_FOUND for an item of another selection', () =>
    expectRefused(RemoveItem, input({ itemId: f.otherItem }), notFound));

  it('answers NOT_FOUND for an integer id', () => expectRefused(RemoveItem, input({ itemId: 123 }), notFound));

  it('answers NOT_FOUND when a session removes from a selection it does not own', () =>
    expectRefused(RemoveItem, input({}), notFound, asSession(f.token)));

  it('refuses anonymous callers', () => expectRefused(RemoveItem, input({}), forbidden, {}));

  it.each([
    ['no item id', { selectionId: UNKNOWN_UUID }],
    ['a boolean item id', { selectionId: UNKNOWN_UUID, itemId: true }],
    ['a fractional item id', { selectionId: UNKNOWN_UUID, itemId: 1.5 }],
    ['a list of ids', { selectionId: UNKNOWN_UUID, itemId: [UNKNOWN_UUID] }],
  ])('refuses %s as a GraphQL error', (_name, value) => expectRefused(RemoveItem, { input: value }, graphqlError));
});

// ---------------------------------------------------------------- setShippingCountry

describe('setShippingCountry', () => {
  const input = (extra: Record<string, unknown>) => ({ input: { selectionId: f.sel, countryCode: 'NO', ...extra } });

  it.each(each(badCountries))('refuses the country %s', (_label, countryCode) =>
    expectRefused(SetCountry, input({ countryCode }), validation('countryCode')));

  it.each(['DK', 'US', 'JP'])('answers SHIPPING_UNAVAILABLE for %s', (countryCode) =>
    expectRefused(SetCountry, input({ countryCode }), shippingUnavailable(countryCode)));

  it.each(each(badIds))('answers NOT_FOUND for the selection id %s', (_label, selectionId) =>
    expectRefused(SetCountry, input({ selectionId }), notFound));

  it('answers NOT_FOUND when a session changes a selection it does not own', () =>
    expectRefused(SetCountry, input({}), notFound, asSession(f.token)));

  it('refuses anonymous callers', () => expectRefused(SetCountry, input({}), forbidden, {}));

  it.each([
    ['no country', { selectionId: UNKNOWN_UUID }],
    ['a number for the country', { selectionId: UNKNOWN_UUID, countryCode: 46 }],
    ['a null country', { selectionId: UNKNOWN_UUID, countryCode: null }],
  ])('refuses %s as a GraphQL error', (_name, value) => expectRefused(SetCountry, { input: value }, graphqlError));
});

// ---------------------------------------------------------------- setCustomer

describe('setCustomer', () => {
  const input = (extra: Record<string, unknown>) => ({ input: { selectionId: f.sel, email: 'new.customer@example.com', ...extra } });

  it.each(each(badEmails))('refuses the e-mail %s', (_label, email) => expectRefused(SetCustomer, input({ email }), validation('email')));

  it.each(each(badNames(100)))('refuses the first name %s', (_label, firstName) =>
    expectRefused(SetCustomer, input({ firstName }), validation('firstName')));

  it.each(each(badNames(100)))('refuses the last name %s', (_label, lastName) =>
    expectRefused(SetCustomer, input({ lastName }), validation('lastName')));

  it.each(each(badIds))('answers NOT_FOUND for the selection id %s, creating no customer', (_label, selectionId) =>
    expectRefused(SetCustomer, input({ selectionId }), notFound));

  it('answers NOT_FOUND when a session changes a selection it does not own', () =>
    expectRefused(SetCustomer, input({}), notFound, asSession(f.token)));

  it('refuses anonymous callers', () => expectRefused(SetCustomer, input({}), forbidden, {}));

  it.each([
    ['no e-mail', { selectionId: UNKNOWN_UUID }],
    ['a number for the e-mail', { selectionId: UNKNOWN_UUID, email: 5 }],
    ['a list for the first name', { selectionId: UNKNOWN_UUID, email: 'a@example.com', firstName: ['A'] }],
  ])('refuses %s as a GraphQL error', (_name, value) => expectRefused(SetCustomer, { input: value }, graphqlError));
});

// ---------------------------------------------------------------- setStatic

describe('setStatic', () => {
  const input = (extra: Record<string, unknown>) => ({ input: { name: 'greeting', content: 'Hello', ...extra } });

  it.each(each(badCodes))('refuses the name %s', (_label, name) => expectRefused(SetStatic, input({ name }), validation('name')));

  it.each(each(['A'.repeat(2_001), LONG, 'a\u0000b', 'a\u0007b', '\u001b[31mred', 'a\u007fb', 'a\u000bb']))(
    'refuses the content %s',
    (_label, content) => expectRefused(SetStatic, input({ content }), validation('content')),
  );

  it.each(each([
    '',
    'https://store.example/selection/%basket%',
    'https://store.example/selection/%hash%',
    'https://store.example/selection/basket/hash',
    'javascript:alert(1)//%basket%/%hash%',
    'ftp://store.example/%basket%/%hash%',
    'https://store.example/%basket%/ %hash%',
    '/selection/%basket%/%hash%',
    `https://store.example/%basket%/%hash%/${'a'.repeat(2_000)}`,
  ]))('refuses the payment_link template %s', (_label, content) =>
    expectRefused(SetStatic, input({ name: 'payment_link', content }), validation('content')));

  it('refuses callers that are not admins', async () => {
    await expectRefused(SetStatic, input({}), forbidden, asSession(f.token));
    await expectRefused(SetStatic, input({}), forbidden, {});
  });

  it.each([
    ['no content', { name: 'greeting' }],
    ['a null name', { name: null, content: 'x' }],
    ['a number for the content', { name: 'greeting', content: 5 }],
    ['an object for the content', { name: 'greeting', content: { text: 'x' } }],
  ])('refuses %s as a GraphQL error', (_name, value) => expectRefused(SetStatic, { input: value }, graphqlError));
});

// ---------------------------------------------------------------- documents and HTTP bodies

describe('malformed documents and bodies', () => {
  /** Posts a raw body and checks: no 5xx, no leak, GraphQL errors if JSON, nothing written. */
  async function expectRawRefused(body: string, contentType = 'application/json', headers: Headers = asAdmin) {
    const { status, text } = await post(body, headers, contentType);
    expect(status, body.slice(0, 100)).toBeGreaterThanOrEqual(400);
    expect(status, body.slice(0, 100)).toBeLessThan(500);
    expectNoLeak(text);
    if (text.length > 0) {
      const parsed = JSON.parse(text) as Body;
      expect(parsed.errors?.length).toBeGreaterThan(0);
      expect(parsed.data ?? null).toBeNull();
    }
    expect(await databaseState()).toEqual(initial);
  }

  const setStatic = 'mutation { setStatic(input: { name: "raw", content: "written" }) { __typename } }';

  it.each([
    ['invalid JSON', '{"query": "mutation {'],
    ['an empty body', ''],
    ['null', 'null'],
    ['a batch', JSON.stringify([{ query: setStatic }])],
    ['a number for the query', '{"query": 5}'],
    ['no query', '{"variables": {}}'],
    ['a string for the variables', JSON.stringify({ query: setStatic, variables: 'x' })],
    ['a syntax error', JSON.stringify({ query: 'mutation { setStatic(input: {' })],
    ['an unknown field', JSON.stringify({ query: 'mutation { dropEverything }' })],
    ['an unknown operation name', JSON.stringify({ query: setStatic, operationName: 'Nope' })],
    ['an enum value where a String goes', JSON.stringify({ query: 'mutation { setStatic(input: { name: payment_link, content: "x" }) { __typename } }' })],
    ['an unknown enum value (literal)', JSON.stringify({ query: '{ linkEvents(types: [NOPE]) { id } }' })],
    ['an unknown enum value (variable)', JSON.stringify({ query: 'query BadEnum($t: [LinkEventType!]) { linkEvents(types: $t) { id } }', variables: { t: ['NOPE'] } })],
    ['an enum value in lower case', JSON.stringify({ query: 'query BadEnum($t: [LinkEventType!]) { linkEvents(types: $t) { id } }', variables: { t: ['claimed'] } })],
    ['an Int literal past 32 bits', JSON.stringify({ query: 'mutation { setStock(input: { sku: "TEE-S", warehouseCode: "W1", quantity: 2147483648 }) { __typename } }' })],
    ['a number literal for a Decimal', JSON.stringify({ query: 'mutation { importCatalog(input: { taxRules: [{ countryCode: "SE", rate: 20 }] }) { __typename } }' })],
    ['a malformed Decimal literal', JSON.stringify({ query: 'mutation { importCatalog(input: { taxRules: [{ countryCode: "SE", rate: "2e1" }] }) { __typename } }' })],
  ])('refuses %s', (_name, body) => expectRawRefused(body));

  it('does not run a mutation sent as text/plain or without a content type', async () => {
    await expectRawRefused(JSON.stringify({ query: setStatic }), 'text/plain');
    await expectRawRefused(JSON.stringify({ query: setStatic }), '');
  });

  it('does not run a mutation sent with GET', async () => {
    const response = await t.app.yoga.fetch(`${ENDPOINT}?query=${encodeURIComponent(setStatic)}`, { method: 'GET', headers: asAdmin });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expectNoLeak(await response.text());
    expect(await databaseState()).toEqual(initial);
  });

  it('refuses an Int variable past 32 bits on every Int field of the foundation', async () => {
    await expectRefused(SetStock, { input: { sku: 'TEE-S', warehouseCode: 'W1', quantity: 2_147_483_648 } }, graphqlError);
    await expectRefused(AddItem, { input: { selectionId: f.sel, sku: 'MUG', quantity: 2_147_483_648 } }, graphqlError);
    await expectRefused(UpdateItem, { input: { selectionId: f.sel, itemId: f.listedItem, quantity: 2_147_483_648 } }, graphqlError);
    await expectRefused(
      ImportCatalog,
      { input: { products: [{ code: 'TEE', name: 'T-shirt', variants: [{ sku: 'TEE-S', name: 'T-shirt S', stock: [{ warehouseCode: 'W1', quantity: 2_147_483_648 }] }] }] } },
      graphqlError,
    );
  });
});
