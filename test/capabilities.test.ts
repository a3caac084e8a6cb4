// Capabilities as data (issue 13): over a generated matrix of link options × line kinds ×
// quantities × states of a claimed copy, what `SelectionItem.capabilities`,
// `Selection.capabilities` and `Selection.placeOrderBlockers` announce is what the mutations
// then do. Each mutation runs on a copy of its own, so that one success changes nothing for
// the next: capability true ⇔ the mutation is accepted, and a refusal carries the code the
// rules give (for placeOrder: the first blocker shown). The test's own reading of the rules
// (expected below) is checked against both, so neither can drift alone.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapCopyFragment, PlaceOrderBlocker } from './gql/graphql.js';
import { graphql } from './gql/index.js';
import { asAdmin, asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem, Claim, ImportCatalog, IssueLink } from './helpers/documents.js';
import { createSelection, seedCatalog } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedCatalog(t);
  // CAP is the line of every cell, with stock for every order the matrix places; CAP-ADD is
  // what a claimant adds.
  const variant = (sku: string) => ({
    sku,
    name: sku,
    prices: [{ pricelistCode: 'SEK', amount: '10.00' }, { pricelistCode: 'JPY', amount: '1000' }],
    stock: [{ warehouseCode: 'W1', quantity: 100_000_000 }],
  });
  const result = await t.admin(ImportCatalog, { input: { products: [{ code: 'CAP', name: 'Capability', variants: [variant('CAP'), variant('CAP-ADD')] }] } });
  is(result.importCatalog, 'ImportCatalogSuccess');
});
afterAll(() => t.stop());

// ---------------------------------------------------------------- documents

graphql(`
  fragment CapCopy on Selection {
    id
    status
    countryCode
    availableCountries { code shippable }
    items { id quantity priceLocked capabilities { canIncrease canDecrease canRemove } }
    capabilities { canAddItems canChangeCountry canPlaceOrder }
    placeOrderBlockers
  }
`);

const CapRead = graphql(`
  query CapRead($id: ID!) {
    selection(id: $id) { ...CapCopy }
  }
`);

const CapAddCustom = graphql(`
  mutation CapAddCustom($input: AddCustomSelectionItemInput!) {
    addCustomSelectionItem(input: $input) { __typename ... on Error { code message } }
  }
`);

// The mutations a capability speaks for: each answers its __typename and, refused, its code.
const CapUpdate = graphql(`
  mutation CapUpdate($input: UpdateSelectionItemInput!) {
    result: updateSelectionItem(input: $input) { __typename ... on Error { code message } }
  }
`);

const CapRemove = graphql(`
  mutation CapRemove($input: RemoveSelectionItemInput!) {
    result: removeSelectionItem(input: $input) { __typename ... on Error { code message } }
  }
`);

const CapAdd = graphql(`
  mutation CapAdd($input: AddSelectionItemInput!) {
    result: addSelectionItem(input: $input) { __typename ... on Error { code message } }
  }
`);

const CapSetCountry = graphql(`
  mutation CapSetCountry($input: SetShippingCountryInput!) {
    result: setShippingCountry(input: $input) { __typename ... on Error { code message } }
  }
`);

const CapSetCustomer = graphql(`
  mutation CapSetCustomer($input: SetCustomerInput!) {
    result: setCustomer(input: $input) { __typename ... on Error { code message } }
  }
`);

const CapPlace = graphql(`
  mutation CapPlace($input: PlaceOrderInput!) {
    result: placeOrder(input: $input) { __typename ... on Error { code message } }
  }
`);

// ---------------------------------------------------------------- the matrix

type LineKind = 'catalog line' | 'admin-priced catalog line' | 'custom line';
/** What happened to the copy after its claim, before its capabilities are read. */
type State = 'open' | 'no customer' | 'ordered' | 'emptied' | 'unshippable' | 'one-country market';
type Action = 'increase' | 'decrease' | 'remove' | 'add an item' | 'change country' | 'place the order';

interface Cell {
  state: State;
  lockItems: boolean;
  maxOrders: 1 | null;
  /** Another copy of the same link placed its order first. */
  anotherPaid: boolean;
  line: LineKind;
  quantity: number;
}

const LINE_KINDS: LineKind[] = ['catalog line', 'admin-priced catalog line', 'custom line'];
const ACTIONS: Action[] = ['increase', 'decrease', 'remove', 'add an item', 'change country', 'place the order'];
const LINE_ACTIONS: readonly Action[] = ['increase', 'decrease', 'remove'];
const MAX_LINE = 10_000;

const product = <T extends Record<string, readonly unknown[]>>(axes: T): { [K in keyof T]: T[K][number] }[] =>
  Object.entries(axes).reduce<Record<string, unknown>[]>(
    (cells, [key, values]) => cells.flatMap((cell) => values.map((value) => ({ ...cell, [key]: value }))),
    [{}],
  ) as { [K in keyof T]: T[K][number] }[];

