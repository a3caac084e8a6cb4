// No N+1: the SQL statements behind reading a selection, a link with its claims, and a page
// of links, and behind a claim, do not grow with the number of items, claims or links.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem, Checkout, ImportCatalog, IssueLink } from './helpers/documents.js';
import { createSelection, seedCatalog } from './helpers/fixtures.js';

const ReadSelection = graphql(`
  query QueriesSelection($id: ID!) {
    selection(id: $id) {
      id status currency countryCode locked
      market { code countries }
      pricelist { code currency }
      customer { email firstName }
      items {
        id kind sku name quantity priceLocked taxable
        unitPrice { amount currency }
        lineTotal { amount }
        variant { sku name product { code name } }
        capabilities { canIncrease canDecrease canRemove }
      }
      totals { subtotal { amount } shipping { amount } tax { amount } grandTotal { amount currency } }
      capabilities { canAddItems canChangeCountry canPlaceOrder }
      placeOrderBlockers
      relatedOrder { number }
    }
  }
`);

const AddCustomLine = graphql(`
  mutation QueriesAddCustomLine($input: AddCustomSelectionItemInput!) {
    addCustomSelectionItem(input: $input) { __typename }
  }
`);

const ReadLink = graphql(`
  query QueriesLink($id: ID!) {
    shareableLink(id: $id) {
      id status hash1
      selection { id items { sku } }
      order { number }
      claims(first: 20) {
        id claimedAt
        selection { id items { sku quantity unitPrice { amount } } totals { grandTotal { amount } } }
        order { number }
      }
    }
  }
`);

const ReadLinks = graphql(`
  query QueriesLinks {
    shareableLinks(first: 50) {
      edges { node { id status selection { id } claims { id selection { id } } order { number } } }
      pageInfo { hasNextPage }
    }
  }
`);

const ReadOrders = graphql(`
  query QueriesOrders {
    orders(first: 20) {
      edges {
        node {
          id number customer { email firstName } items { kind sku name quantity } totals { grandTotal { amount } }
          relatedOrder { number } supplementaryOrders { number }
        }
        link { id status }
      }
    }
  }
`);

const ReadCustomers = graphql(`
  query QueriesCustomers($search: String) {
    customers(search: $search, first: 50) { edges { node { id email firstName lastName } } }
  }
`);

const Claim = graphql(`
  mutation QueriesClaim($input: ClaimSelectionInput!) { claimSelection(input: $input) { __typename } }
`);

const ClaimCopy = graphql(`
  mutation QueriesClaimCopy($input: ClaimSelectionInput!) {
    claimSelection(input: $input) { ... on ClaimSelectionSuccess { sessionToken selection { id } } }
  }
`);

let t: TestApp;
const SKUS = Array.from({ length: 40 }, (_, i) => `Q-${String(i).padStart(2, '0')}`);

beforeAll(async () => {
  t = await startTestApp({ CLAIM_RATE_LIMIT: '1000' });
  await seedCatalog(t);
  await t.admin(ImportCatalog, {
    input: {
      products: [{
        code: 'Q',
        name: 'Query counting',
        variants: SKUS.map((sku) => ({ sku, name: sku, prices: [{ pricelistCode: 'SEK', amount: '10.00' }], stock: [{ warehouseCode: 'W1', quantity: 100 }] })),
      }],
    },
  });
});
afterAll(() => t.stop());

/** SQL statements the document costs, as an admin. */
async function cost<T, V>(document: TypedDocumentNode<T, V>, variables: V): Promise<number> {
  const before = t.database.queryCount();
  await t.admin(document, variables);
  return t.database.queryCount() - before;
}

/** A selection of `items` catalog lines, and as many custom lines when `custom` (mixed in, one after each). */
async function selectionWith(items: number, custom = false, relatedOrderId?: string): Promise<string> {
  const id = await createSelection(t, relatedOrderId ? { relatedOrderId } : { customerEmail: 'queries@example.com' });
  for (const sku of SKUS.slice(0, items)) {
    await t.admin(AddItem, { input: { selectionId: id, sku, quantity: 1 } });
    if (custom) is((await t.admin(AddCustomLine, { input: { selectionId: id, name: `Custom ${sku}`, unitPrice: '5.00', taxable: sku.endsWith('0') } })).addCustomSelectionItem, 'AddCustomSelectionItemSuccess');
  }
  return id;
}

