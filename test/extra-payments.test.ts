// Extra payments (issue 13) as the admin, the claimant and other callers see them: custom
// lines (no variant, no stock, always priceLocked, optionally outside the tax base), a
// selection for an earlier order and the order that comes of it, links that take at most
// maxOrders orders. Bad input is refused with typed errors and writes nothing. The matrix of
// capabilities against the mutations' refusals is in capabilities.test.ts.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import type { ExtraLineFragment } from './gql/graphql.js';
import { graphql } from './gql/index.js';
import { asAdmin, asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem, ImportCatalog, SetCustomer } from './helpers/documents.js';
import { createSelection, databaseState, seedCatalog } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedCatalog(t);
  // BARE ships to FI from a warehouse that holds nothing at all.
  const bare = await t.admin(ImportCatalog, {
    input: {
      warehouses: [{ code: 'EMPTY-W', name: 'Empty' }],
      markets: [{ code: 'BARE', name: 'No stock', countries: ['FI'], warehouseCodes: ['EMPTY-W'] }],
      shipping: [{ marketCode: 'BARE', pricelistCode: 'SEK', countryCode: 'FI', amount: '59.00' }],
    },
  });
  is(bare.importCatalog, 'ImportCatalogSuccess');
});
afterAll(() => t.stop());

// ---------------------------------------------------------------- documents

graphql(`
  fragment ExtraLine on SelectionItem {
    id
    kind
    sku
    name
    quantity
    priceLocked
    taxable
    variant { sku }
    unitPrice { amount currency }
    lineTotal { amount }
    capabilities { canIncrease canDecrease canRemove }
  }
`);

graphql(`
  fragment ExtraTotals on SelectionTotals {
    subtotal { amount }
    shipping { amount }
    tax { amount }
    grandTotal { amount }
  }
`);

graphql(`
  fragment ExtraSelection on Selection {
    id
    status
    locked
    customer { email firstName lastName }
    relatedOrder { id number }
    items { ...ExtraLine }
    totals { ...ExtraTotals }
    capabilities { canAddItems canChangeCountry canPlaceOrder }
    placeOrderBlockers
  }
`);

graphql(`
  fragment ExtraOrder on Order {
    id
    number
    customer { email firstName lastName }
    items { kind sku name quantity unitPrice { amount } lineTotal { amount } }
    totals { ...ExtraTotals }
    relatedOrder { id number }
    supplementaryOrders { id number }
  }
`);

const ExtraCreate = graphql(`
  mutation ExtraCreate($input: CreateSelectionInput!) {
    createSelection(input: $input) { __typename ...TestFailure ... on CreateSelectionSuccess { selection { ...ExtraSelection } } }
  }
`);

const ExtraAddCustom = graphql(`
  mutation ExtraAddCustom($input: AddCustomSelectionItemInput!) {
    addCustomSelectionItem(input: $input) { __typename ...TestFailure ... on AddCustomSelectionItemSuccess { item { ...ExtraLine } selection { ...ExtraSelection } } }
  }
`);

const ExtraUpdate = graphql(`
  mutation ExtraUpdate($input: UpdateSelectionItemInput!) {
    updateSelectionItem(input: $input) { __typename ...TestFailure ... on UpdateSelectionItemSuccess { item { ...ExtraLine } } }
  }
`);

const ExtraRemove = graphql(`
  mutation ExtraRemove($input: RemoveSelectionItemInput!) {
    removeSelectionItem(input: $input) { __typename ...TestFailure ... on RemoveSelectionItemSuccess { selection { ...ExtraSelection } } }
  }
`);

const ExtraIssue = graphql(`
  mutation ExtraIssue($input: IssueShareableLinkInput!) {
    issueShareableLink(input: $input) { __typename ...TestFailure ... on IssueShareableLinkSuccess { hash2 link { id hash1 status lockItems ignoreShipping maxOrders } } }
  }
`);

const ExtraClaim = graphql(`
  mutation ExtraClaim($input: ClaimSelectionInput!) {
    claimSelection(input: $input) { __typename ...TestFailure ... on ClaimSelectionSuccess { sessionToken selection { ...ExtraSelection } } }
  }
`);

const ExtraPlace = graphql(`
  mutation ExtraPlace($input: PlaceOrderInput!) {
    placeOrder(input: $input) { __typename ...TestFailure ... on OutOfStockError { shortages { sku requested available } } ... on PlaceOrderSuccess { order { ...ExtraOrder } } }
  }
`);

const ExtraReadSelection = graphql(`
  query ExtraReadSelection($id: ID!) {
    selection(id: $id) { ...ExtraSelection }
  }
`);