/**
 * Every link option × line kind × quantity on an open copy, and the largest quantity; each
 * other state × lock × line kind, and with the link's one order taken by another copy.
 */
const OPEN: Cell[] = [
  ...product({ lockItems: [false, true], maxOrders: [null, 1] as const, anotherPaid: [false, true], line: LINE_KINDS, quantity: [1, 2] }),
  ...product({ lockItems: [false, true], line: LINE_KINDS }).map((c) => ({ ...c, maxOrders: null, anotherPaid: false, quantity: MAX_LINE })),
].map((c) => ({ state: 'open' as const, ...c }));

function inState(state: State, locks: boolean[], quotas: { maxOrders: 1 | null; anotherPaid: boolean }[]): Cell[] {
  return product({ lockItems: locks, quota: quotas, line: LINE_KINDS }).map(({ quota, ...c }) => ({ state, ...c, ...quota, quantity: 2 }));
}
const NO_QUOTA = { maxOrders: null, anotherPaid: false };
const QUOTA_TAKEN = { maxOrders: 1 as const, anotherPaid: true };
const OTHER_STATES: Cell[] = [
  ...(['no customer', 'unshippable'] as const).flatMap((state) => [...inState(state, [false, true], [NO_QUOTA]), ...inState(state, [false], [QUOTA_TAKEN])]),
  // A locked copy cannot be emptied.
  ...inState('emptied', [false], [NO_QUOTA, QUOTA_TAKEN]),
  // Each copy of these places its own order: no quota.
  ...inState('ordered', [false, true], [NO_QUOTA]),
  ...inState('one-country market', [false, true], [NO_QUOTA]),
];

function label(cell: Cell): string {
  return [
    cell.state,
    cell.lockItems ? 'locked' : 'unlocked',
    cell.maxOrders === null ? 'no maxOrders' : `maxOrders ${cell.maxOrders}`,
    ...(cell.anotherPaid ? ['another copy paid'] : []),
    `${cell.line} × ${cell.quantity}`,
  ].join(' · ');
}

// ---------------------------------------------------------------- the rules, as this test reads them

const BLOCKER_OF_CODE: Record<string, PlaceOrderBlocker> = {
  SELECTION_CLOSED: 'SELECTION_CLOSED',
  SELECTION_EMPTY: 'SELECTION_EMPTY',
  VALIDATION: 'CUSTOMER_MISSING',
  SHIPPING_UNAVAILABLE: 'SHIPPING_UNAVAILABLE',
  LINK_USED: 'LINK_USED',
};

function expectedBlockers(cell: Cell): PlaceOrderBlocker[] {
  const blockers: PlaceOrderBlocker[] = [];
  if (cell.state === 'ordered') blockers.push('SELECTION_CLOSED');
  if (cell.state === 'emptied') blockers.push('SELECTION_EMPTY');
  if (cell.state === 'no customer') blockers.push('CUSTOMER_MISSING');
  if (cell.state === 'unshippable') blockers.push('SHIPPING_UNAVAILABLE');
  if (cell.maxOrders !== null && (cell.anotherPaid ? 1 : 0) >= cell.maxOrders) blockers.push('LINK_USED');
  return blockers;
}

/** 'OK', or the code the mutation refuses with. */
function expected(cell: Cell, action: Action): string {
  const closed = cell.state === 'ordered' ? 'SELECTION_CLOSED' : null;
  const itemsRefusal = closed ?? (cell.lockItems ? 'SELECTION_LOCKED' : null);
  switch (action) {
    // A quantity out of 1 to 10,000 is bad input, refused before the state is looked at.
    case 'increase':
      return cell.quantity + 1 > MAX_LINE ? 'VALIDATION' : itemsRefusal ?? (cell.line === 'catalog line' ? 'OK' : 'PRICE_LOCKED');
    case 'decrease':
      return cell.quantity - 1 < 1 ? 'VALIDATION' : itemsRefusal ?? 'OK';
    case 'remove':
    case 'add an item':
      return itemsRefusal ?? 'OK';
    case 'change country':
      // SE and unshippable markets have another country they ship to (NO); JP has only JP.
      return closed ?? (cell.state === 'one-country market' ? 'SHIPPING_UNAVAILABLE' : 'OK');
    case 'place the order': {
      const first = expectedBlockers(cell)[0];
      return first ? Object.keys(BLOCKER_OF_CODE).find((code) => BLOCKER_OF_CODE[code] === first)! : 'OK';
    }
  }
}

// ---------------------------------------------------------------- running a cell