async function linkWithClaims(claims: number): Promise<string> {
  const selectionId = await selectionWith(3);
  const issued = is((await t.admin(IssueLink, { input: { selectionId, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
  for (let i = 0; i < claims; i++) await t.data(Claim, { input: { hash1: issued.link.hash1, hash2: issued.hash2 } }, {});
  return issued.link.id;
}

describe('query counts', () => {
  it('reading a selection costs the same for 2 items as for 40', async () => {
    const small = await cost(ReadSelection, { id: await selectionWith(2) });
    const large = await cost(ReadSelection, { id: await selectionWith(40) });
    expect(large).toBe(small);
    expect(small).toBeLessThanOrEqual(3);
  });

  it('reading a selection with custom lines mixed in, its capabilities and blockers, costs the same for 2 + 2 lines as for 40 + 40', async () => {
    const plain = await cost(ReadSelection, { id: await selectionWith(2) });
    const small = await cost(ReadSelection, { id: await selectionWith(2, true) });
    const large = await cost(ReadSelection, { id: await selectionWith(40, true) });
    expect(small).toBe(plain);
    expect(large).toBe(small);
  });

  it('a claimed copy with custom lines costs its session the same to read for 2 + 2 lines as for 40 + 40', async () => {
    const copyCost = async (lines: number) => {
      const selectionId = await selectionWith(lines, true);
      const issued = is((await t.admin(IssueLink, { input: { selectionId, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
      const claimed = await t.data(ClaimCopy, { input: { hash1: issued.link.hash1, hash2: issued.hash2 } }, {});
      const copy = claimed.claimSelection as { sessionToken: string; selection: { id: string } };
      const before = t.database.queryCount();
      await t.data(ReadSelection, { id: copy.selection.id }, asSession(copy.sessionToken));
      return t.database.queryCount() - before;
    };
    expect(await copyCost(40)).toBe(await copyCost(2));
  });

  it('reading a link with its claims costs the same for 1 claim as for 12', async () => {
    const small = await cost(ReadLink, { id: await linkWithClaims(1) });
    const large = await cost(ReadLink, { id: await linkWithClaims(12) });
    expect(large).toBe(small);
    expect(small).toBeLessThanOrEqual(4);
  });

  it('a claim costs the same for 1 line as for 40', async () => {
    const claimOf = async (lines: number) => {
      const selectionId = await selectionWith(lines);
      const issued = is((await t.admin(IssueLink, { input: { selectionId, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
      const before = t.database.queryCount();
      await t.data(ClaimCopy, { input: { hash1: issued.link.hash1, hash2: issued.hash2 } }, {});
      return t.database.queryCount() - before;
    };
    const small = await claimOf(1);
    const large = await claimOf(40);
    expect(large).toBe(small);
    // The link, the copy, the event (its lock taken in the same statement), COMMIT, and the
    // copy read for the answer.
    expect(small).toBeLessThanOrEqual(5);
  });

  it('reading a page of orders with customers, links, lines, totals and related orders costs the same for 2 orders as for 6', async () => {
    let earlier: string | undefined;
    const order = async (n: number) => {
      // Every other order is an additional payment (custom lines mixed in) for the one before.
      const id = await selectionWith(2, n % 2 === 1, n % 2 === 1 ? earlier : undefined);
      const placed = (await t.admin(Checkout, { selectionId: id, key: `queries-order-${n}`, email: `orders-${n - (n % 2)}@example.com` })).placeOrder;
      earlier = is(placed, 'PlaceOrderSuccess').order.id;
    };
    for (let i = 0; i < 2; i++) await order(i);
    const small = await cost(ReadOrders, {});
    for (let i = 2; i < 6; i++) await order(i);
    const large = await cost(ReadOrders, {});
    expect(large).toBe(small);
    expect(small).toBeLessThanOrEqual(4);
  });

  it('a page of selections with their lines and totals, and a search for offers, cost the same however many they hold', async () => {
    const ReadSelections = graphql(`
      query QueriesSelections { selections(first: 50) { edges { node { id status createdAt items { sku quantity } totals { grandTotal { amount } } } } } }
    `);
    const ReadOffers = graphql(`
      query QueriesOffers($id: ID!) { selection(id: $id) { offers(search: "Q-", first: 50) { unitPrice { amount } variant { sku name } } } }
    `);
    const small = await cost(ReadSelections, {});
    for (let i = 0; i < 4; i++) await selectionWith(3);
    const large = await cost(ReadSelections, {});
    expect(large).toBe(small);
    const id = await selectionWith(1);
    expect(await cost(ReadOffers, { id })).toBeLessThanOrEqual(3);
  });

  it('searching customers costs one statement, whatever the page holds', async () => {
    expect(await cost(ReadCustomers, { search: 'orders-' })).toBe(1);
    expect(await cost(ReadCustomers, { search: null })).toBe(1);
  });

  it('reading a page of links costs the same for 3 links as for 15', async () => {
    for (let i = 0; i < 3; i++) await linkWithClaims(2);
    const small = await cost(ReadLinks, {});
    for (let i = 0; i < 12; i++) await linkWithClaims(2);
    const large = await cost(ReadLinks, {});
    expect(large).toBe(small);
    expect(small).toBe(1);
  });
});
