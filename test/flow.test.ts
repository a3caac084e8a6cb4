// The whole flow of DESIGN.md §1 end to end: build, issue, claim, shop, buy, consumed.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import { graphql } from './gql/index.js';
import { asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem, IssueLink } from './helpers/documents.js';
import { createSelection, seedCatalog } from './helpers/fixtures.js';

const Claim = graphql(`
  mutation FlowClaim($input: ClaimSelectionInput!) {
    claimSelection(input: $input) {
      __typename
      ... on Error { code message }
      ... on ClaimSelectionSuccess {
        sessionToken
        claim { id claimedAt link { id } }
        selection { id locked ignoreShipping items { sku quantity priceLocked unitPrice { amount } } totals { grandTotal { amount } } }
      }
    }
  }
`);

const Checkout = graphql(`
  mutation FlowCheckout($selectionId: ID!, $key: String!) {
    setCustomer(input: { selectionId: $selectionId, email: "buyer@example.com", firstName: "Bo" }) { __typename }
    placeOrder(input: { selectionId: $selectionId, idempotencyKey: $key }) { __typename ...TestFailure ... on OutOfStockError { shortages { sku requested available } } ... on PlaceOrderSuccess { order { id number status customer { email } items { sku quantity unitPrice { amount } lineTotal { amount } } totals { subtotal { amount } shipping { amount } tax { amount } grandTotal { amount } } } } }
  }
`);

const LinkState = graphql(`
  query FlowLinkState($id: ID!) {
    shareableLink(id: $id) { status consumedAt selection { id } order { number } claims { id order { number } } }
    linkEvents(linkId: $id) { sequence type claim { id } order { number } }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedCatalog(t);
});
afterAll(() => t.stop());

it('builds, issues, claims, buys and consumes the link', async () => {
  const selectionId = await createSelection(t, { customerEmail: 'vip@example.com' });
  await t.admin(AddItem, { input: { selectionId, sku: 'TEE-S', quantity: 2 } });
  await t.admin(AddItem, { input: { selectionId, sku: 'TEE-M', quantity: 1, unitPrice: '99.00' } });
  const issued = is((await t.admin(IssueLink, { input: { selectionId, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
  expect(issued.url).toBe(`http://localhost:0/selection/${issued.link.hash1}/${issued.hash2}`);

  const first = is((await t.data(Claim, { input: { hash1: issued.link.hash1, hash2: issued.hash2 } }, {})).claimSelection, 'ClaimSelectionSuccess');
  expect(first.selection.items).toEqual([
    { sku: 'TEE-S', quantity: 2, priceLocked: false, unitPrice: { amount: '149.00' } },
    { sku: 'TEE-M', quantity: 1, priceLocked: true, unitPrice: { amount: '99.00' } },
  ]);
  const second = is((await t.data(Claim, { input: { hash1: issued.link.hash1, hash2: issued.hash2 } }, {})).claimSelection, 'ClaimSelectionSuccess');
  expect(second.selection.id).not.toBe(first.selection.id);

  const bought = is((await t.data(Checkout, { selectionId: first.selection.id, key: 'k-1' }, asSession(first.sessionToken))).placeOrder, 'PlaceOrderSuccess');
  expect(bought.order.items).toHaveLength(2);
  expect(bought.order.totals.grandTotal.amount).toBe('557.50');

  const late = (await t.data(Claim, { input: { hash1: issued.link.hash1, hash2: issued.hash2 } }, {})).claimSelection;
  expect(late).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_USED' });

  const earlier = is((await t.data(Checkout, { selectionId: second.selection.id, key: 'k-2' }, asSession(second.sessionToken))).placeOrder, 'PlaceOrderSuccess');
  expect(earlier.order.number > bought.order.number).toBe(true);

  const state = await t.admin(LinkState, { id: issued.link.id });
  expect(state.shareableLink).toMatchObject({ status: 'CONSUMED', selection: null, order: { number: bought.order.number } });
  expect(state.linkEvents.map((e) => e.type)).toEqual(['ISSUED', 'CLAIMED', 'CLAIMED', 'CONSUMED', 'ORDER_PLACED', 'ORDER_PLACED']);
  expect((await db().selection.findUniqueOrThrow({ where: { id: selectionId } })).status).toBe('DELETED');
});
