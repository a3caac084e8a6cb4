// Selections (DESIGN.md §1 steps 1 and 4): building a cart, changing it as admin or as the
// storefront session that holds it, locked and closed selections, shipping country, customer.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import type { SelCartFragment, SelLineFragment } from './gql/graphql.js';
import { graphql } from './gql/index.js';
import { asAdmin, asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { createSelection, handToSession, rowCounts, seedCatalog } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedCatalog(t);
});
afterAll(() => t.stop());

// ---------------------------------------------------------------- documents

// Fragments: codegen includes them in the documents that spread them.
graphql(`
  fragment SelLine on SelectionItem {
    id
    sku
    quantity
    priceLocked
    unitPrice { amount currency }
    lineTotal { amount currency }
    variant { sku product { code } }
  }
`);

graphql(`
  fragment SelCart on Selection {
    id
    status
    currency
    countryCode
    locked
    market { code }
    pricelist { code currency }
    customer { id email firstName lastName }
    items { ...SelLine }
    totals { ...TestTotals }
  }
`);

type Line = SelLineFragment;
type Cart = SelCartFragment;

const SelCreate = graphql(`
  mutation SelCreate($input: CreateSelectionInput!) {
    createSelection(input: $input) { __typename ...TestFailure ... on ShippingUnavailableError { countryCode } ... on CreateSelectionSuccess { selection { ...SelCart } } }
  }
`);

const SelAdd = graphql(`
  mutation SelAdd($input: AddSelectionItemInput!) {
    addSelectionItem(input: $input) { __typename ...TestFailure ... on AddSelectionItemSuccess { item { ...SelLine } selection { ...SelCart } } }
  }
`);

const SelUpdate = graphql(`
  mutation SelUpdate($input: UpdateSelectionItemInput!) {
    updateSelectionItem(input: $input) { __typename ...TestFailure ... on UpdateSelectionItemSuccess { item { ...SelLine } selection { ...SelCart } } }
  }
`);

const SelRemove = graphql(`
  mutation SelRemove($input: RemoveSelectionItemInput!) {
    removeSelectionItem(input: $input) { __typename ...TestFailure ... on RemoveSelectionItemSuccess { selection { ...SelCart } } }
  }
`);

const SelSetCountry = graphql(`
  mutation SelSetCountry($input: SetShippingCountryInput!) {
    setShippingCountry(input: $input) { __typename ...TestFailure ... on ShippingUnavailableError { countryCode } ... on SetShippingCountrySuccess { selection { ...SelCart } } }
  }
`);

const SelSetCustomer = graphql(`
  mutation SelSetCustomer($input: SetCustomerInput!) {
    setCustomer(input: $input) { __typename ...TestFailure ... on SetCustomerSuccess { selection { ...SelCart } } }
  }
`);

const SelGet = graphql(`
  query SelGet($id: ID!) {
    selection(id: $id) { ...SelCart }
  }
`);

// ---------------------------------------------------------------- helpers

type Headers = Record<string, string>;

/** Runs a document, as the admin unless told otherwise, and fails on GraphQL errors. */
const run = <T, V>(document: TypedDocumentNode<T, V>, variables: V, headers: Headers = asAdmin) => t.data(document, variables, headers);



const add = async (input: { selectionId: string; sku: string; quantity: number; unitPrice?: string }, headers?: Headers) =>
  (await run(SelAdd, { input }, headers)).addSelectionItem;
const update = async (input: { selectionId: string; itemId: string; quantity?: number; unitPrice?: string }, headers?: Headers) =>
  (await run(SelUpdate, { input }, headers)).updateSelectionItem;
const remove = async (input: { selectionId: string; itemId: string }, headers?: Headers) =>
  (await run(SelRemove, { input }, headers)).removeSelectionItem;
const setCountry = async (input: { selectionId: string; countryCode: string }, headers?: Headers) =>
  (await run(SelSetCountry, { input }, headers)).setShippingCountry;
const setCustomer = async (
  input: { selectionId: string; email: string; firstName?: string; lastName?: string },
  headers?: Headers,
) => (await run(SelSetCustomer, { input }, headers)).setCustomer;

async function getCart(id: string, headers: Headers = asAdmin): Promise<Cart> {
  const { selection } = await run(SelGet, { id }, headers);
  expect(selection).not.toBeNull();
  return selection!;
}

/** Adds a line as the admin and returns it. */
async function addLine(selectionId: string, sku: string, quantity: number, unitPrice?: string): Promise<Line> {
  return is(await add({ selectionId, sku, quantity, ...(unitPrice !== undefined && { unitPrice }) }), 'AddSelectionItemSuccess').item;
}

/** The lines as [sku, quantity, unit price, priceLocked], in order. */
const summary = (cart: Cart) => cart.items.map((i) => [i.sku, i.quantity, i.unitPrice.amount, i.priceLocked]);

const sek = (amount: string) => ({ amount, currency: 'SEK' });

// ---------------------------------------------------------------- createSelection

