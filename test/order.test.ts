// placeOrder (DESIGN.md §1 step 5): refusals that change nothing, stock taken in allocation
// order, the order snapshot, consuming the link, admin orders, idempotency, reading an order.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminKey } from '../src/auth/admin-key.js';
import { db } from '../src/db/client.js';
import type { OrderFieldsFragment } from './gql/graphql.js';
import { graphql } from './gql/index.js';
import { asAdmin, asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem, Claim, ImportCatalog, IssueLink, SetCustomer, SetStock } from './helpers/documents.js';
import { createSelection, handToSession, rowCounts, seedCatalog } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedCatalog(t);
  // OW3 belongs to no market: its stock is never sold. Market OX allocates W2 before W1.
  const extra = await t.admin(ImportCatalog, {
    input: {
      warehouses: [{ code: 'OW3', name: 'Outside every market' }],
      markets: [{ code: 'OX', name: 'W2 first', countries: ['FI'], warehouseCodes: ['W2', 'W1'] }],
      shipping: [{ marketCode: 'OX', pricelistCode: 'SEK', countryCode: 'FI', amount: '59.00' }],
    },
  });
  is(extra.importCatalog, 'ImportCatalogSuccess');
});
afterAll(() => t.stop());

// ---------------------------------------------------------------- documents

graphql(`
  fragment OrderFields on Order {
    id
    number
    status
    countryCode
    createdAt
    customer { email firstName lastName }
    items { sku quantity unitPrice { amount currency } lineTotal { amount currency } }
    totals { ...TestTotals }
  }
`);

const Place = graphql(`
  mutation OrderPlace($input: PlaceOrderInput!) {
    placeOrder(input: $input) { __typename ...TestFailure ... on OutOfStockError { shortages { sku requested available } } ... on ShippingUnavailableError { countryCode } ... on PlaceOrderSuccess { order { ...OrderFields } } }
  }
`);

const ReadOrder = graphql(`
  query OrderRead($id: ID!) {
    order(id: $id) { ...OrderFields }
  }
`);

const ReadSelection = graphql(`
  query OrderSelection($id: ID!) {
    selection(id: $id) {
      id
      status
      ignoreShipping
      ignoreTax
      items { sku quantity unitPrice { amount currency } lineTotal { amount currency } }
      totals { ...TestTotals }
    }
  }
`);

const ReadLink = graphql(`
  query OrderLink($id: ID!) {
    shareableLink(id: $id) {
      id
      status
      consumedAt
      selection { id }
      order { id number }
      claims { id order { id } }
    }
    linkEvents(linkId: $id) { sequence type claim { id } order { id } }
  }
`);

// ---------------------------------------------------------------- helpers

type Headers = Record<string, string>;
type Order = OrderFieldsFragment;
interface Line { sku: string; quantity: number; unitPrice?: string }

let serial = 0;
const nextKey = () => `order-test-key-${++serial}`;

/** A new product with one SKU of its own, priced in SEK, with stock per warehouse code. */
async function product(stock: Record<string, number>, price = '100.00'): Promise<string> {
  const sku = `ORD-${++serial}`;
  const result = await t.admin(ImportCatalog, {
    input: {
      products: [{
        code: sku,
        name: `Product ${sku}`,
        variants: [{
          sku,
          name: `Variant ${sku}`,
          prices: [{ pricelistCode: 'SEK', amount: price }],
          stock: Object.entries(stock).map(([warehouseCode, quantity]) => ({ warehouseCode, quantity })),
        }],
      }],
    },
  });
  is(result.importCatalog, 'ImportCatalogSuccess');
  return sku;
}

async function setStock(sku: string, warehouseCode: string, quantity: number): Promise<void> {
  is((await t.admin(SetStock, { input: { sku, warehouseCode, quantity } })).setStock, 'SetStockSuccess');
}

/** The SKU's stock per warehouse code, read from the database. */
async function stockOf(sku: string): Promise<Record<string, number>> {
  const levels = await db().stockLevel.findMany({
    where: { variant: { sku } },
    select: { quantity: true, warehouse: { select: { code: true } } },
  });
  return Object.fromEntries(levels.map((l) => [l.warehouse.code, l.quantity]));
}

/** An admin selection with these lines; with a customer unless customerEmail is null. */
async function adminCart(
  lines: Line[],
  options: { customerEmail?: string | null; countryCode?: string; marketCode?: string } = {},
): Promise<string> {
  const { customerEmail = 'buyer@example.com', ...rest } = options;
  const selectionId = await createSelection(t, { ...rest, ...(customerEmail !== null && { customerEmail }) });
  for (const line of lines) {
    is((await t.admin(AddItem, { input: { selectionId, ...line } })).addSelectionItem, 'AddSelectionItemSuccess');
  }
  return selectionId;
}

/** A claimed copy of such a selection, held by a new storefront session (see handToSession). */
async function sessionCart(
  lines: Line[],
  options: { customerEmail?: string | null; countryCode?: string; marketCode?: string } = {},
): Promise<{ selectionId: string; headers: Headers }> {
  return handToSession(t, await adminCart(lines, options));
}