const ExtraReadOrder = graphql(`
  query ExtraReadOrder($id: ID!) {
    order(id: $id) { ...ExtraOrder }
  }
`);

const ExtraReadLink = graphql(`
  query ExtraReadLink($id: ID!) {
    shareableLink(id: $id) { id status maxOrders }
  }
`);

// ---------------------------------------------------------------- helpers

type Headers = Record<string, string>;
type Line = ExtraLineFragment;
interface Custom { name: string; unitPrice: string; quantity?: number; sku?: string | null; taxable?: boolean }
interface Issued { linkId: string; hash1: string; hash2: string }

const UNKNOWN_UUID = '01890000-0000-7000-8000-000000000000';

async function addCustom(selectionId: string, line: Custom, headers: Headers = asAdmin) {
  return (await t.data(ExtraAddCustom, { input: { selectionId, ...line } }, headers)).addCustomSelectionItem;
}

/** An admin selection (SE / SEK / SE unless told) with these catalog and custom lines. */
async function cart(
  lines: { catalog?: { sku: string; quantity: number; unitPrice?: string }[]; custom?: Custom[] },
  options: { customerEmail?: string | null; marketCode?: string; countryCode?: string } = {},
): Promise<string> {
  const { customerEmail = 'buyer@example.com', ...rest } = options;
  const selectionId = await createSelection(t, { ...rest, ...(customerEmail !== null && { customerEmail }) });
  for (const line of lines.catalog ?? []) {
    is((await t.admin(AddItem, { input: { selectionId, ...line } })).addSelectionItem, 'AddSelectionItemSuccess');
  }
  for (const line of lines.custom ?? []) is(await addCustom(selectionId, line), 'AddCustomSelectionItemSuccess');
  return selectionId;
}

async function issue(selectionId: string, options: { lockItems?: boolean; ignoreShipping?: boolean; maxOrders?: number | null } = {}): Promise<Issued> {
  const result = (await t.admin(ExtraIssue, { input: { selectionId, lockItems: false, ...options } })).issueShareableLink;
  const issued = is(result, 'IssueShareableLinkSuccess');
  return { linkId: issued.link.id, hash1: issued.link.hash1, hash2: issued.hash2 };
}

/** Claims the link (as a new storefront unless `headers` carry a session). */
async function claim(link: Issued, headers: Headers = {}) {
  const claimed = is((await t.data(ExtraClaim, { input: { hash1: link.hash1, hash2: link.hash2 } }, headers)).claimSelection, 'ClaimSelectionSuccess');
  return { selection: claimed.selection, headers: asSession(claimed.sessionToken) };
}

async function place(selectionId: string, headers: Headers) {
  return (await t.data(ExtraPlace, { input: { selectionId, idempotencyKey: randomUUID() } }, headers)).placeOrder;
}

async function placed(selectionId: string, headers: Headers) {
  return is(await place(selectionId, headers), 'PlaceOrderSuccess').order;
}

async function readSelection(id: string, headers: Headers = asAdmin) {
  return (await t.data(ExtraReadSelection, { id }, headers)).selection;
}

async function readOrder(id: string, headers: Headers = asAdmin) {
  return (await t.data(ExtraReadOrder, { id }, headers)).order;
}

/** Every stock level, by "SKU@warehouse". */
async function stock(): Promise<Record<string, number>> {
  const levels = await db().stockLevel.findMany({ select: { quantity: true, variant: { select: { sku: true } }, warehouse: { select: { code: true } } } });
  return Object.fromEntries(levels.map((l) => [`${l.variant.sku}@${l.warehouse.code}`, l.quantity]));
}

/** Runs `act`, which must be refused, and asserts that no row of any table changed. */
async function unchangedBy<T>(act: () => Promise<T>): Promise<T> {
  const before = await databaseState();
  const result = await act();
  expect(await databaseState()).toEqual(before);
  return result;
}

const totals = (subtotal: string, shipping: string, tax: string, grandTotal: string) => ({
  subtotal: { amount: subtotal }, shipping: { amount: shipping }, tax: { amount: tax }, grandTotal: { amount: grandTotal },
});

const customLine = (line: Line) => ({ kind: line.kind, sku: line.sku, name: line.name, quantity: line.quantity, taxable: line.taxable, unitPrice: line.unitPrice.amount });

// ---------------------------------------------------------------- custom lines