describe('createSelection', () => {
  it('creates an open, empty selection for the market, pricelist and country', async () => {
    const result = await run(SelCreate, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'NO' } });
    const { selection } = is(result.createSelection, 'CreateSelectionSuccess');
    expect(selection).toMatchObject({
      status: 'OPEN',
      currency: 'SEK',
      countryCode: 'NO',
      locked: false,
      market: { code: 'SE' },
      pricelist: { code: 'SEK', currency: 'SEK' },
      customer: null,
      items: [],
    });
    expect(selection.totals.subtotal).toEqual(sek('0.00'));
    expect(await getCart(selection.id)).toEqual(selection);
  });

  it.each([
    { what: 'market', input: { marketCode: 'XX', pricelistCode: 'SEK', countryCode: 'SE' } },
    { what: 'pricelist', input: { marketCode: 'SE', pricelistCode: 'EUR', countryCode: 'SE' } },
  ])('refuses an unknown $what with NotFoundError and writes nothing', async ({ input }) => {
    const before = await rowCounts();
    const result = (await run(SelCreate, { input })).createSelection;
    expect(is(result, 'NotFoundError').code).toBe('NOT_FOUND');
    expect(await rowCounts()).toEqual(before);
  });

  it.each([
    { what: 'a country of the market without shipping (DK in SE)', input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'DK' }, country: 'DK' },
    { what: 'a country outside the market (JP in SE)', input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'JP' }, country: 'JP' },
    { what: 'a pricelist without shipping for the country (SE with JPY)', input: { marketCode: 'SE', pricelistCode: 'JPY', countryCode: 'SE' }, country: 'SE' },
  ])('refuses $what with ShippingUnavailableError', async ({ input, country }) => {
    const before = await rowCounts();
    const result = is((await run(SelCreate, { input })).createSelection, 'ShippingUnavailableError');
    expect(result.code).toBe('SHIPPING_UNAVAILABLE');
    expect(result.countryCode).toBe(country);
    expect(await rowCounts()).toEqual(before);
  });

  it.each(['XX', 'SWE', 'S', '', '12', 'ZZ'])('refuses the country code %j with ValidationError', async (countryCode) => {
    const before = await rowCounts();
    const result = (await run(SelCreate, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode } })).createSelection;
    const error = is(result, 'ValidationError');
    expect(error.code).toBe('VALIDATION');
    expect(error.path).toEqual(['input', 'countryCode']);
    expect(await rowCounts()).toEqual(before);
  });

  it('creates the customer of customerEmail, lower-cased, and reuses it for the same address', async () => {
    const before = await rowCounts();
    const first = is(
      (await run(SelCreate, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', customerEmail: 'Alice.Andersson@Example.COM' } }))
        .createSelection,
      'CreateSelectionSuccess',
    ).selection;
    expect(first.customer).toMatchObject({ email: 'alice.andersson@example.com', firstName: null, lastName: null });

    const second = is(
      (await run(SelCreate, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', customerEmail: 'alice.andersson@example.com' } }))
        .createSelection,
      'CreateSelectionSuccess',
    ).selection;
    expect(second.id).not.toBe(first.id);
    expect(second.customer?.id).toBe(first.customer?.id);

    const after = await rowCounts();
    expect(after.customer).toBe(before.customer! + 1);
    expect(after.selection).toBe(before.selection! + 2);
  });

  it('refuses an invalid customerEmail with ValidationError and writes nothing', async () => {
    const before = await rowCounts();
    const result = (await run(SelCreate, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', customerEmail: 'not-an-email' } }))
      .createSelection;
    expect(is(result, 'ValidationError').path).toEqual(['input', 'customerEmail']);
    expect(await rowCounts()).toEqual(before);
  });
});

// ---------------------------------------------------------------- addSelectionItem

describe('addSelectionItem', () => {
  it('adds a SKU at the pricelist price', async () => {
    const selectionId = await createSelection(t);
    const result = is(await add({ selectionId, sku: 'TEE-S', quantity: 2 }), 'AddSelectionItemSuccess');
    expect(result.item).toMatchObject({
      sku: 'TEE-S',
      quantity: 2,
      priceLocked: false,
      unitPrice: sek('149.00'),
      lineTotal: sek('298.00'),
      variant: { sku: 'TEE-S', product: { code: 'TEE' } },
    });
    expect(result.selection.items).toEqual([result.item]);
    expect(result.selection.totals).toEqual({
      subtotal: sek('298.00'),
      shipping: sek('49.00'),
      tax: sek('86.75'),
      grandTotal: sek('433.75'),
    });
  });

  it('adds the same SKU again onto its pricelist-priced line', async () => {
    const selectionId = await createSelection(t);
    const first = await addLine(selectionId, 'TEE-S', 2);
    const result = is(await add({ selectionId, sku: 'TEE-S', quantity: 3 }), 'AddSelectionItemSuccess');
    expect(result.item.id).toBe(first.id);
    expect(result.item.quantity).toBe(5);
    expect(result.item.lineTotal).toEqual(sek('745.00'));
    expect(summary(result.selection)).toEqual([['TEE-S', 5, '149.00', false]]);
  });

  it('makes a new priceLocked line for an admin unitPrice, each time', async () => {
    const selectionId = await createSelection(t);
    const plain = await addLine(selectionId, 'TEE-S', 2);

    const custom = is(await add({ selectionId, sku: 'TEE-S', quantity: 1, unitPrice: '99.90' }), 'AddSelectionItemSuccess');
    expect(custom.item.id).not.toBe(plain.id);
    expect(custom.item).toMatchObject({ sku: 'TEE-S', quantity: 1, priceLocked: true, unitPrice: sek('99.90'), lineTotal: sek('99.90') });

    const again = is(await add({ selectionId, sku: 'TEE-S', quantity: 2, unitPrice: '99.90' }), 'AddSelectionItemSuccess');
    expect(again.item.id).not.toBe(custom.item.id);
    expect(summary(again.selection)).toEqual([
      ['TEE-S', 2, '149.00', false],
      ['TEE-S', 1, '99.90', true],
      ['TEE-S', 2, '99.90', true],
    ]);
  });

  it('adds the same SKU without a unitPrice after a custom-priced line as a separate pricelist-priced line', async () => {
    const selectionId = await createSelection(t);
    const custom = await addLine(selectionId, 'MUG', 2, '50.00');

    const plain = is(await add({ selectionId, sku: 'MUG', quantity: 1 }), 'AddSelectionItemSuccess');
    expect(plain.item.id).not.toBe(custom.id);
    expect(plain.item).toMatchObject({ quantity: 1, priceLocked: false, unitPrice: sek('89.50') });

    const more = is(await add({ selectionId, sku: 'MUG', quantity: 4 }), 'AddSelectionItemSuccess');
    expect(more.item.id).toBe(plain.item.id);
    expect(summary(more.selection)).toEqual([
      ['MUG', 2, '50.00', true],
      ['MUG', 5, '89.50', false],
    ]);
  });

  it('lets the owning storefront session add at the pricelist price', async () => {
    const original = await createSelection(t);
    await addLine(original, 'TEE-S', 1, '10.00');
    const { selectionId, token } = await handToSession(t, original);
    const result = is(await add({ selectionId, sku: 'TEE-S', quantity: 2 }, asSession(token)), 'AddSelectionItemSuccess');
    expect(result.item).toMatchObject({ sku: 'TEE-S', quantity: 2, priceLocked: false, unitPrice: sek('149.00') });
    expect(summary(await getCart(selectionId))).toEqual([
      ['TEE-S', 1, '10.00', true],
      ['TEE-S', 2, '149.00', false],
    ]);
  });

  it('refuses a unitPrice from a storefront session with ForbiddenError and writes nothing', async () => {
    const original = await createSelection(t);
    await addLine(original, 'TEE-S', 1);
    const { selectionId, token } = await handToSession(t, original);
    const cartBefore = await getCart(selectionId);
    const before = await rowCounts();

    for (const sku of ['TEE-S', 'MUG']) {
      const result = await add({ selectionId, sku, quantity: 1, unitPrice: '1.00' }, asSession(token));
      expect(is(result, 'ForbiddenError').code).toBe('FORBIDDEN');
    }
    expect(await rowCounts()).toEqual(before);
    expect(await getCart(selectionId)).toEqual(cartBefore);
  });

  it('refuses a SKU without a price in the selection\'s pricelist with ValidationError', async () => {
    const selectionId = await createSelection(t, { marketCode: 'JP', pricelistCode: 'JPY', countryCode: 'JP' });
    const before = await rowCounts();
    const error = is(await add({ selectionId, sku: 'MUG', quantity: 1 }), 'ValidationError');
    expect(error.code).toBe('VALIDATION');
    expect(error.path).toEqual(['input', 'sku']);
    expect(await rowCounts()).toEqual(before);

    // The same selection takes a SKU that has a JPY price, in yen.
    const ok = is(await add({ selectionId, sku: 'TEE-M', quantity: 1 }), 'AddSelectionItemSuccess');
    expect(ok.item.unitPrice).toEqual({ amount: '2000', currency: 'JPY' });
  });

  it('refuses an unknown SKU with NotFoundError', async () => {
    const selectionId = await createSelection(t);
    const before = await rowCounts();
    expect(is(await add({ selectionId, sku: 'NO-SUCH-SKU', quantity: 1 }), 'NotFoundError').code).toBe('NOT_FOUND');
    expect(is(await add({ selectionId, sku: 'NO-SUCH-SKU', quantity: 1, unitPrice: '5.00' }), 'NotFoundError').code).toBe('NOT_FOUND');
    expect(await rowCounts()).toEqual(before);
  });

  it.each([0, -1, 10_001])('refuses the quantity %d with ValidationError', async (quantity) => {
    const selectionId = await createSelection(t);
    const before = await rowCounts();
    expect(is(await add({ selectionId, sku: 'TEE-S', quantity }), 'ValidationError').path).toEqual(['input', 'quantity']);
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a unitPrice with more fraction digits than the currency has', async () => {
    const selectionId = await createSelection(t);
    const before = await rowCounts();
    const error = is(await add({ selectionId, sku: 'TEE-S', quantity: 1, unitPrice: '9.999' }), 'ValidationError');
    expect(error.path).toEqual(['input', 'unitPrice']);
    expect(await rowCounts()).toEqual(before);
  });
});

// ---------------------------------------------------------------- updateSelectionItem

describe('updateSelectionItem', () => {
  it('decreases a pricelist-priced line and a priceLocked line (as the session)', async () => {
    const original = await createSelection(t);
    await addLine(original, 'TEE-S', 5);
    await addLine(original, 'TEE-M', 3, '100.00');
    const { selectionId, headers: session, itemIds: [plain, custom] } = await handToSession(t, original);

    const a = is(await update({ selectionId, itemId: plain!, quantity: 2 }, session), 'UpdateSelectionItemSuccess');
    expect(a.item).toMatchObject({ id: plain, quantity: 2, unitPrice: sek('149.00'), priceLocked: false, lineTotal: sek('298.00') });

    const b = is(await update({ selectionId, itemId: custom!, quantity: 1 }, session), 'UpdateSelectionItemSuccess');
    expect(b.item).toMatchObject({ id: custom, quantity: 1, unitPrice: sek('100.00'), priceLocked: true, lineTotal: sek('100.00') });
    expect(summary(b.selection)).toEqual([
      ['TEE-S', 2, '149.00', false],
      ['TEE-M', 1, '100.00', true],
    ]);
  });

  it('increases a pricelist-priced line (as the session)', async () => {
    const original = await createSelection(t);
    await addLine(original, 'MUG', 1);
    const { selectionId, headers: session, itemIds: [plain] } = await handToSession(t, original);
    const result = is(await update({ selectionId, itemId: plain!, quantity: 4 }, session), 'UpdateSelectionItemSuccess');
    expect(result.item).toMatchObject({ id: plain, quantity: 4, unitPrice: sek('89.50'), lineTotal: sek('358.00') });
  });

  it.each([
    { caller: 'the storefront session', session: true },
    { caller: 'an admin', session: false },
  ])('refuses to increase a priceLocked line with PRICE_LOCKED, for $caller', async ({ session }) => {
    const original = await createSelection(t);
    const line = await addLine(original, 'TEE-S', 2, '120.00');
    const held = session ? await handToSession(t, original) : { selectionId: original, headers: asAdmin, itemIds: [line.id] };
    const { selectionId, headers } = held;
    const custom = held.itemIds[0]!;
    const before = await getCart(selectionId);

    const error = is(await update({ selectionId, itemId: custom, quantity: 3 }, headers), 'SelectionStateError');
    expect(error.code).toBe('PRICE_LOCKED');
    expect(await getCart(selectionId)).toEqual(before);
  });

  it('refuses to increase a priceLocked line even together with a new admin unitPrice', async () => {
    const selectionId = await createSelection(t);
    const custom = await addLine(selectionId, 'TEE-S', 2, '120.00');
    const before = await getCart(selectionId);
    const error = is(await update({ selectionId, itemId: custom.id, quantity: 3, unitPrice: '110.00' }), 'SelectionStateError');
    expect(error.code).toBe('PRICE_LOCKED');
    expect(await getCart(selectionId)).toEqual(before);
  });

  it('makes a line priceLocked at an admin unitPrice; it can then not be increased', async () => {
    const selectionId = await createSelection(t);
    const plain = await addLine(selectionId, 'TEE-S', 2);

    const priced = is(await update({ selectionId, itemId: plain.id, unitPrice: '129.50' }), 'UpdateSelectionItemSuccess');
    expect(priced.item).toMatchObject({ id: plain.id, quantity: 2, priceLocked: true, unitPrice: sek('129.50'), lineTotal: sek('259.00') });

    const error = is(await update({ selectionId, itemId: plain.id, quantity: 3 }), 'SelectionStateError');
    expect(error.code).toBe('PRICE_LOCKED');

    // Adding the SKU again now makes a new line at the pricelist price.
    const added = is(await add({ selectionId, sku: 'TEE-S', quantity: 1 }), 'AddSelectionItemSuccess');
    expect(added.item.id).not.toBe(plain.id);
    expect(summary(added.selection)).toEqual([
      ['TEE-S', 2, '129.50', true],
      ['TEE-S', 1, '149.00', false],
    ]);
  });

  it('refuses a unitPrice from a storefront session with ForbiddenError', async () => {
    const original = await createSelection(t);
    await addLine(original, 'TEE-S', 2);
    const { selectionId, headers: session, itemIds: [plain] } = await handToSession(t, original);
    const before = await getCart(selectionId);
    const error = is(await update({ selectionId, itemId: plain!, unitPrice: '1.00' }, session), 'ForbiddenError');
    expect(error.code).toBe('FORBIDDEN');
    expect(await getCart(selectionId)).toEqual(before);
  });

  it('refuses a change with neither quantity nor unitPrice with ValidationError', async () => {
    const selectionId = await createSelection(t);
    const plain = await addLine(selectionId, 'TEE-S', 2);
    const before = await getCart(selectionId);
    const error = is(await update({ selectionId, itemId: plain.id }), 'ValidationError');
    expect(error.code).toBe('VALIDATION');
    expect(await getCart(selectionId)).toEqual(before);
  });

  it.each([0, -2, 10_001])('refuses the quantity %d with ValidationError', async (quantity) => {
    const selectionId = await createSelection(t);
    const plain = await addLine(selectionId, 'TEE-S', 2);
    const error = is(await update({ selectionId, itemId: plain.id, quantity }), 'ValidationError');
    expect(error.path).toEqual(['input', 'quantity']);
    expect(summary(await getCart(selectionId))).toEqual([['TEE-S', 2, '149.00', false]]);
  });

  it('refuses an itemId of another selection (or no item) with NotFoundError', async () => {
    const selectionId = await createSelection(t);
    await addLine(selectionId, 'TEE-S', 2);
    const otherId = await createSelection(t);
    const otherLine = await addLine(otherId, 'MUG', 3);
    const before = await getCart(otherId);

    for (const itemId of [otherLine.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const error = is(await update({ selectionId, itemId, quantity: 1 }), 'NotFoundError');
      expect(error.code).toBe('NOT_FOUND');
    }
    expect(await getCart(otherId)).toEqual(before);
  });
});

// ---------------------------------------------------------------- removeSelectionItem

describe('removeSelectionItem', () => {
  it('removes a line, as the admin or the session; the rest stay', async () => {
    const selectionId = await createSelection(t);
    const a = await addLine(selectionId, 'TEE-S', 2);
    const b = await addLine(selectionId, 'MUG', 1);
    const c = await addLine(selectionId, 'TEE-M', 1, '75.00');

    const first = is(await remove({ selectionId, itemId: b.id }), 'RemoveSelectionItemSuccess');
    expect(first.selection.items.map((i) => i.id)).toEqual([a.id, c.id]);
    expect(first.selection.totals.subtotal).toEqual(sek('373.00'));

    // The session's copy has the same lines, in the same order.
    const held = await handToSession(t, selectionId);
    const [copyA, copyC] = held.itemIds;
    const second = is(await remove({ selectionId: held.selectionId, itemId: copyC! }, held.headers), 'RemoveSelectionItemSuccess');
    expect(second.selection.items.map((i) => i.id)).toEqual([copyA]);

    // It is gone: removing it again is NOT_FOUND.
    expect(is(await remove({ selectionId: held.selectionId, itemId: copyC! }), 'NotFoundError').code).toBe('NOT_FOUND');
  });

  it('refuses an itemId of another selection with NotFoundError', async () => {
    const selectionId = await createSelection(t);
    const otherId = await createSelection(t);
    const otherLine = await addLine(otherId, 'MUG', 3);
    expect(is(await remove({ selectionId, itemId: otherLine.id }), 'NotFoundError').code).toBe('NOT_FOUND');
    expect((await getCart(otherId)).items.map((i) => i.id)).toEqual([otherLine.id]);
  });
});

// ---------------------------------------------------------------- locked copies

describe('a locked copy (claimed from a lockItems link)', () => {
  it('refuses add, update and remove with SELECTION_LOCKED, and writes nothing', async () => {
    const original = await createSelection(t);
    await addLine(original, 'TEE-S', 3);
    const { selectionId, headers: session, itemIds: [plain] } = await handToSession(t, original, { locked: true });
    const before = await getCart(selectionId);
    expect(before.locked).toBe(true);
    const counts = await rowCounts();

    const results = [
      await add({ selectionId, sku: 'MUG', quantity: 1 }, session),
      await add({ selectionId, sku: 'TEE-S', quantity: 1 }, session),
      await update({ selectionId, itemId: plain!, quantity: 1 }, session),
      await update({ selectionId, itemId: plain!, quantity: 5 }, session),
      await remove({ selectionId, itemId: plain! }, session),
    ];
    for (const result of results) expect(is(result, 'SelectionStateError').code).toBe('SELECTION_LOCKED');

    expect(await rowCounts()).toEqual(counts);
    expect(await getCart(selectionId, session)).toEqual(before);
  });

  it('still lets the session change the shipping country and the customer', async () => {
    const original = await createSelection(t);
    await addLine(original, 'TEE-S', 1);
    const { selectionId, headers: session } = await handToSession(t, original, { locked: true });

    const country = is(await setCountry({ selectionId, countryCode: 'NO' }, session), 'SetShippingCountrySuccess');
    expect(country.selection).toMatchObject({ countryCode: 'NO', locked: true });

    const customer = is(await setCustomer({ selectionId, email: 'locked@example.com', firstName: 'Lo' }, session), 'SetCustomerSuccess');
    expect(customer.selection.customer).toMatchObject({ email: 'locked@example.com', firstName: 'Lo' });
    expect(summary(customer.selection)).toEqual([['TEE-S', 1, '149.00', false]]);
  });
});

// ---------------------------------------------------------------- closed selections

describe.each(['ORDERED', 'DELETED'] as const)('a %s selection', (status) => {
  it.each([
    { caller: 'the admin', session: false },
    { caller: 'the owning session', session: true },
  ])('refuses every change from $caller with SELECTION_CLOSED', async ({ session }) => {
    const original = await createSelection(t);
    const lines = [(await addLine(original, 'TEE-S', 2)).id, (await addLine(original, 'MUG', 2, '50.00')).id];
    const held = session ? await handToSession(t, original) : { selectionId: original, headers: asAdmin, itemIds: lines };
    const { selectionId, headers } = held;
    const [plain, custom] = held.itemIds as [string, string];
    await db().selection.update({ where: { id: selectionId }, data: { status } });
    const before = await getCart(selectionId);
    expect(before.status).toBe(status);
    const counts = await rowCounts();

    const results = [
      await add({ selectionId, sku: 'TEE-M', quantity: 1 }, headers),
      await add({ selectionId, sku: 'TEE-S', quantity: 1 }, headers),
      await update({ selectionId, itemId: plain, quantity: 1 }, headers),
      await update({ selectionId, itemId: plain, quantity: 3 }, headers),
      await update({ selectionId, itemId: custom, quantity: 1 }, headers),
      await remove({ selectionId, itemId: plain }, headers),
      await setCountry({ selectionId, countryCode: 'NO' }, headers),
      await setCustomer({ selectionId, email: 'closed@example.com' }, headers),
    ];
    if (!session) {
      results.push(await add({ selectionId, sku: 'TEE-S', quantity: 1, unitPrice: '1.00' }, headers));
      results.push(await update({ selectionId, itemId: plain, unitPrice: '1.00' }, headers));
    }
    for (const result of results) expect(is(result, 'SelectionStateError').code).toBe('SELECTION_CLOSED');

    expect(await rowCounts()).toEqual(counts);
    expect(await getCart(selectionId)).toEqual(before);
  });
});

// ---------------------------------------------------------------- setShippingCountry

const SelCountries = graphql(`
  query SelCountries($id: ID!) {
    selection(id: $id) { countryCode availableCountries { code shippable } }
  }
`);

describe('availableCountries', () => {
  it('lists the market\'s countries, shippable where setShippingCountry accepts them, for the session and the admin alike', async () => {
    const { selectionId, headers: session } = await handToSession(t, await createSelection(t));
    const expected = { countryCode: 'SE', availableCountries: [{ code: 'SE', shippable: true }, { code: 'NO', shippable: true }, { code: 'DK', shippable: false }] };
    expect((await t.data(SelCountries, { id: selectionId }, session)).selection).toEqual(expected);
    expect((await t.data(SelCountries, { id: selectionId }, asAdmin)).selection).toEqual(expected);
    // The same rule decides: every shippable country is accepted, every other refused.
    for (const { code, shippable } of expected.availableCountries) {
      const answer = await setCountry({ selectionId, countryCode: code }, session);
      expect(answer.__typename).toBe(shippable ? 'SetShippingCountrySuccess' : 'ShippingUnavailableError');
    }
  });
});

const SelOffers = graphql(`
  query SelOffers($id: ID!, $search: String, $first: Int) {
    selection(id: $id) { offers(search: $search, first: $first) { unitPrice { amount currency } variant { sku name } } }
  }
`);

describe('offers', () => {
  it('lists what the selection can add, priced in its pricelist, found by SKU or name in any case', async () => {
    const { selectionId, headers: session } = await handToSession(t, await createSelection(t));
    const offers = async (search: string | null, first?: number) => (await t.data(SelOffers, { id: selectionId, search, first }, session)).selection?.offers;
    const tee = (size: string) => ({ unitPrice: sek('149.00'), variant: { sku: `TEE-${size}`, name: `T-shirt ${size}` } });
    expect(await offers('tee')).toEqual([tee('M'), tee('S')]);
    expect(await offers('T-SHIRT s')).toEqual([tee('S')]);
    expect(await offers('mug')).toEqual([{ unitPrice: sek('89.50'), variant: { sku: 'MUG', name: 'Mug' } }]);
    expect((await offers(null))?.map((offer) => offer.variant.sku)).toEqual(['MUG', 'TEE-M', 'TEE-S']);
    expect(await offers('', 1)).toHaveLength(1);
    expect(await offers('nothing like it')).toEqual([]);
  });

  it('refuses a search over 100 characters with a GraphQL error', async () => {
    const selectionId = await createSelection(t);
    const response = await t.request(SelOffers, { id: selectionId, search: 'x'.repeat(101) }, asAdmin);
    expect(response.errors?.[0]).toMatchObject({ message: 'search is at most 100 characters', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('setShippingCountry', () => {
  it('changes the country within the market; market, pricelist and unit prices stay, shipping follows', async () => {
    const original = await createSelection(t);
    await addLine(original, 'TEE-S', 2);
    await addLine(original, 'TEE-M', 1, '100.00');
    const { selectionId, headers: session } = await handToSession(t, original);
    const before = await getCart(selectionId);
    expect(before.totals.shipping).toEqual(sek('49.00'));

    const { selection } = is(await setCountry({ selectionId, countryCode: 'NO' }, session), 'SetShippingCountrySuccess');
    expect(selection).toMatchObject({ countryCode: 'NO', market: { code: 'SE' }, pricelist: { code: 'SEK' }, currency: 'SEK' });
    expect(selection.items).toEqual(before.items);
    expect(selection.totals).toEqual({
      subtotal: sek('398.00'),
      shipping: sek('99.00'),
      tax: sek('124.25'),
      grandTotal: sek('621.25'),
    });
    expect(await getCart(selectionId)).toEqual(selection);
  });

  it('lets the admin change it too', async () => {
    const selectionId = await createSelection(t, { countryCode: 'NO' });
    const { selection } = is(await setCountry({ selectionId, countryCode: 'SE' }), 'SetShippingCountrySuccess');
    expect(selection.countryCode).toBe('SE');
    expect(selection.totals.shipping).toEqual(sek('49.00'));
  });

  it.each([
    { country: 'DK', why: 'no shipping setup in the market' },
    { country: 'JP', why: 'not a country of the market' },
  ])('refuses $country ($why) with ShippingUnavailableError and keeps the country', async ({ country }) => {
    const original = await createSelection(t);
    await addLine(original, 'TEE-S', 1);
    const { selectionId, headers: session } = await handToSession(t, original);
    const before = await getCart(selectionId);

    const error = is(await setCountry({ selectionId, countryCode: country }, session), 'ShippingUnavailableError');
    expect(error.code).toBe('SHIPPING_UNAVAILABLE');
    expect(error.countryCode).toBe(country);
    expect(await getCart(selectionId)).toEqual(before);
  });

  it.each(['XX', 'NOR', 'n', ''])('refuses the country code %j with ValidationError', async (countryCode) => {
    const selectionId = await createSelection(t);
    const before = await getCart(selectionId);
    const error = is(await setCountry({ selectionId, countryCode }), 'ValidationError');
    expect(error.path).toEqual(['input', 'countryCode']);
    expect(await getCart(selectionId)).toEqual(before);
  });
});

// ---------------------------------------------------------------- setCustomer

describe('setCustomer', () => {
  it('attaches a customer with names, found or created by the lower-cased e-mail', async () => {
    const { selectionId, headers: session } = await handToSession(t, await createSelection(t));
    const before = await rowCounts();

    const first = is(
      await setCustomer({ selectionId, email: 'Bob.Builder@Example.com', firstName: 'Bob', lastName: 'Builder' }, session),
      'SetCustomerSuccess',
    );
    expect(first.selection.customer).toMatchObject({ email: 'bob.builder@example.com', firstName: 'Bob', lastName: 'Builder' });
    expect((await getCart(selectionId, session)).customer).toEqual(first.selection.customer);
    // The session sees an id of its own for the customer; the admin the stored one.
    const stored = await db().customer.findUniqueOrThrow({ where: { email: 'bob.builder@example.com' } });
    expect(first.selection.customer?.id).not.toBe(stored.id);
    expect((await getCart(selectionId)).customer).toMatchObject({ id: stored.id, firstName: 'Bob', lastName: 'Builder' });

    // The same address on another selection is the same customer.
    const otherId = await createSelection(t);
    const second = is(await setCustomer({ selectionId: otherId, email: 'bob.builder@example.com' }), 'SetCustomerSuccess');
    expect(second.selection.customer?.id).toBe(stored.id);
    expect((await rowCounts()).customer).toBe(before.customer! + 1);
  });

  it('accepts names of exactly 100 characters', async () => {
    const selectionId = await createSelection(t);
    const name = 'N'.repeat(100);
    const result = is(await setCustomer({ selectionId, email: 'long.names@example.com', firstName: name, lastName: name }), 'SetCustomerSuccess');
    expect(result.selection.customer).toMatchObject({ firstName: name, lastName: name });
  });

  it.each([
    { what: 'an invalid e-mail', input: { email: 'not-an-email' }, path: ['input', 'email'] },
    { what: 'an e-mail with a space', input: { email: 'a b@example.com' }, path: ['input', 'email'] },
    { what: 'a firstName over 100 characters', input: { email: 'ok1@example.com', firstName: 'F'.repeat(101) }, path: ['input', 'firstName'] },
    { what: 'a lastName over 100 characters', input: { email: 'ok2@example.com', lastName: 'L'.repeat(101) }, path: ['input', 'lastName'] },
  ])('refuses $what with ValidationError and writes nothing', async ({ input, path }) => {
    const { selectionId, headers: session } = await handToSession(t, await createSelection(t));
    const before = await rowCounts();

    const error = is(await setCustomer({ selectionId, ...input }, session), 'ValidationError');
    expect(error.code).toBe('VALIDATION');
    expect(error.path).toEqual(path);
    expect(await rowCounts()).toEqual(before);
    expect((await getCart(selectionId)).customer).toBeNull();
  });
});

// ---------------------------------------------------------------- reading

describe('selection(id)', () => {
  it('returns the lines in insertion order with variant, prices, line totals and totals', async () => {
    const selectionId = await createSelection(t);
    await addLine(selectionId, 'TEE-S', 2);
    await addLine(selectionId, 'MUG', 1);
    await addLine(selectionId, 'TEE-M', 3);
    await addLine(selectionId, 'TEE-S', 1, '120.00');
    await addLine(selectionId, 'TEE-S', 1); // onto the first line

    const cart = await getCart(selectionId);
    expect(cart.items.map(({ id: _id, ...line }) => line)).toEqual([
      { sku: 'TEE-S', quantity: 3, priceLocked: false, unitPrice: sek('149.00'), lineTotal: sek('447.00'), variant: { sku: 'TEE-S', product: { code: 'TEE' } } },
      { sku: 'MUG', quantity: 1, priceLocked: false, unitPrice: sek('89.50'), lineTotal: sek('89.50'), variant: { sku: 'MUG', product: { code: 'MUG' } } },
      { sku: 'TEE-M', quantity: 3, priceLocked: false, unitPrice: sek('149.00'), lineTotal: sek('447.00'), variant: { sku: 'TEE-M', product: { code: 'TEE' } } },
      { sku: 'TEE-S', quantity: 1, priceLocked: true, unitPrice: sek('120.00'), lineTotal: sek('120.00'), variant: { sku: 'TEE-S', product: { code: 'TEE' } } },
    ]);
    // 25 % of (1103.50 + 49.00) = 288.125, rounded half away from zero.
    expect(cart.totals).toEqual({
      subtotal: sek('1103.50'),
      shipping: sek('49.00'),
      tax: sek('288.13'),
      grandTotal: sek('1440.63'),
    });

    // The owning session reads the same of its copy, but for the ids.
    const held = await handToSession(t, selectionId);
    const copy = await getCart(held.selectionId, held.headers);
    expect(copy.items.map((item) => item.id)).toEqual(held.itemIds);
    const withoutIds = ({ id: _id, items, ...rest }: Cart) => ({ ...rest, items: items.map(({ id: _line, ...line }) => line) });
    expect(withoutIds(copy)).toEqual(withoutIds(cart));
  });

  it('keeps insertion order for many lines added one after another', async () => {
    const selectionId = await createSelection(t);
    const prices = Array.from({ length: 12 }, (_, i) => `${i + 1}.00`);
    const ids: string[] = [];
    for (const price of prices) ids.push((await addLine(selectionId, 'MUG', 1, price)).id);
    const cart = await getCart(selectionId);
    expect(cart.items.map((i) => i.id)).toEqual(ids);
    expect(cart.items.map((i) => i.unitPrice.amount)).toEqual(prices);
  });

  it('is null for an id that does not exist', async () => {
    const { selection } = await run(SelGet, { id: '00000000-0000-4000-8000-000000000000' });
    expect(selection).toBeNull();
  });
});

// ---------------------------------------------------------------- concurrency

describe('concurrent changes', () => {
  it('10 concurrent adds of one SKU end as one line of quantity 10', async () => {
    const selectionId = await createSelection(t);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => add({ selectionId, sku: 'TEE-S', quantity: 1 })),
    );
    const items = results.map((r) => is(r, 'AddSelectionItemSuccess').item);
    expect(new Set(items.map((i) => i.id)).size).toBe(1);

    const cart = await getCart(selectionId);
    expect(summary(cart)).toEqual([['TEE-S', 10, '149.00', false]]);
    expect(cart.items[0]!.lineTotal).toEqual(sek('1490.00'));
  });

  it('10 concurrent adds from the owning session end as one line of quantity 10', async () => {
    const { selectionId, headers: session } = await handToSession(t, await createSelection(t));
    const results = await Promise.all(
      Array.from({ length: 10 }, () => add({ selectionId, sku: 'MUG', quantity: 1 }, session)),
    );
    for (const r of results) is(r, 'AddSelectionItemSuccess');
    expect(summary(await getCart(selectionId))).toEqual([['MUG', 10, '89.50', false]]);
  });

  it('concurrent setCustomer calls with one new e-mail make one customer', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, () => createSelection(t)));
    const before = await rowCounts();
    const results = await Promise.all(ids.map((selectionId) => setCustomer({ selectionId, email: 'race@example.com', firstName: 'Race' })));
    const customers = results.map((r) => is(r, 'SetCustomerSuccess').selection.customer?.id);
    expect(new Set(customers).size).toBe(1);
    expect((await rowCounts()).customer).toBe(before.customer! + 1);
  });
});