async function issue(selectionId: string, options: { ignoreShipping?: boolean; ignoreTax?: boolean } = {}) {
  const result = (await t.admin(IssueLink, { input: { selectionId, lockItems: false, ...options } })).issueShareableLink;
  const issued = is(result, 'IssueShareableLinkSuccess');
  return { linkId: issued.link.id, hash1: issued.link.hash1, hash2: issued.hash2 };
}

async function claimRaw(link: { hash1: string; hash2: string }) {
  return (await t.data(Claim, { input: { hash1: link.hash1, hash2: link.hash2 } }, {})).claimSelection;
}

async function claim(link: { hash1: string; hash2: string }) {
  const claimed = is(await claimRaw(link), 'ClaimSelectionSuccess');
  return { claimId: claimed.claim.id, selectionId: claimed.selection.id, headers: asSession(claimed.sessionToken) };
}

async function place(selectionId: string, idempotencyKey: string, headers: Headers) {
  return (await t.data(Place, { input: { selectionId, idempotencyKey } }, headers)).placeOrder;
}

async function placed(selectionId: string, headers: Headers, idempotencyKey = nextKey()): Promise<Order> {
  return is(await place(selectionId, idempotencyKey, headers), 'PlaceOrderSuccess').order;
}

async function linkState(linkId: string) {
  return t.admin(ReadLink, { id: linkId });
}

/** Everything placeOrder may write, read straight from the database. */
async function snapshot() {
  const prisma = db();
  const [counts, stock, orders, orderItems, keys, selections, links, claims, events] = await Promise.all([
    rowCounts(),
    prisma.stockLevel.findMany({
      select: { variantId: true, warehouseId: true, quantity: true },
      orderBy: [{ variantId: 'asc' }, { warehouseId: 'asc' }],
    }),
    prisma.order.findMany({ select: { id: true, number: true, selectionId: true }, orderBy: { number: 'asc' } }),
    prisma.orderItem.count(),
    prisma.idempotencyKey.findMany({ select: { scope: true, key: true, selectionId: true, orderId: true }, orderBy: [{ scope: 'asc' }, { key: 'asc' }] }),
    prisma.selection.findMany({ select: { id: true, status: true, customerId: true, sessionId: true }, orderBy: { id: 'asc' } }),
    prisma.shareableLink.findMany({
      select: { id: true, status: true, selectionId: true, orderId: true, consumedAt: true, revokedAt: true },
      orderBy: { id: 'asc' },
    }),
    prisma.claim.findMany({ select: { id: true }, orderBy: { id: 'asc' } }),
    prisma.linkEvent.findMany({ select: { sequence: true, type: true, linkId: true, orderId: true }, orderBy: { sequence: 'asc' } }),
  ]);
  return { counts, stock, orders, orderItems, keys, selections, links, claims, events };
}

/** Runs a refused placeOrder and asserts that it changed nothing. */
async function unchangedBy<T>(act: () => Promise<T>): Promise<T> {
  const before = await snapshot();
  const result = await act();
  expect(await snapshot()).toEqual(before);
  return result;
}

const numberOf = (order: Order) => Number(order.number.slice('LC-'.length));

// ---------------------------------------------------------------- refusals