type Headers = Record<string, string>;
interface Copy { id: string; itemId: string | undefined; headers: Headers }
/**
 * A cell's copies, each in the cell's state: its own for every action that is to succeed, and
 * one shared by the actions that are to be refused (a refusal is checked to change nothing).
 */
type Copies = Map<Action, Copy>;

/** The market the unshippable cells share: it serves SE and NO until they are set up, then NO only. */
const UNSHIPPABLE_MARKET = 'CAPU';
const unshippableMarket = (countries: string[]) => ({
  markets: [{ code: UNSHIPPABLE_MARKET, name: 'Stops serving SE', countries, warehouseCodes: ['W1'] }],
});

const actionsOf = (cell: Cell) => (cell.state === 'emptied' ? ACTIONS.filter((action) => !LINE_ACTIONS.includes(action)) : ACTIONS);

async function succeed(result: Promise<{ result: { __typename: string } }>) {
  const answer = (await result).result;
  expect(answer.__typename, JSON.stringify(answer)).toMatch(/Success$/);
}

/**
 * The cell's admin selection with its one line, its link, its claimed copies (Copies) and, when
 * another copy paid, that copy's order; then each copy brought into the cell's state as its
 * holder would (an unshippable copy's market changes later, for all of them at once).
 */
async function prepare(cell: Cell): Promise<Copies> {
  const where = cell.state === 'one-country market' ? { marketCode: 'JP', pricelistCode: 'JPY', countryCode: 'JP' }
    : cell.state === 'unshippable' ? { marketCode: UNSHIPPABLE_MARKET, countryCode: 'SE' }
    : { countryCode: 'SE' };
  const selectionId = await createSelection(t, { ...where, ...(cell.state !== 'no customer' && { customerEmail: 'matrix@example.com' }) });
  if (cell.line === 'custom line') {
    const added = await t.admin(CapAddCustom, { input: { selectionId, name: 'Custom line', unitPrice: '5', quantity: cell.quantity } });
    is(added.addCustomSelectionItem, 'AddCustomSelectionItemSuccess');
  } else {
    const unitPrice = cell.line === 'admin-priced catalog line' ? '7' : undefined;
    is((await t.admin(AddItem, { input: { selectionId, sku: 'CAP', quantity: cell.quantity, unitPrice } })).addSelectionItem, 'AddSelectionItemSuccess');
  }
  const issued = await t.admin(IssueLink, { input: { selectionId, lockItems: cell.lockItems, maxOrders: cell.maxOrders } });
  const { hash2, link: { hash1 } } = is(issued.issueShareableLink, 'IssueShareableLinkSuccess');

  const claim = async (): Promise<Copy> => {
    const claimed = is((await t.data(Claim, { input: { hash1, hash2 } }, {})).claimSelection, 'ClaimSelectionSuccess');
    return { id: claimed.selection.id, itemId: claimed.selection.items[0]?.id, headers: asSession(claimed.sessionToken) };
  };
  const place = (copy: Copy) => succeed(t.data(CapPlace, { input: { selectionId: copy.id, idempotencyKey: randomUUID() } }, copy.headers));

  const copies: Copies = new Map();
  let refused: Copy | undefined;
  for (const action of actionsOf(cell)) copies.set(action, expected(cell, action) === 'OK' ? await claim() : (refused ??= await claim()));
  if (cell.anotherPaid) {
    const other = await claim();
    if (cell.state === 'no customer') await succeed(t.data(CapSetCustomer, { input: { selectionId: other.id, email: 'other@example.com' } }, other.headers));
    await place(other);
  }
  for (const copy of new Set(copies.values())) {
    if (cell.state === 'ordered') await place(copy);
    if (cell.state === 'emptied') await succeed(t.data(CapRemove, { input: { selectionId: copy.id, itemId: copy.itemId! } }, copy.headers));
  }
  return copies;
}

/** A mutation's answer: a success, or a typed error with its code. */
interface Answer { __typename: string; code?: string }

/** The mutation `action` stands for, on `copy` as it is now. */
async function attempt(action: Action, copy: Copy, read: CapCopyFragment): Promise<Answer> {
  const line = read.items[0]!;
  const { headers } = copy;
  switch (action) {
    case 'increase':
      return (await t.data(CapUpdate, { input: { selectionId: copy.id, itemId: line.id, quantity: line.quantity + 1 } }, headers)).result;
    case 'decrease':
      return (await t.data(CapUpdate, { input: { selectionId: copy.id, itemId: line.id, quantity: line.quantity - 1 } }, headers)).result;
    case 'remove':
      return (await t.data(CapRemove, { input: { selectionId: copy.id, itemId: line.id } }, headers)).result;
    case 'add an item':
      return (await t.data(CapAdd, { input: { selectionId: copy.id, sku: 'CAP-ADD', quantity: 1 } }, headers)).result;
    case 'change country': {
      // Another country it ships to if there is one, else any other.
      const others = read.availableCountries.filter((country) => country.code !== read.countryCode);
      const target = others.find((country) => country.shippable) ?? others[0] ?? { code: 'SE' };
      return (await t.data(CapSetCountry, { input: { selectionId: copy.id, countryCode: target.code } }, headers)).result;
    }
    case 'place the order':
      return (await t.data(CapPlace, { input: { selectionId: copy.id, idempotencyKey: randomUUID() } }, headers)).result;
  }
}