describe('custom lines', () => {
  it('an admin adds a line of its own: kind CUSTOM, no variant, its name and reference, priceLocked', async () => {
    const selectionId = await cart({});
    const added = is(await addCustom(selectionId, { name: '  Engraving  ', unitPrice: '120.00', quantity: 2, sku: 'ENGR-1' }), 'AddCustomSelectionItemSuccess');
    expect(added.item).toMatchObject({
      kind: 'CUSTOM',
      variant: null,
      sku: 'ENGR-1',
      name: 'Engraving',
      quantity: 2,
      priceLocked: true,
      taxable: true,
      unitPrice: { amount: '120.00', currency: 'SEK' },
      lineTotal: { amount: '240.00' },
      capabilities: { canIncrease: false, canDecrease: true, canRemove: true },
    });

    // Without a reference, with the defaults (one unit, taxable); a 200-character name and the
    // largest amount there is are accepted.
    const plain = is(await addCustom(selectionId, { name: 'N'.repeat(200), unitPrice: '1000000000.00' }), 'AddCustomSelectionItemSuccess');
    expect(plain.item).toMatchObject({ kind: 'CUSTOM', sku: null, name: 'N'.repeat(200), quantity: 1, taxable: true, unitPrice: { amount: '1000000000.00' } });
    expect(plain.item.capabilities).toEqual({ canIncrease: false, canDecrease: false, canRemove: true });
    expect(plain.selection.items.map((line) => line.id)).toEqual([added.item.id, plain.item.id]);
  });

  it('keeps a line with taxable false out of the tax base: tax = rate × (taxable lines + shipping)', async () => {
    // SE: shipping 49.00, tax 25 %.
    const selectionId = await cart({
      catalog: [{ sku: 'TEE-S', quantity: 2 }],
      custom: [
        { name: 'Express upgrade', unitPrice: '250.00', sku: 'EXP-1' },
        { name: 'Deposit', unitPrice: '100.00', quantity: 2, taxable: false },
      ],
    });
    const selection = (await readSelection(selectionId))!;
    // 298.00 + 250.00 + 200.00; tax 25 % of 298.00 + 250.00 + 49.00 = 597.00.
    expect(selection.totals).toEqual(totals('748.00', '49.00', '149.25', '946.25'));
    expect(selection.items.map((line) => [line.kind, line.taxable])).toEqual([['CATALOG', true], ['CUSTOM', true], ['CUSTOM', false]]);

    const depositOnly = (await readSelection(await cart({ custom: [{ name: 'Deposit', unitPrice: '100.00', taxable: false }] })))!;
    expect(depositOnly.totals).toEqual(totals('100.00', '49.00', '12.25', '161.25'));
  });

  it('a claimant\'s copy carries custom lines; the order snapshots them and takes stock only for catalog lines', async () => {
    const selectionId = await cart({
      catalog: [{ sku: 'TEE-S', quantity: 2 }],
      custom: [
        { name: 'Express upgrade', unitPrice: '250.00', sku: 'EXP-1' },
        { name: 'Deposit', unitPrice: '100.00', quantity: 2, taxable: false },
      ],
    });
    const original = (await readSelection(selectionId))!;
    const copy = await claim(await issue(selectionId));
    expect(copy.selection.items.map(customLine)).toEqual(original.items.map(customLine));
    expect(copy.selection.items.map((line) => line.priceLocked)).toEqual([false, true, true]);
    expect(copy.selection.items[1]!.variant).toBeNull();
    expect(copy.selection.totals).toEqual(totals('748.00', '49.00', '149.25', '946.25'));

    const before = await stock();
    const order = await placed(copy.selection.id, copy.headers);
    expect(order.items).toEqual([
      { kind: 'CATALOG', sku: 'TEE-S', name: 'T-shirt S', quantity: 2, unitPrice: { amount: '149.00' }, lineTotal: { amount: '298.00' } },
      { kind: 'CUSTOM', sku: 'EXP-1', name: 'Express upgrade', quantity: 1, unitPrice: { amount: '250.00' }, lineTotal: { amount: '250.00' } },
      { kind: 'CUSTOM', sku: null, name: 'Deposit', quantity: 2, unitPrice: { amount: '100.00' }, lineTotal: { amount: '200.00' } },
    ]);
    expect(order.totals).toEqual(totals('748.00', '49.00', '149.25', '946.25'));
    expect(await stock()).toEqual({ ...before, 'TEE-S@W1': before['TEE-S@W1']! - 2 });
    // The snapshot stays as it was, as the admin and the session read it.
    expect((await readOrder(order.id))!.items).toEqual(order.items);
    expect((await readOrder(order.id, copy.headers))!.items).toEqual(order.items);
  });

  it('the claimant may decrease and remove a custom line, never increase it (PRICE_LOCKED)', async () => {
    const selectionId = await cart({ catalog: [{ sku: 'MUG', quantity: 1 }], custom: [{ name: 'Engraving', unitPrice: '30.00', quantity: 3 }] });
    const copy = await claim(await issue(selectionId));
    const line = copy.selection.items[1]!;
    expect(line.capabilities).toEqual({ canIncrease: false, canDecrease: true, canRemove: true });

    const increase = { input: { selectionId: copy.selection.id, itemId: line.id, quantity: 4 } };
    const refused = await unchangedBy(async () => (await t.data(ExtraUpdate, increase, copy.headers)).updateSelectionItem);
    expect(is(refused, 'SelectionStateError').code).toBe('PRICE_LOCKED');

    const decreased = (await t.data(ExtraUpdate, { input: { selectionId: copy.selection.id, itemId: line.id, quantity: 2 } }, copy.headers)).updateSelectionItem;
    expect(is(decreased, 'UpdateSelectionItemSuccess').item).toMatchObject({ quantity: 2, lineTotal: { amount: '60.00' }, priceLocked: true });

    const removed = (await t.data(ExtraRemove, { input: { selectionId: copy.selection.id, itemId: line.id } }, copy.headers)).removeSelectionItem;
    expect(is(removed, 'RemoveSelectionItemSuccess').selection.items.map((item) => item.kind)).toEqual(['CATALOG']);
  });

  it('a copy from a locked link cannot change a custom line at all (SELECTION_LOCKED)', async () => {
    const selectionId = await cart({ custom: [{ name: 'Engraving', unitPrice: '30.00', quantity: 3 }] });
    const copy = await claim(await issue(selectionId, { lockItems: true }));
    const line = copy.selection.items[0]!;
    expect(line.capabilities).toEqual({ canIncrease: false, canDecrease: false, canRemove: false });
    for (const quantity of [2, 4]) {
      const result = await unchangedBy(async () =>
        (await t.data(ExtraUpdate, { input: { selectionId: copy.selection.id, itemId: line.id, quantity } }, copy.headers)).updateSelectionItem);
      expect(is(result, 'SelectionStateError').code).toBe('SELECTION_LOCKED');
    }
    const removed = await unchangedBy(async () =>
      (await t.data(ExtraRemove, { input: { selectionId: copy.selection.id, itemId: line.id } }, copy.headers)).removeSelectionItem);
    expect(is(removed, 'SelectionStateError').code).toBe('SELECTION_LOCKED');
  });

  it('a selection of custom lines is never OUT_OF_STOCK, even where no warehouse holds anything', async () => {
    const where = { marketCode: 'BARE', countryCode: 'FI' };
    // A catalog line there is short: the market has no stock at all.
    const short = await place(await cart({ catalog: [{ sku: 'TEE-S', quantity: 1 }] }, where), asAdmin);
    expect(is(short, 'OutOfStockError').shortages).toEqual([{ sku: 'TEE-S', requested: 1, available: 0 }]);

    const selectionId = await cart({ custom: [{ name: 'Installation', unitPrice: '500.00', quantity: 10_000 }] }, where);
    const copy = await claim(await issue(selectionId));
    expect(copy.selection.placeOrderBlockers).toEqual([]);
    const before = await stock();
    const order = await placed(copy.selection.id, copy.headers);
    expect(order.items).toEqual([
      { kind: 'CUSTOM', sku: null, name: 'Installation', quantity: 10_000, unitPrice: { amount: '500.00' }, lineTotal: { amount: '5000000.00' } },
    ]);
    expect(await stock()).toEqual(before);
  });

  it('an admin may reprice a custom line above zero, not to zero or below (ValidationError)', async () => {
    const selectionId = await cart({ custom: [{ name: 'Engraving', unitPrice: '30.00', quantity: 2 }] });
    const itemId = (await readSelection(selectionId))!.items[0]!.id;
    for (const unitPrice of ['0', '0.00', '-5.00']) {
      const result = await unchangedBy(async () => (await t.admin(ExtraUpdate, { input: { selectionId, itemId, unitPrice } })).updateSelectionItem);
      expect(is(result, 'ValidationError').path).toEqual(['input', 'unitPrice']);
    }
    // Not even an admin raises its quantity.
    const more = await unchangedBy(async () => (await t.admin(ExtraUpdate, { input: { selectionId, itemId, quantity: 3 } })).updateSelectionItem);
    expect(is(more, 'SelectionStateError').code).toBe('PRICE_LOCKED');

    const repriced = is((await t.admin(ExtraUpdate, { input: { selectionId, itemId, unitPrice: '75.00' } })).updateSelectionItem, 'UpdateSelectionItemSuccess');
    expect(repriced.item).toMatchObject({ kind: 'CUSTOM', quantity: 2, priceLocked: true, unitPrice: { amount: '75.00' }, lineTotal: { amount: '150.00' } });
  });
});