describe('placeOrder refuses, changing nothing', () => {
  it('refuses an ORDERED selection and a DELETED one with SELECTION_CLOSED', async () => {
    const sku = await product({ W1: 10 });
    const cart = await sessionCart([{ sku, quantity: 1 }]);
    await placed(cart.selectionId, cart.headers);

    const again = await unchangedBy(() => place(cart.selectionId, nextKey(), cart.headers));
    expect(is(again, 'SelectionStateError').code).toBe('SELECTION_CLOSED');
    const asAdminToo = await unchangedBy(() => place(cart.selectionId, nextKey(), asAdmin));
    expect(is(asAdminToo, 'SelectionStateError').code).toBe('SELECTION_CLOSED');

    // The first purchase from a claim deletes the link's admin selection.
    const adminSelection = await adminCart([{ sku, quantity: 1 }]);
    const copy = await claim(await issue(adminSelection));
    await placed(copy.selectionId, copy.headers);
    expect((await db().selection.findUniqueOrThrow({ where: { id: adminSelection } })).status).toBe('DELETED');

    const deleted = await unchangedBy(() => place(adminSelection, nextKey(), asAdmin));
    expect(is(deleted, 'SelectionStateError').code).toBe('SELECTION_CLOSED');
  });

  it('refuses a selection without items with SELECTION_EMPTY', async () => {
    const cart = await sessionCart([]);
    const result = await unchangedBy(() => place(cart.selectionId, nextKey(), cart.headers));
    expect(is(result, 'SelectionStateError').code).toBe('SELECTION_EMPTY');

    const adminSelection = await adminCart([]);
    const byAdmin = await unchangedBy(() => place(adminSelection, nextKey(), asAdmin));
    expect(is(byAdmin, 'SelectionStateError').code).toBe('SELECTION_EMPTY');
  });

  it('refuses a selection without a customer with a ValidationError', async () => {
    const sku = await product({ W1: 10 });
    const cart = await sessionCart([{ sku, quantity: 2 }], { customerEmail: null });
    const key = nextKey();
    const result = await unchangedBy(() => place(cart.selectionId, key, cart.headers));
    expect(is(result, 'ValidationError').code).toBe('VALIDATION');

    // Nothing was remembered: with a customer, the same key places the order.
    const attached = await t.data(SetCustomer, { input: { selectionId: cart.selectionId, email: 'late@example.com' } }, cart.headers);
    is(attached.setCustomer, 'SetCustomerSuccess');
    expect((await placed(cart.selectionId, cart.headers, key)).customer.email).toBe('late@example.com');
    expect(await stockOf(sku)).toEqual({ W1: 8 });
  });

  it('refuses a country that lost its shipping rate with ShippingUnavailableError', async () => {
    const added = await t.admin(ImportCatalog, {
      input: { shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'DK', amount: '79.00' }] },
    });
    is(added.importCatalog, 'ImportCatalogSuccess');
    const sku = await product({ W1: 10 });
    const cart = await sessionCart([{ sku, quantity: 1 }], { countryCode: 'DK' });
    const market = await db().market.findUniqueOrThrow({ where: { code: 'SE' }, select: { id: true } });
    const pricelist = await db().pricelist.findUniqueOrThrow({ where: { code: 'SEK' }, select: { id: true } });
    await db().shippingRate.delete({
      where: { marketId_pricelistId_countryCode: { marketId: market.id, pricelistId: pricelist.id, countryCode: 'DK' } },
    });

    const result = await unchangedBy(() => place(cart.selectionId, nextKey(), cart.headers));
    const refused = is(result, 'ShippingUnavailableError');
    expect(refused.code).toBe('SHIPPING_UNAVAILABLE');
    expect(refused.countryCode).toBe('DK');
    expect(await stockOf(sku)).toEqual({ W1: 10 });
  });

  it('refuses short stock with OutOfStockError listing every short SKU, available over the market\'s warehouses', async () => {
    const partly = await product({ W1: 2, W2: 1, OW3: 50 });
    const onlyW2 = await product({ W2: 1 });
    const plenty = await product({ W1: 10 });
    const none = await product({});
    const cart = await sessionCart([
      { sku: partly, quantity: 4 },
      { sku: plenty, quantity: 1 },
      { sku: onlyW2, quantity: 2 },
      { sku: none, quantity: 1 },
    ]);

    const result = await unchangedBy(() => place(cart.selectionId, nextKey(), cart.headers));
    const refused = is(result, 'OutOfStockError');
    expect(refused.code).toBe('OUT_OF_STOCK');
    expect([...refused.shortages].sort((a, b) => a.sku.localeCompare(b.sku))).toEqual([
      { sku: partly, requested: 4, available: 3 },
      { sku: onlyW2, requested: 2, available: 1 },
      { sku: none, requested: 1, available: 0 },
    ].sort((a, b) => a.sku.localeCompare(b.sku)));
    expect(await stockOf(partly)).toEqual({ W1: 2, W2: 1, OW3: 50 });
    expect(await stockOf(plenty)).toEqual({ W1: 10 });
    expect((await t.data(ReadSelection, { id: cart.selectionId }, cart.headers)).selection?.status).toBe('OPEN');
  });

  it('refuses an empty or over-long idempotency key with a ValidationError', async () => {
    const sku = await product({ W1: 10 });
    const cart = await sessionCart([{ sku, quantity: 1 }]);
    for (const key of ['', 'k'.repeat(201)]) {
      const result = await unchangedBy(() => place(cart.selectionId, key, cart.headers));
      const refused = is(result, 'ValidationError');
      expect(refused.code).toBe('VALIDATION');
      expect(refused.path).toEqual(['input', 'idempotencyKey']);
    }
    // 200 characters is the limit, and allowed.
    await placed(cart.selectionId, cart.headers, 'k'.repeat(200));
    expect(await stockOf(sku)).toEqual({ W1: 9 });
  });

  it('answers NotFoundError for another session\'s selection, or one that does not exist', async () => {
    const sku = await product({ W1: 10 });
    const mine = await sessionCart([{ sku, quantity: 1 }]);
    const other = await sessionCart([{ sku, quantity: 1 }]);

    for (const selectionId of [mine.selectionId, randomUUID(), 'not-an-id']) {
      const result = await unchangedBy(() => place(selectionId, nextKey(), other.headers));
      expect(is(result, 'NotFoundError').code).toBe('NOT_FOUND');
    }
    await placed(mine.selectionId, mine.headers);
    expect(await stockOf(sku)).toEqual({ W1: 9 });
  });

  it('answers ForbiddenError to an anonymous caller', async () => {
    const sku = await product({ W1: 10 });
    const cart = await sessionCart([{ sku, quantity: 1 }]);
    const result = await unchangedBy(() => place(cart.selectionId, nextKey(), {}));
    expect(is(result, 'ForbiddenError').code).toBe('FORBIDDEN');
  });
});

// ---------------------------------------------------------------- stock