/** What the copy's holder is told it may do about `action`. */
function capability(action: Action, read: CapCopyFragment): boolean {
  const line = read.items[0]?.capabilities;
  switch (action) {
    case 'increase': return line!.canIncrease;
    case 'decrease': return line!.canDecrease;
    case 'remove': return line!.canRemove;
    case 'add an item': return read.capabilities.canAddItems;
    case 'change country': return read.capabilities.canChangeCountry;
    case 'place the order': return read.capabilities.canPlaceOrder;
  }
}

/** Reads each copy as its holder, then tries the action: accepted exactly when announced. */
async function check(cell: Cell, copies: Copies) {
  for (const [action, copy] of copies) {
    const read = (await t.data(CapRead, { id: copy.id }, copy.headers)).selection!;
    const context = `${label(cell)}: ${action}`;
    const want = expected(cell, action);
    expect(read.placeOrderBlockers, context).toEqual(expectedBlockers(cell));
    expect(capability(action, read), context).toBe(want === 'OK');

    const answer = await attempt(action, copy, read);
    if (capability(action, read)) {
      expect(answer.__typename, `${context}: ${JSON.stringify(answer)}`).toMatch(/Success$/);
    } else {
      expect(answer, context).toMatchObject({ code: want });
      if (action === 'place the order') expect(BLOCKER_OF_CODE[answer.code!], context).toBe(read.placeOrderBlockers[0]);
      // Refused: the copy is as it was, as its holder reads it.
      expect((await t.data(CapRead, { id: copy.id }, copy.headers)).selection, context).toEqual(read);
    }
  }
}

const named = (cells: Cell[]) => cells.map((cell) => [label(cell), cell] as const);

describe('every refusal is announced beforehand', () => {
  it.each(named([...OPEN, ...OTHER_STATES.filter((cell) => cell.state !== 'unshippable')]))('%s', async (_label, cell) => {
    await check(cell, await prepare(cell));
  });

  describe('in a market that stopped serving the copy\'s country', () => {
    const cells = OTHER_STATES.filter((cell) => cell.state === 'unshippable');
    const prepared = new Map<Cell, Copies>();
    beforeAll(async () => {
      is((await t.admin(ImportCatalog, {
        input: {
          ...unshippableMarket(['SE', 'NO']),
          shipping: ['SE', 'NO'].map((countryCode) => ({ marketCode: UNSHIPPABLE_MARKET, pricelistCode: 'SEK', countryCode, amount: '49.00' })),
        },
      })).importCatalog, 'ImportCatalogSuccess');
      for (const cell of cells) prepared.set(cell, await prepare(cell));
      // Its shipping rate for SE stays; the market no longer serves SE.
      is((await t.admin(ImportCatalog, { input: unshippableMarket(['NO']) })).importCatalog, 'ImportCatalogSuccess');
    });

    it.each(named(cells))('%s', async (_label, cell) => {
      await check(cell, prepared.get(cell)!);
    });
  });

  it('covers every blocker, alone and together, and both answers of every capability', () => {
    const cells = [...OPEN, ...OTHER_STATES];
    const blockers = new Set(cells.flatMap((cell) => expectedBlockers(cell)));
    expect([...blockers].sort()).toEqual(['CUSTOMER_MISSING', 'LINK_USED', 'SELECTION_CLOSED', 'SELECTION_EMPTY', 'SHIPPING_UNAVAILABLE']);
    expect(cells.some((cell) => expectedBlockers(cell).length > 1)).toBe(true);
    for (const action of ACTIONS) {
      const answers = new Set(cells.map((cell) => expected(cell, action) === 'OK'));
      expect([...answers].sort(), action).toEqual([false, true]);
    }
  });
});

it('answers the admin as it answers the holder', async () => {
  const cell: Cell = { state: 'open', lockItems: true, maxOrders: 1, anotherPaid: true, line: 'custom line', quantity: 2 };
  const copy = (await prepare(cell)).get('place the order')!;
  const asHolder = (await t.data(CapRead, { id: copy.id }, copy.headers)).selection;
  expect(asHolder?.placeOrderBlockers).toEqual(['LINK_USED']);
  expect((await t.data(CapRead, { id: copy.id }, asAdmin)).selection).toEqual(asHolder);
});