// ---------------------------------------------------------------- bad input

describe('bad input is refused with a typed error and writes nothing', () => {
  /** Ids made once for these cases. */
  const f = { open: '', jpy: '', copy: '', copyHeaders: {} as Headers, locked: '', ordered: '', deleted: '', earlierOrder: '' };

  beforeAll(async () => {
    f.open = await cart({ catalog: [{ sku: 'MUG', quantity: 1 }] });
    f.jpy = await createSelection(t, { marketCode: 'JP', pricelistCode: 'JPY', countryCode: 'JP' });
    const copy = await claim(await issue(await cart({ catalog: [{ sku: 'MUG', quantity: 1 }] })));
    f.copy = copy.selection.id;
    f.copyHeaders = copy.headers;
    f.locked = (await claim(await issue(await cart({ catalog: [{ sku: 'MUG', quantity: 1 }] }), { lockItems: true }))).selection.id;
    // An ordered copy; the first order from its link deleted the link's admin selection.
    f.deleted = await cart({ catalog: [{ sku: 'MUG', quantity: 1 }] }, { customerEmail: 'earlier@example.com' });
    const buyer = await claim(await issue(f.deleted));
    f.ordered = buyer.selection.id;
    f.earlierOrder = (await placed(f.ordered, buyer.headers)).id;
  });

  type Refusal = { __typename: string; code: string; path?: string[] };
  const validation = (field: string): Refusal => ({ __typename: 'ValidationError', code: 'VALIDATION', path: ['input', field] });
  const notFound: Refusal = { __typename: 'NotFoundError', code: 'NOT_FOUND' };

  async function refusedCustom(input: Partial<Custom> & { selectionId?: string }, expected: Refusal, headers: Headers = asAdmin) {
    const result = await unchangedBy(() => addCustom(input.selectionId ?? f.open, { name: 'Line', unitPrice: '10.00', ...input }, headers));
    expect(result).toMatchObject(expected);
  }

  it.each([
    ['empty', ''],
    ['whitespace only', ' \t '],
    ['201 characters', 'A'.repeat(201)],
    ['1,000 characters', 'A'.repeat(1000)],
    ['a control character', 'Line\u0000'],
  ])('a name that is %s', (_label, name) => refusedCustom({ name }, validation('name')));

  it.each([
    ['zero', '0'],
    ['zero with fraction digits', '0.00'],
    ['negative', '-10.00'],
    ['a negative cent', '-0.01'],
    ['over the cap', '1000000000.01'],
    ['far over the cap', '99999999999999999999'],
    ['three fraction digits in SEK', '10.001'],
    ['a fraction of a cent', '149.005'],
  ])('a unitPrice that is %s', (_label, unitPrice) => refusedCustom({ unitPrice }, validation('unitPrice')));

  it('a unitPrice with a fraction in JPY', () => refusedCustom({ selectionId: f.jpy, unitPrice: '1.5' }, validation('unitPrice')));

  it.each([0, -1, 10_001])('the quantity %i', (quantity) => refusedCustom({ quantity }, validation('quantity')));

  it.each(['', ' ', 'A B', '-X', 'X/1', 'Wé', 'A'.repeat(65)])('the reference %j', (sku) => refusedCustom({ sku }, validation('sku')));

  it('a custom line on its claimed copy by the session (ForbiddenError), or by nobody', async () => {
    await refusedCustom({ selectionId: f.copy }, { __typename: 'ForbiddenError', code: 'FORBIDDEN' }, f.copyHeaders);
    await refusedCustom({ selectionId: f.copy }, { __typename: 'ForbiddenError', code: 'FORBIDDEN' }, {});
  });

  it('a custom line on an ordered or deleted selection (SELECTION_CLOSED), or a locked copy (SELECTION_LOCKED)', async () => {
    await refusedCustom({ selectionId: f.ordered }, { __typename: 'SelectionStateError', code: 'SELECTION_CLOSED' });
    await refusedCustom({ selectionId: f.deleted }, { __typename: 'SelectionStateError', code: 'SELECTION_CLOSED' });
    await refusedCustom({ selectionId: f.locked }, { __typename: 'SelectionStateError', code: 'SELECTION_LOCKED' });
  });

  it.each([UNKNOWN_UUID, 'abc', ''])('a custom line on the selection %j (NotFoundError)', (selectionId) => refusedCustom({ selectionId }, notFound));

  const create = (input: { relatedOrderId: string; customerEmail?: string }) =>
    t.admin(ExtraCreate, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', ...input } }).then((r) => r.createSelection);

  it.each([UNKNOWN_UUID, 'not-an-id', ''])('a relatedOrderId %j that names no order (NotFoundError)', async (relatedOrderId) => {
    expect(await unchangedBy(() => create({ relatedOrderId }))).toMatchObject(notFound);
  });

  it('a relatedOrderId with another customer\'s customerEmail (ValidationError); the same address in another case is accepted', async () => {
    const other = await unchangedBy(() => create({ relatedOrderId: f.earlierOrder, customerEmail: 'someone.else@example.com' }));
    expect(other).toMatchObject(validation('customerEmail'));

    const same = is(await create({ relatedOrderId: f.earlierOrder, customerEmail: ' Earlier@Example.COM ' }), 'CreateSelectionSuccess');
    expect(same.selection.customer?.email).toBe('earlier@example.com');
    expect(same.selection.relatedOrder?.id).toBe(f.earlierOrder);
  });

  it.each([0, -1, 1_000_001])('maxOrders %i (ValidationError)', async (maxOrders) => {
    const result = await unchangedBy(async () => (await t.admin(ExtraIssue, { input: { selectionId: f.open, lockItems: false, maxOrders } })).issueShareableLink);
    expect(result).toMatchObject(validation('maxOrders'));
  });
});

// ---------------------------------------------------------------- an additional payment for an earlier order

describe('a selection for an earlier order', () => {
  it('the worked case: 250.00 for the express upgrade of an earlier order, claimed and paid once, listed on the earlier order', async () => {
    // The earlier order: customer A bought a T-shirt through a link, giving her names.
    const first = await claim(await issue(await cart({ catalog: [{ sku: 'TEE-M', quantity: 1 }] }, { customerEmail: null })));
    const named = { selectionId: first.selection.id, email: 'astrid@example.com', firstName: 'Astrid', lastName: 'Lind' };
    is((await t.data(SetCustomer, { input: named }, first.headers)).setCustomer, 'SetCustomerSuccess');
    const earlier = await placed(first.selection.id, first.headers);

    // The admin asks for the additional payment: no customerEmail, the order's customer and names.
    const created = (await t.admin(ExtraCreate, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', relatedOrderId: earlier.id } })).createSelection;
    const selection = is(created, 'CreateSelectionSuccess').selection;
    expect(selection.customer).toEqual({ email: 'astrid@example.com', firstName: 'Astrid', lastName: 'Lind' });
    expect(selection.relatedOrder).toEqual({ id: earlier.id, number: earlier.number });
    const name = `Express upgrade for order ${earlier.number}`;
    is(await addCustom(selection.id, { name, unitPrice: '250.00', sku: 'EXPRESS' }), 'AddCustomSelectionItemSuccess');
    const link = await issue(selection.id, { lockItems: true, ignoreShipping: true, maxOrders: 1 });
    expect((await t.admin(ExtraReadLink, { id: link.linkId })).shareableLink).toMatchObject({ status: 'ACTIVE', maxOrders: 1 });

    // She opens it in the storefront she bought from, and in a second browser.
    const copy = await claim(link, first.headers);
    expect(copy.headers).toEqual(first.headers);
    const second = await claim(link);
    expect(copy.selection).toMatchObject({
      locked: true,
      customer: { email: 'astrid@example.com', firstName: 'Astrid', lastName: 'Lind' },
      // Admins only: the session does not see which order the copy is for.
      relatedOrder: null,
      items: [{ kind: 'CUSTOM', name, sku: 'EXPRESS', quantity: 1, capabilities: { canIncrease: false, canDecrease: false, canRemove: false } }],
      totals: totals('250.00', '0.00', '62.50', '312.50'),
      capabilities: { canAddItems: false, canChangeCountry: true, canPlaceOrder: true },
      placeOrderBlockers: [],
    });
    expect((await readSelection(copy.selection.id))!.relatedOrder).toEqual({ id: earlier.id, number: earlier.number });

    const supplementary = await placed(copy.selection.id, copy.headers);
    expect(supplementary).toMatchObject({
      customer: { email: 'astrid@example.com', firstName: 'Astrid', lastName: 'Lind' },
      items: [{ kind: 'CUSTOM', sku: 'EXPRESS', name, quantity: 1, unitPrice: { amount: '250.00' }, lineTotal: { amount: '250.00' } }],
      totals: totals('250.00', '0.00', '62.50', '312.50'),
      // She placed the earlier order too: she sees it.
      relatedOrder: { id: earlier.id, number: earlier.number },
      supplementaryOrders: [],
    });

    // The paid copy is closed; its own order does not make it LINK_USED as well.
    expect((await readSelection(copy.selection.id, copy.headers))!.placeOrderBlockers).toEqual(['SELECTION_CLOSED']);

    // The second browser pays nothing: the link had its one order.
    const again = (await readSelection(second.selection.id, second.headers))!;
    expect(again.placeOrderBlockers).toEqual(['LINK_USED']);
    expect(again.capabilities.canPlaceOrder).toBe(false);
    const refused = await unchangedBy(() => place(second.selection.id, second.headers));
    expect(is(refused, 'LinkUnavailableError').code).toBe('LINK_USED');

    const ref = { id: supplementary.id, number: supplementary.number };
    expect((await readOrder(supplementary.id))!.relatedOrder).toEqual({ id: earlier.id, number: earlier.number });
    expect((await readOrder(earlier.id))!.supplementaryOrders).toEqual([ref]);
    expect((await readOrder(earlier.id, first.headers))!.supplementaryOrders).toEqual([ref]);
  });

  it('shows a session only the related orders it placed; an anonymous caller sees no order', async () => {
    const first = await claim(await issue(await cart({ catalog: [{ sku: 'MUG', quantity: 1 }] }, { customerEmail: 'bo@example.com' })));
    const earlier = await placed(first.selection.id, first.headers);

    // Two additional payments for it, each paid from a storefront that did not place it.
    const orders = [];
    for (const amount of ['20.00', '30.00']) {
      const created = (await t.admin(ExtraCreate, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'NO', relatedOrderId: earlier.id } })).createSelection;
      const selectionId = is(created, 'CreateSelectionSuccess').selection.id;
      is(await addCustom(selectionId, { name: 'Extra', unitPrice: amount }), 'AddCustomSelectionItemSuccess');
      const copy = await claim(await issue(selectionId, { lockItems: true }));
      expect(copy.selection.relatedOrder).toBeNull();
      orders.push({ order: await placed(copy.selection.id, copy.headers), headers: copy.headers, copyId: copy.selection.id });
    }
    const [a, b] = orders as [typeof orders[0], typeof orders[0]];

    // The admin sees both ways, oldest first.
    const refs = orders.map(({ order }) => ({ id: order.id, number: order.number }));
    expect((await readOrder(earlier.id))!.supplementaryOrders).toEqual(refs);
    expect((await readOrder(a.order.id))!.relatedOrder?.id).toBe(earlier.id);
    expect((await readSelection(b.copyId))!.relatedOrder?.id).toBe(earlier.id);

    // A payer sees its own order, not the earlier one behind it (it did not place that).
    expect(a.order.relatedOrder).toBeNull();
    expect((await readOrder(a.order.id, a.headers))!.relatedOrder).toBeNull();
    expect(await readOrder(earlier.id, a.headers)).toBeNull();
    expect((await readSelection(a.copyId, a.headers))!.relatedOrder).toBeNull();
    // The earlier order's buyer sees that order but none of the payments others placed.
    expect((await readOrder(earlier.id, first.headers))!.supplementaryOrders).toEqual([]);
    expect(await readOrder(a.order.id, first.headers)).toBeNull();
    // An anonymous caller sees none of them.
    for (const id of [earlier.id, a.order.id, b.order.id]) expect(await readOrder(id, {})).toBeNull();
    expect(await readSelection(a.copyId, {})).toBeNull();
  });
  it('keeps the earlier order\'s customer: setCustomer with another e-mail is refused and writes nothing, the same e-mail with new names is accepted', async () => {
    const buyer = await claim(await issue(await cart({ catalog: [{ sku: 'MUG', quantity: 1 }] }, { customerEmail: 'dag@example.com' })));
    const earlier = await placed(buyer.selection.id, buyer.headers);
    const created = (await t.admin(ExtraCreate, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', relatedOrderId: earlier.id } })).createSelection;
    const selectionId = is(created, 'CreateSelectionSuccess').selection.id;
    is(await addCustom(selectionId, { name: 'Gift wrap', unitPrice: '30.00' }), 'AddCustomSelectionItemSuccess');
    const copy = await claim(await issue(selectionId));

    for (const [id, headers] of [[selectionId, asAdmin], [copy.selection.id, copy.headers]] as const) {
      const refused = await unchangedBy(async () => (await t.data(SetCustomer, { input: { selectionId: id, email: 'someone-else@example.com' } }, headers)).setCustomer);
      expect(is(refused, 'ValidationError')).toMatchObject({ code: 'VALIDATION', path: ['input', 'email'] });
    }
    const renamed = { selectionId: copy.selection.id, email: 'DAG@example.com', firstName: 'Dag' };
    is((await t.data(SetCustomer, { input: renamed }, copy.headers)).setCustomer, 'SetCustomerSuccess');
    expect((await readSelection(copy.selection.id, copy.headers))!.customer).toMatchObject({ email: 'dag@example.com', firstName: 'Dag' });
    const order = await placed(copy.selection.id, copy.headers);
    expect((await readOrder(order.id))!.relatedOrder).toEqual({ id: earlier.id, number: earlier.number });
  });

  it('an admin may place the order of such a selection directly: it points back to the earlier order too', async () => {
    const buyer = await claim(await issue(await cart({ catalog: [{ sku: 'MUG', quantity: 1 }] }, { customerEmail: 'cai@example.com' })));
    const earlier = await placed(buyer.selection.id, buyer.headers);
    const created = (await t.admin(ExtraCreate, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', relatedOrderId: earlier.id } })).createSelection;
    const selectionId = is(created, 'CreateSelectionSuccess').selection.id;
    is(await addCustom(selectionId, { name: 'Late fee', unitPrice: '40.00', taxable: false }), 'AddCustomSelectionItemSuccess');
    const order = await placed(selectionId, asAdmin);
    expect(order).toMatchObject({ customer: { email: 'cai@example.com' }, relatedOrder: { id: earlier.id }, totals: totals('40.00', '49.00', '12.25', '101.25') });
    expect((await readOrder(earlier.id))!.supplementaryOrders.map((o) => o.id)).toEqual([order.id]);
    // Its buyer did not place it: the earlier order's storefront does not see it.
    expect((await readOrder(earlier.id, buyer.headers))!.supplementaryOrders).toEqual([]);
  });
});

// ---------------------------------------------------------------- maxOrders

describe('maxOrders', () => {
  async function twoBrowsers(maxOrders: number | null, copies = 2) {
    const selectionId = await cart({ catalog: [{ sku: 'MUG', quantity: 1 }], custom: [{ name: 'Gift wrap', unitPrice: '15.00' }] });
    const link = await issue(selectionId, maxOrders === null ? {} : { maxOrders });
    expect((await t.admin(ExtraReadLink, { id: link.linkId })).shareableLink?.maxOrders).toBe(maxOrders);
    const claims = [];
    for (let i = 0; i < copies; i++) claims.push(await claim(link));
    return { link, claims };
  }

  it('with 1: of two claims only the first to pay pays; the other is told LINK_USED before it tries', async () => {
    const { link, claims: [first, second] } = await twoBrowsers(1);
    expect(second!.selection.placeOrderBlockers).toEqual([]);
    await placed(first!.selection.id, first!.headers);

    const read = (await readSelection(second!.selection.id, second!.headers))!;
    expect(read.placeOrderBlockers).toEqual(['LINK_USED']);
    expect(read.capabilities).toEqual({ canAddItems: true, canChangeCountry: true, canPlaceOrder: false });
    const refused = await unchangedBy(() => place(second!.selection.id, second!.headers));
    expect(is(refused, 'LinkUnavailableError').code).toBe('LINK_USED');
    // The copy stays open and changeable; only the purchase is refused.
    expect(read.status).toBe('OPEN');
    // A new claim gets nothing (the seed's rule for a consumed link).
    const late = (await t.data(ExtraClaim, { input: { hash1: link.hash1, hash2: link.hash2 } }, {})).claimSelection;
    expect(is(late, 'LinkUnavailableError').code).toBe('LINK_USED');
  });

  it('without it, a claimant from before the first order may still pay (the seed\'s rule)', async () => {
    const { claims: [first, second] } = await twoBrowsers(null);
    await placed(first!.selection.id, first!.headers);
    const read = (await readSelection(second!.selection.id, second!.headers))!;
    expect(read.placeOrderBlockers).toEqual([]);
    expect(read.capabilities.canPlaceOrder).toBe(true);
    await placed(second!.selection.id, second!.headers);
  });

  it('with 2: two copies pay, the third is refused; stock is taken twice', async () => {
    const { claims } = await twoBrowsers(2, 3);
    const [first, second, third] = claims as [typeof claims[0], typeof claims[0], typeof claims[0]];
    const before = await stock();
    await placed(first.selection.id, first.headers);
    expect((await readSelection(third.selection.id, third.headers))!.placeOrderBlockers).toEqual([]);
    await placed(second.selection.id, second.headers);
    expect((await readSelection(third.selection.id, third.headers))!.placeOrderBlockers).toEqual(['LINK_USED']);
    const refused = await unchangedBy(() => place(third.selection.id, third.headers));
    expect(is(refused, 'LinkUnavailableError').code).toBe('LINK_USED');
    expect(await stock()).toEqual({ ...before, 'MUG@W1': before['MUG@W1']! - 2 });
  });

  it('reads back the largest value, 1,000,000', async () => {
    const link = await issue(await cart({ custom: [{ name: 'Line', unitPrice: '1.00' }] }), { maxOrders: 1_000_000 });
    expect((await t.admin(ExtraReadLink, { id: link.linkId })).shareableLink?.maxOrders).toBe(1_000_000);
  });
});