describe('placeOrder takes stock', () => {
  it('from the market\'s warehouses in allocation order', async () => {
    await setStock('TEE-S', 'W1', 10);
    await setStock('TEE-S', 'W2', 5);
    await setStock('TEE-S', 'OW3', 7);
    const cart = await sessionCart([{ sku: 'TEE-S', quantity: 12 }]);
    await placed(cart.selectionId, cart.headers);
    expect(await stockOf('TEE-S')).toEqual({ W1: 0, W2: 3, OW3: 7 });

    // Market OX sells W2 before W1.
    const sku = await product({ W1: 5, W2: 2 });
    const other = await sessionCart([{ sku, quantity: 3 }], { marketCode: 'OX', countryCode: 'FI' });
    await placed(other.selectionId, other.headers);
    expect(await stockOf(sku)).toEqual({ W1: 4, W2: 0 });
  });

  it('never below zero', async () => {
    const sku = await product({ W1: 2, W2: 1 });
    const first = await sessionCart([{ sku, quantity: 3 }]);
    await placed(first.selectionId, first.headers);
    expect(await stockOf(sku)).toEqual({ W1: 0, W2: 0 });

    const second = await sessionCart([{ sku, quantity: 1 }]);
    const result = await unchangedBy(() => place(second.selectionId, nextKey(), second.headers));
    expect(is(result, 'OutOfStockError').shortages).toEqual([{ sku, requested: 1, available: 0 }]);
    expect(await stockOf(sku)).toEqual({ W1: 0, W2: 0 });
  });

  it('checking a SKU on two lines (custom-priced and pricelist) against their sum', async () => {
    const sku = await product({ W1: 4, W2: 1 }, '100.00');
    const cart = await sessionCart([{ sku, quantity: 3, unitPrice: '50.00' }, { sku, quantity: 3 }]);
    const key = nextKey();
    const result = await unchangedBy(() => place(cart.selectionId, key, cart.headers));
    expect(is(result, 'OutOfStockError').shortages).toEqual([{ sku, requested: 6, available: 5 }]);

    await setStock(sku, 'W2', 2);
    const order = await placed(cart.selectionId, cart.headers, key);
    expect(order.items.map((i) => [i.sku, i.quantity, i.unitPrice.amount])).toEqual([[sku, 3, '50.00'], [sku, 3, '100.00']]);
    expect(await stockOf(sku)).toEqual({ W1: 0, W2: 0 });
  });
});

// ---------------------------------------------------------------- the order

describe('the order', () => {
  async function snapshotCart(): Promise<string> {
    const tee = await product({ W1: 50 }, '149.00');
    const mug = await product({ W1: 50 }, '89.50');
    return adminCart([
      { sku: tee, quantity: 2 },
      { sku: mug, quantity: 1, unitPrice: '99.00' },
      { sku: mug, quantity: 2 },
    ], { customerEmail: 'snap@example.com' });
  }

  /** Places the selection and checks the order against what the selection showed just before. */
  async function placeAndCompare(selectionId: string, headers: Headers): Promise<Order> {
    const shown = (await t.data(ReadSelection, { id: selectionId }, headers)).selection!;
    const order = await placed(selectionId, headers);
    expect(order.status).toBe('CONFIRMED');
    expect(order.number).toMatch(/^LC-\d+$/);
    expect(order.customer.email).toBe('snap@example.com');
    expect(order.countryCode).toBe('SE');
    expect(order.items).toEqual(shown.items);
    expect(order.totals).toEqual(shown.totals);
    return order;
  }

  it('snapshots lines in selection order and totals exactly as the selection showed them', async () => {
    const plainCart = await handToSession(t, await snapshotCart());
    const plain = await placeAndCompare(plainCart.selectionId, plainCart.headers);
    expect(plain.items.map((i) => [i.quantity, i.unitPrice.amount, i.lineTotal.amount])).toEqual([
      [2, '149.00', '298.00'],
      [1, '99.00', '99.00'],
      [2, '89.50', '179.00'],
    ]);
    expect(plain.totals).toEqual({
      subtotal: { amount: '576.00', currency: 'SEK' },
      shipping: { amount: '49.00', currency: 'SEK' },
      tax: { amount: '156.25', currency: 'SEK' },
      grandTotal: { amount: '781.25', currency: 'SEK' },
    });

    const noShipping = await claim(await issue(await snapshotCart(), { ignoreShipping: true }));
    const freeShipping = await placeAndCompare(noShipping.selectionId, noShipping.headers);
    expect([freeShipping.totals.shipping.amount, freeShipping.totals.tax.amount, freeShipping.totals.grandTotal.amount])
      .toEqual(['0.00', '144.00', '720.00']);

    const noTax = await claim(await issue(await snapshotCart(), { ignoreTax: true }));
    const taxFree = await placeAndCompare(noTax.selectionId, noTax.headers);
    expect([taxFree.totals.shipping.amount, taxFree.totals.tax.amount, taxFree.totals.grandTotal.amount])
      .toEqual(['49.00', '0.00', '625.00']);
  });

  it('numbers orders "LC-" + digits, unique and increasing', async () => {
    const sku = await product({ W1: 10 });
    const orders: Order[] = [];
    for (let i = 0; i < 3; i++) {
      const cart = await sessionCart([{ sku, quantity: 1 }]);
      orders.push(await placed(cart.selectionId, cart.headers));
    }
    for (const order of orders) expect(order.number).toMatch(/^LC-\d+$/);
    expect(new Set(orders.map((o) => o.number)).size).toBe(3);
    expect(numberOf(orders[1]!)).toBeGreaterThan(numberOf(orders[0]!));
    expect(numberOf(orders[2]!)).toBeGreaterThan(numberOf(orders[1]!));
  });

  it('does not change with later price or catalog changes', async () => {
    const sku = await product({ W1: 10 }, '149.00');
    const cart = await sessionCart([{ sku, quantity: 2 }]);
    const order = await placed(cart.selectionId, cart.headers);

    const restore = {
      shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', amount: '49.00' }],
      taxRules: [{ countryCode: 'SE', rate: '25' }],
    };
    try {
      const changed = await t.admin(ImportCatalog, {
        input: {
          products: [{ code: sku, name: 'Renamed', variants: [{ sku, name: 'Renamed', prices: [{ pricelistCode: 'SEK', amount: '199.00' }] }] }],
          shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', amount: '59.00' }],
          taxRules: [{ countryCode: 'SE', rate: '12' }],
        },
      });
      is(changed.importCatalog, 'ImportCatalogSuccess');
      await setStock(sku, 'W1', 0);
      expect((await t.admin(ReadOrder, { id: order.id })).order).toEqual(order);
      expect((await t.data(ReadOrder, { id: order.id }, cart.headers)).order).toEqual(order);
    } finally {
      is((await t.admin(ImportCatalog, { input: restore })).importCatalog, 'ImportCatalogSuccess');
    }
    expect(order.items).toEqual([{
      sku, quantity: 2, unitPrice: { amount: '149.00', currency: 'SEK' }, lineTotal: { amount: '298.00', currency: 'SEK' },
    }]);
    expect(order.totals.grandTotal.amount).toBe('433.75');
  });

  it('leaves the selection ORDERED, closed to changes', async () => {
    const sku = await product({ W1: 10 });
    const cart = await sessionCart([{ sku, quantity: 1 }]);
    await placed(cart.selectionId, cart.headers);

    expect((await t.data(ReadSelection, { id: cart.selectionId }, cart.headers)).selection?.status).toBe('ORDERED');
    const before = await snapshot();
    for (const headers of [cart.headers, asAdmin]) {
      const added = (await t.data(AddItem, { input: { selectionId: cart.selectionId, sku, quantity: 1 } }, headers)).addSelectionItem;
      expect(is(added, 'SelectionStateError').code).toBe('SELECTION_CLOSED');
      const customer = (await t.data(SetCustomer, { input: { selectionId: cart.selectionId, email: 'x@example.com' } }, headers)).setCustomer;
      expect(is(customer, 'SelectionStateError').code).toBe('SELECTION_CLOSED');
    }
    expect(await snapshot()).toEqual(before);
  });
});

// ---------------------------------------------------------------- consuming the link

describe('consuming the link', () => {
  it('the first order from any claim consumes it; new claims get LINK_USED; earlier claimants may still buy', async () => {
    const sku = await product({ W1: 10 });
    const adminSelection = await adminCart([{ sku, quantity: 1 }]);
    const link = await issue(adminSelection);
    const first = await claim(link);
    const second = await claim(link);

    const firstOrder = await placed(first.selectionId, first.headers);
    const consumed = await linkState(link.linkId);
    expect(consumed.shareableLink).toMatchObject({
      status: 'CONSUMED',
      selection: null,
      order: { id: firstOrder.id, number: firstOrder.number },
    });
    expect(new Date(consumed.shareableLink!.consumedAt!).toISOString()).toBe(consumed.shareableLink!.consumedAt);
    expect((await db().selection.findUniqueOrThrow({ where: { id: adminSelection } })).status).toBe('DELETED');
    expect(consumed.linkEvents.map((e) => e.type)).toEqual(['ISSUED', 'CLAIMED', 'CLAIMED', 'CONSUMED', 'ORDER_PLACED']);
    expect(consumed.linkEvents.slice(3)).toEqual([
      expect.objectContaining({ type: 'CONSUMED', claim: { id: first.claimId }, order: { id: firstOrder.id } }),
      expect.objectContaining({ type: 'ORDER_PLACED', claim: { id: first.claimId }, order: { id: firstOrder.id } }),
    ]);

    const late = await unchangedBy(() => claimRaw(link));
    expect(late).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_USED' });

    const secondOrder = await placed(second.selectionId, second.headers);
    expect(secondOrder.id).not.toBe(firstOrder.id);
    const after = await linkState(link.linkId);
    expect(after.shareableLink).toMatchObject({
      status: 'CONSUMED',
      consumedAt: consumed.shareableLink!.consumedAt,
      selection: null,
      order: { id: firstOrder.id },
    });
    expect(after.linkEvents.map((e) => e.type)).toEqual(['ISSUED', 'CLAIMED', 'CLAIMED', 'CONSUMED', 'ORDER_PLACED', 'ORDER_PLACED']);
    expect(after.linkEvents[5]).toMatchObject({ claim: { id: second.claimId }, order: { id: secondOrder.id } });
    expect(after.shareableLink!.claims).toEqual(expect.arrayContaining([
      { id: first.claimId, order: { id: firstOrder.id } },
      { id: second.claimId, order: { id: secondOrder.id } },
    ]));
    expect(after.shareableLink!.claims).toHaveLength(2);
    expect(await stockOf(sku)).toEqual({ W1: 8 });

    const rows = await db().order.findMany({
      where: { id: { in: [firstOrder.id, secondOrder.id] } },
      select: { id: true, claimId: true, linkId: true },
    });
    expect(rows).toEqual(expect.arrayContaining([
      { id: firstOrder.id, claimId: first.claimId, linkId: link.linkId },
      { id: secondOrder.id, claimId: second.claimId, linkId: link.linkId },
    ]));
  });

  it('an admin may place the order of a claimed copy, consuming the link the same way', async () => {
    const sku = await product({ W1: 10 });
    const adminSelection = await adminCart([{ sku, quantity: 2 }]);
    const link = await issue(adminSelection);
    const copy = await claim(link);

    const order = await placed(copy.selectionId, asAdmin);
    const state = await linkState(link.linkId);
    expect(state.shareableLink).toMatchObject({ status: 'CONSUMED', selection: null, order: { id: order.id } });
    expect(state.shareableLink!.consumedAt).not.toBeNull();
    expect((await db().selection.findUniqueOrThrow({ where: { id: adminSelection } })).status).toBe('DELETED');
    expect(state.linkEvents.map((e) => [e.type, e.claim?.id ?? null, e.order?.id ?? null])).toEqual([
      ['ISSUED', null, null],
      ['CLAIMED', copy.claimId, null],
      ['CONSUMED', copy.claimId, order.id],
      ['ORDER_PLACED', copy.claimId, order.id],
    ]);
    expect(await db().order.findUniqueOrThrow({ where: { id: order.id }, select: { claimId: true, linkId: true } }))
      .toEqual({ claimId: copy.claimId, linkId: link.linkId });
    // The claimant owns the order all the same.
    expect((await t.data(ReadOrder, { id: order.id }, copy.headers)).order?.id).toBe(order.id);
    expect(await claimRaw(link)).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_USED' });
  });

  it('an admin ordering its own selection revokes the ACTIVE link, with no order events', async () => {
    const sku = await product({ W1: 10 });
    const adminSelection = await adminCart([{ sku, quantity: 1 }]);
    const replaced = await issue(adminSelection);
    const active = await issue(adminSelection);
    const before = await linkState(replaced.linkId);
    expect(before.shareableLink?.status).toBe('REVOKED');

    const order = await placed(adminSelection, asAdmin);
    expect(order.status).toBe('CONFIRMED');
    expect((await db().selection.findUniqueOrThrow({ where: { id: adminSelection } })).status).toBe('ORDERED');
    expect(await db().order.findUniqueOrThrow({ where: { id: order.id }, select: { claimId: true, linkId: true } }))
      .toEqual({ claimId: null, linkId: null });

    const state = await linkState(active.linkId);
    expect(state.shareableLink).toMatchObject({ status: 'REVOKED', consumedAt: null, order: null });
    expect(state.linkEvents.map((e) => e.type)).toEqual(['ISSUED', 'REVOKED']);
    expect(await linkState(replaced.linkId)).toEqual(before);
    expect(await db().linkEvent.count({ where: { orderId: order.id } })).toBe(0);
    expect(await claimRaw(active)).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_REVOKED' });
  });
});

// ---------------------------------------------------------------- idempotency

describe('idempotency', () => {
  it('the same key again returns the same order, taking stock once', async () => {
    const sku = await product({ W1: 5 });
    const cart = await sessionCart([{ sku, quantity: 2 }]);
    const key = nextKey();
    const order = await placed(cart.selectionId, cart.headers, key);
    const before = await snapshot();

    const again = await placed(cart.selectionId, cart.headers, key);
    expect(again).toEqual(order);
    expect(await snapshot()).toEqual(before);
    expect(await stockOf(sku)).toEqual({ W1: 3 });
    expect(await db().order.count({ where: { selectionId: cart.selectionId } })).toBe(1);
  });

  it('the same key with another selection of the same caller is IDEMPOTENCY_CONFLICT and writes nothing', async () => {
    const sku = await product({ W1: 5 });
    // One session holding two copies (it claimed two links), and an admin with two selections.
    const first = await claim(await issue(await adminCart([{ sku, quantity: 1 }])));
    const { hash1, hash2 } = await issue(await adminCart([{ sku, quantity: 1 }]));
    const claimedAgain = await t.data(Claim, { input: { hash1, hash2 } }, first.headers);
    const second = is(claimedAgain.claimSelection, 'ClaimSelectionSuccess').selection.id;
    const adminFirst = await adminCart([{ sku, quantity: 1 }]);
    const adminSecond = await adminCart([{ sku, quantity: 1 }]);
    const key = nextKey();
    await placed(first.selectionId, first.headers, key);
    await placed(adminFirst, asAdmin, key);

    for (const [selectionId, headers] of [[second, first.headers], [adminSecond, asAdmin]] as const) {
      const result = await unchangedBy(() => place(selectionId, key, headers));
      expect(is(result, 'IdempotencyConflictError').code).toBe('IDEMPOTENCY_CONFLICT');
      // The other selection is still open, and orders under a key of its own.
      await placed(selectionId, headers);
    }
    expect(await stockOf(sku)).toEqual({ W1: 1 });
  });

  it('another session\'s key is independent: it places an order of its own and reveals nothing', async () => {
    const sku = await product({ W1: 5 });
    const a = await sessionCart([{ sku, quantity: 1 }]);
    const b = await sessionCart([{ sku, quantity: 2 }]);
    const key = nextKey();
    const orderOfA = await placed(a.selectionId, a.headers, key);

    const orderOfB = await placed(b.selectionId, b.headers, key);
    expect(orderOfB.id).not.toBe(orderOfA.id);
    expect(orderOfB.items).toEqual([expect.objectContaining({ sku, quantity: 2 })]);
    expect(await stockOf(sku)).toEqual({ W1: 2 });

    const before = await snapshot();
    expect(await placed(a.selectionId, a.headers, key)).toEqual(orderOfA);
    expect(await placed(b.selectionId, b.headers, key)).toEqual(orderOfB);
    // Either one's key on the other's selection finds no such selection, as without the key.
    for (const [selectionId, headers] of [[a.selectionId, b.headers], [b.selectionId, a.headers]] as const) {
      expect(is(await place(selectionId, key, headers), 'NotFoundError').code).toBe('NOT_FOUND');
    }
    expect(await snapshot()).toEqual(before);
    const sessionOf = async (id: string) => (await db().selection.findUniqueOrThrow({ where: { id }, select: { sessionId: true } })).sessionId;
    const stored = await db().idempotencyKey.findMany({ where: { key }, select: { scope: true, orderId: true } });
    expect(stored).toHaveLength(2);
    expect(stored).toEqual(expect.arrayContaining([
      { scope: `session:${await sessionOf(a.selectionId)}`, orderId: orderOfA.id },
      { scope: `session:${await sessionOf(b.selectionId)}`, orderId: orderOfB.id },
    ]));
  });

  it('a session\'s key is independent of an admin\'s, and one admin key\'s of another\'s', async () => {
    const sku = await product({ W1: 5 });
    const cart = await sessionCart([{ sku, quantity: 1 }]);
    const adminSelection = await adminCart([{ sku, quantity: 2 }]);
    const key = nextKey();
    const orderOfSession = await placed(cart.selectionId, cart.headers, key);
    // The session's key does not hand its order to an admin: the selection is simply ordered.
    const closed = await unchangedBy(() => place(cart.selectionId, key, asAdmin));
    expect(is(closed, 'SelectionStateError').code).toBe('SELECTION_CLOSED');

    const orderOfAdmin = await placed(adminSelection, asAdmin, key);
    expect(orderOfAdmin.id).not.toBe(orderOfSession.id);
    expect(await stockOf(sku)).toEqual({ W1: 2 });

    const before = await snapshot();
    expect(await placed(cart.selectionId, cart.headers, key)).toEqual(orderOfSession);
    expect(await placed(adminSelection, asAdmin, key)).toEqual(orderOfAdmin);
    expect(await snapshot()).toEqual(before);
    // Another admin key's key is its own: it is no conflict there, it orders another selection.
    const otherAdmin = { authorization: `Bearer ${await createAdminKey(`order-test-${randomUUID()}`)}` };
    const otherSelection = await adminCart([{ sku, quantity: 1 }]);
    const orderOfOther = await placed(otherSelection, otherAdmin, key);
    expect(orderOfOther.id).not.toBe(orderOfAdmin.id);
    expect(await stockOf(sku)).toEqual({ W1: 1 });
  });

  it('after OUT_OF_STOCK the same key succeeds once stock is raised', async () => {
    const sku = await product({ W1: 1 });
    const cart = await sessionCart([{ sku, quantity: 3 }]);
    const key = nextKey();
    const refused = await unchangedBy(() => place(cart.selectionId, key, cart.headers));
    expect(is(refused, 'OutOfStockError').shortages).toEqual([{ sku, requested: 3, available: 1 }]);

    await setStock(sku, 'W1', 4);
    const order = await placed(cart.selectionId, cart.headers, key);
    expect(order.items).toEqual([expect.objectContaining({ sku, quantity: 3 })]);
    expect(await stockOf(sku)).toEqual({ W1: 1 });
    expect(await placed(cart.selectionId, cart.headers, key)).toEqual(order);
    expect(await stockOf(sku)).toEqual({ W1: 1 });
  });
});

// ---------------------------------------------------------------- reading an order

describe('order(id)', () => {
  it('shows an order to its session and to admins, null to anyone else and for a malformed id', async () => {
    const sku = await product({ W1: 10 });
    const cart = await sessionCart([{ sku, quantity: 1 }]);
    const other = await sessionCart([{ sku, quantity: 1 }]);
    const order = await placed(cart.selectionId, cart.headers);

    expect((await t.data(ReadOrder, { id: order.id }, cart.headers)).order).toEqual(order);
    expect((await t.data(ReadOrder, { id: order.id }, asAdmin)).order).toEqual(order);
    expect((await t.data(ReadOrder, { id: order.id }, other.headers)).order).toBeNull();
    expect((await t.data(ReadOrder, { id: order.id }, {})).order).toBeNull();
    for (const headers of [asAdmin, cart.headers]) {
      expect((await t.data(ReadOrder, { id: 'not-an-order-id' }, headers)).order).toBeNull();
      expect((await t.data(ReadOrder, { id: randomUUID() }, headers)).order).toBeNull();
    }
  });
});

// ---------------------------------------------------------------- the admin's lists

const AdminOrders = graphql(`
  query OrderAdminOrders($customerId: ID, $first: Int) {
    orders(customerId: $customerId, first: $first) {
      edges { node { id number customer { email } } link { id } }
      pageInfo { hasNextPage }
    }
  }
`);

const AdminCustomers = graphql(`
  query OrderAdminCustomers($search: String) {
    customers(search: $search, first: 50) { edges { node { id email firstName lastName } } }
  }
`);

describe('orders and customers for the dashboard', () => {
  it('lists orders newest first, of one customer when asked, with the link each came from (admins only)', async () => {
    const sku = await product({ W1: 10 });
    const email = `lister-${randomUUID().slice(0, 8)}@example.com`;
    const direct = await placed(await adminCart([{ sku, quantity: 1 }], { customerEmail: email }), asAdmin);
    const shared = await adminCart([{ sku, quantity: 1 }], { customerEmail: email });
    const link = await issue(shared);
    const claimed = await claim(link);
    const viaLink = await placed(claimed.selectionId, claimed.headers);

    const customerId = (await db().customer.findUniqueOrThrow({ where: { email } })).id;
    const page = (await t.admin(AdminOrders, { customerId })).orders;
    expect(page.edges.map((edge) => ({ ...edge.node, link: edge.link }))).toEqual([
      { id: viaLink.id, number: viaLink.number, customer: { email }, link: { id: link.linkId } },
      { id: direct.id, number: direct.number, customer: { email }, link: null },
    ]);
    expect((await t.admin(AdminOrders, { first: 1 })).orders).toMatchObject({ edges: [{ node: { id: viaLink.id } }], pageInfo: { hasNextPage: true } });
    expect((await t.admin(AdminOrders, { customerId: 'not-a-uuid' })).orders.edges).toEqual([]);

    // The buyer's session gets no list at all (and Order itself has no way to a link).
    const listed = await t.request(AdminOrders, {}, claimed.headers);
    expect(listed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('finds customers by part of an e-mail or a name, in any case (admins only)', async () => {
    const tag = randomUUID().slice(0, 8);
    const email = `Finder-${tag}@Example.com`;
    const selectionId = await adminCart([], { customerEmail: email });
    is((await t.admin(SetCustomer, { input: { selectionId, email, firstName: 'Ada', lastName: `Lovelace${tag}` } })).setCustomer, 'SetCustomerSuccess');
    const found = { email: email.toLowerCase(), firstName: 'Ada', lastName: `Lovelace${tag}` };
    for (const search of [`finder-${tag}`, `LOVELACE${tag}`, tag]) {
      expect((await t.admin(AdminCustomers, { search })).customers.edges.map((edge) => edge.node)).toEqual([{ id: expect.any(String), ...found }]);
    }
    expect((await t.admin(AdminCustomers, { search: `nobody-${tag}` })).customers.edges).toEqual([]);
    const tooLong = await t.request(AdminCustomers, { search: 'x'.repeat(101) }, asAdmin);
    expect(tooLong.errors?.[0]).toMatchObject({ message: 'search is at most 100 characters', extensions: { code: 'BAD_USER_INPUT' } });
    const { headers: session } = await handToSession(t, await adminCart([]));
    expect((await t.request(AdminCustomers, {}, session)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

const AdminSelections = graphql(`
  query OrderAdminSelections($customerId: ID, $status: SelectionStatus) {
    selections(customerId: $customerId, status: $status, first: 20) { edges { node { id status customer { email } } } }
  }
`);

describe('selections for the dashboard', () => {
  it('lists the selections admins built for a customer, newest first, by status; never the claimed copies (admins only)', async () => {
    const sku = await product({ W1: 5 });
    const email = `selections-${randomUUID().slice(0, 8)}@example.com`;
    const older = await adminCart([{ sku, quantity: 1 }], { customerEmail: email });
    const newer = await adminCart([{ sku, quantity: 1 }], { customerEmail: email });
    const copy = await claim(await issue(newer));
    await placed(older, asAdmin);
    const customerId = (await db().customer.findUniqueOrThrow({ where: { email } })).id;

    const ids = async (status?: 'OPEN' | 'ORDERED') =>
      (await t.admin(AdminSelections, { customerId, status })).selections.edges.map((edge) => edge.node.id);
    expect(await ids()).toEqual([newer, older]);
    expect(await ids('OPEN')).toEqual([newer]);
    expect(await ids('ORDERED')).toEqual([older]);
    expect(await ids()).not.toContain(copy.selectionId);
    expect((await t.request(AdminSelections, {}, copy.headers)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
