// What a storefront session (DESIGN.md §2) must not see or change: the admin's side of a link
// and the other claimants, the warehouses, and what is stored on a customer it did not create.
// Names given for a selection stay with that selection and its order.
import { randomUUID } from 'node:crypto';
import { getNamedType, isObjectType } from 'graphql';
import type { GraphQLNamedType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import { schema } from '../src/schema/index.js';
import { graphql } from './gql/index.js';
import { asAdmin, asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { SetCustomer } from './helpers/documents.js';
import { createSelection, mugLink, mugSelection, seedCatalog } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedCatalog(t);
});
afterAll(() => t.stop());

// ---------------------------------------------------------------- documents

// What a claimant and an admin are each shown of a link.
graphql(`
  fragment PrivLinkView on ShareableLink { id status selection { id } claims { id selection { id customer { email } } } order { id } }
`);

const Claim = graphql(`
  mutation PrivClaim($input: ClaimSelectionInput!) {
    claimSelection(input: $input) {
      __typename
      ... on Error { code message }
      ... on ClaimSelectionSuccess {
        sessionToken
        selection { id }
        claim {
          id
          selection { id }
          order { id }
          link { ...PrivLinkView }
        }
      }
    }
  }
`);

const LinkAsAdmin = graphql(`
  query PrivLink($id: ID!) {
    shareableLink(id: $id) { ...PrivLinkView }
  }
`);

const SelectionMarket = graphql(`
  query PrivSelectionMarket($id: ID!) {
    selection(id: $id) { id market { code warehouses { code } } }
  }
`);

const SelectionCustomer = graphql(`
  query PrivSelectionCustomer($id: ID!) {
    selection(id: $id) { id customer { email firstName lastName } }
  }
`);

const Place = graphql(`
  mutation PrivPlace($input: PlaceOrderInput!) {
    placeOrder(input: $input) { __typename ...TestFailure ... on PlaceOrderSuccess { order { id customer { email firstName lastName } } } }
  }
`);

const ReadOrder = graphql(`
  query PrivOrder($id: ID!) {
    order(id: $id) { id customer { email firstName lastName } }
  }
`);

// ---------------------------------------------------------------- helpers

interface Issued { linkId: string; hash1: string; hash2: string }

/** Claims a link, anonymously or with a session token; the whole answer. */
async function claim(link: Issued, headers: Record<string, string> = {}) {
  const answer = (await t.data(Claim, { input: { hash1: link.hash1, hash2: link.hash2 } }, headers)).claimSelection;
  return is(answer, 'ClaimSelectionSuccess');
}

async function setCustomer(input: { selectionId: string; email: string; firstName?: string; lastName?: string }, headers: Record<string, string>) {
  return is((await t.data(SetCustomer, { input }, headers)).setCustomer, 'SetCustomerSuccess').selection;
}

async function place(selectionId: string, headers: Record<string, string>) {
  return is((await t.data(Place, { input: { selectionId, idempotencyKey: randomUUID() } }, headers)).placeOrder, 'PlaceOrderSuccess').order;
}

async function storedNames(email: string) {
  return db().customer.findUniqueOrThrow({ where: { email }, select: { firstName: true, lastName: true } });
}

const hidden = { selection: null, claims: [], order: null };

// ---------------------------------------------------------------- the link behind a claim

describe('the link behind a claim', () => {
  it('hides the admin selection, the claims and the order from an anonymous claimant\'s answer', async () => {
    const link = await mugLink(t, { customerEmail: 'vip.hidden@example.com' });
    const first = await claim(link);
    expect(first.claim.link).toEqual({ id: link.linkId, status: 'ACTIVE', ...hidden });
    expect(first.claim.selection.id).toBe(first.selection.id);
    expect(first.claim.order).toBeNull();

    // A second, anonymous claimant does not learn of the first either.
    const second = await claim(link);
    expect(second.claim.link).toEqual({ id: link.linkId, status: 'ACTIVE', ...hidden });

    // The admin sees all of it.
    const state = (await t.admin(LinkAsAdmin, { id: link.linkId })).shareableLink;
    expect(state).toEqual({
      id: link.linkId,
      status: 'ACTIVE',
      selection: { id: link.selectionId },
      claims: [
        { id: first.claim.id, selection: { id: first.selection.id, customer: { email: 'vip.hidden@example.com' } } },
        { id: second.claim.id, selection: { id: second.selection.id, customer: { email: 'vip.hidden@example.com' } } },
      ],
      order: null,
    });
  });

  it('hides them from a session that claims again, also once another claimant\'s order consumed the link', async () => {
    const link = await mugLink(t);
    const mine = await claim(link);
    const mySession = asSession(mine.sessionToken);
    const theirs = await claim(link);
    const again = await claim(link, mySession);
    expect(again.claim.id).toBe(mine.claim.id);
    expect(again.claim.link).toEqual({ id: link.linkId, status: 'ACTIVE', ...hidden });

    // The other claimant buys first: the link is consumed by their order.
    await setCustomer({ selectionId: theirs.selection.id, email: 'first.buyer@example.com' }, asSession(theirs.sessionToken));
    const theirOrder = await place(theirs.selection.id, asSession(theirs.sessionToken));

    const after = await claim(link, mySession);
    expect(after.claim.id).toBe(mine.claim.id);
    expect(after.claim.link).toEqual({ id: link.linkId, status: 'CONSUMED', ...hidden });
    expect(after.claim.order).toBeNull();

    // My own order is mine to see through my claim; the link's (first) order is still not.
    await setCustomer({ selectionId: mine.selection.id, email: 'second.buyer@example.com' }, mySession);
    const myOrder = await place(mine.selection.id, mySession);
    const last = await claim(link, mySession);
    expect(last.claim.order).toEqual({ id: myOrder.id });
    expect(last.claim.link).toEqual({ id: link.linkId, status: 'CONSUMED', ...hidden });

    const state = (await t.admin(LinkAsAdmin, { id: link.linkId })).shareableLink;
    expect(state).toMatchObject({
      status: 'CONSUMED',
      selection: null, // deleted by the first purchase
      claims: [{ id: mine.claim.id }, { id: theirs.claim.id }],
      order: { id: theirOrder.id },
    });
  });

  it('shows them in the claim answer of an admin who claims', async () => {
    const link = await mugLink(t);
    const answer = await claim(link, asAdmin);
    expect(answer.claim.link.selection).toEqual({ id: link.selectionId });
    expect(answer.claim.link.claims.map((c) => c.id)).toEqual([answer.claim.id]);
  });

  it('leaves a session no other way from its selection or order to a link, a claim or an event', () => {
    // Walks the schema from the types a session reads directly; Claim is reached only
    // through claimSelection's answer (tested above).
    const seen = new Set<string>();
    const walk = (type: GraphQLNamedType) => {
      if (seen.has(type.name) || !isObjectType(type)) return;
      seen.add(type.name);
      for (const field of Object.values(type.getFields())) walk(getNamedType(field.type));
    };
    walk(schema.getType('Selection')!);
    walk(schema.getType('Order')!);
    expect([...seen].filter((name) => ['ShareableLink', 'Claim', 'LinkEvent'].includes(name))).toEqual([]);
  });
});

// ---------------------------------------------------------------- warehouses

describe('market.warehouses', () => {
  it('is empty for a session and the allocation order for an admin', async () => {
    const link = await mugLink(t);
    const copy = await claim(link);
    const asClaimant = (await t.data(SelectionMarket, { id: copy.selection.id }, asSession(copy.sessionToken))).selection;
    expect(asClaimant).toEqual({ id: copy.selection.id, market: { code: 'SE', warehouses: [] } });
    const asTheAdmin = (await t.admin(SelectionMarket, { id: copy.selection.id })).selection;
    expect(asTheAdmin).toEqual({ id: copy.selection.id, market: { code: 'SE', warehouses: [{ code: 'W1' }, { code: 'W2' }] } });
  });
});

// ---------------------------------------------------------------- stored customers

describe('a stored customer', () => {
  const email = 'stella.stored@example.com';

  beforeAll(async () => {
    // An admin stores names for this e-mail.
    const selectionId = await createSelection(t);
    const stored = await setCustomer({ selectionId, email, firstName: 'Stella', lastName: 'Stored' }, asAdmin);
    expect(stored.customer).toEqual({ email, firstName: 'Stella', lastName: 'Stored' });
    expect(await storedNames(email)).toEqual({ firstName: 'Stella', lastName: 'Stored' });
  });

  it('is not shown to a claimant of a link made for it, nor when its e-mail is given without names', async () => {
    const link = await mugLink(t, { customerEmail: email });
    const copy = await claim(link);
    const session = asSession(copy.sessionToken);
    // The copy is for the stored customer, but the claimant does not learn the stored names.
    expect((await t.data(SelectionCustomer, { id: copy.selection.id }, session)).selection?.customer)
      .toEqual({ email, firstName: null, lastName: null });

    const answer = await setCustomer({ selectionId: copy.selection.id, email }, session);
    expect(answer.customer).toEqual({ email, firstName: null, lastName: null });
    expect((await t.data(SelectionCustomer, { id: copy.selection.id }, session)).selection?.customer)
      .toEqual({ email, firstName: null, lastName: null });
    expect(await storedNames(email)).toEqual({ firstName: 'Stella', lastName: 'Stored' });

    // An admin sees the stored names where none were given for the selection.
    expect((await t.admin(SelectionCustomer, { id: copy.selection.id })).selection?.customer)
      .toEqual({ email, firstName: 'Stella', lastName: 'Stored' });
    expect((await t.admin(SelectionCustomer, { id: link.selectionId })).selection?.customer)
      .toEqual({ email, firstName: 'Stella', lastName: 'Stored' });

    // Its order shows no names to the session either.
    const order = await place(copy.selection.id, session);
    expect(order.customer).toEqual({ email, firstName: null, lastName: null });
    expect((await t.data(ReadOrder, { id: order.id }, session)).order?.customer).toEqual({ email, firstName: null, lastName: null });
  });

  it('keeps its names when a session gives others: they stay with the session\'s selection and order', async () => {
    const link = await mugLink(t);
    const copy = await claim(link);
    const session = asSession(copy.sessionToken);

    const answer = await setCustomer({ selectionId: copy.selection.id, email, firstName: 'Mallory', lastName: 'Mask' }, session);
    expect(answer.customer).toEqual({ email, firstName: 'Mallory', lastName: 'Mask' });
    expect(await storedNames(email)).toEqual({ firstName: 'Stella', lastName: 'Stored' });
    expect(await db().customer.count({ where: { email } })).toBe(1);

    // Given names are the selection's, for the session and the admin alike.
    expect((await t.data(SelectionCustomer, { id: copy.selection.id }, session)).selection?.customer)
      .toEqual({ email, firstName: 'Mallory', lastName: 'Mask' });
    expect((await t.admin(SelectionCustomer, { id: copy.selection.id })).selection?.customer)
      .toEqual({ email, firstName: 'Mallory', lastName: 'Mask' });

    // Only a first name: the session does not get the stored last name to go with it.
    const partial = await setCustomer({ selectionId: copy.selection.id, email, firstName: 'Mo' }, session);
    expect(partial.customer).toEqual({ email, firstName: 'Mo', lastName: null });
    expect(await storedNames(email)).toEqual({ firstName: 'Stella', lastName: 'Stored' });

    const named = await setCustomer({ selectionId: copy.selection.id, email, firstName: 'Mallory', lastName: 'Mask' }, session);
    expect(named.customer).toEqual({ email, firstName: 'Mallory', lastName: 'Mask' });
    const order = await place(copy.selection.id, session);
    expect(order.customer).toEqual({ email, firstName: 'Mallory', lastName: 'Mask' });
    expect((await t.data(ReadOrder, { id: order.id }, session)).order?.customer).toEqual({ email, firstName: 'Mallory', lastName: 'Mask' });
    expect((await t.admin(ReadOrder, { id: order.id })).order?.customer).toEqual({ email, firstName: 'Mallory', lastName: 'Mask' });
    expect(await storedNames(email)).toEqual({ firstName: 'Stella', lastName: 'Stored' });

    // Elsewhere the admin still sees the stored names.
    const elsewhere = await createSelection(t, { customerEmail: email });
    expect((await t.admin(SelectionCustomer, { id: elsewhere })).selection?.customer)
      .toEqual({ email, firstName: 'Stella', lastName: 'Stored' });
  });

  it('is created with the names a session gives for a new e-mail, and not changed by the next session', async () => {
    const fresh = `fresh.${randomUUID()}@example.com`;
    const first = await claim(await mugLink(t));
    await setCustomer({ selectionId: first.selection.id, email: fresh, firstName: 'Fay', lastName: 'First' }, asSession(first.sessionToken));
    expect(await storedNames(fresh)).toEqual({ firstName: 'Fay', lastName: 'First' });

    const second = await claim(await mugLink(t));
    const answer = await setCustomer({ selectionId: second.selection.id, email: fresh, firstName: 'Sid' }, asSession(second.sessionToken));
    expect(answer.customer).toEqual({ email: fresh, firstName: 'Sid', lastName: null });
    expect(await storedNames(fresh)).toEqual({ firstName: 'Fay', lastName: 'First' });
  });
});

// ---------------------------------------------------------------- order snapshot

describe('an order\'s customer', () => {
  it('keeps the e-mail and names given at order time after the stored customer changes', async () => {
    // A session's order, names given.
    const sessionEmail = `snap.session.${randomUUID()}@example.com`;
    const copy = await claim(await mugLink(t));
    const session = asSession(copy.sessionToken);
    await setCustomer({ selectionId: copy.selection.id, email: sessionEmail, firstName: 'Sam', lastName: 'Given' }, session);
    const sessionOrder = await place(copy.selection.id, session);

    // An admin's order of its own selection, names given.
    const adminEmail = `snap.admin.${randomUUID()}@example.com`;
    const adminSelection = await mugSelection(t);
    await setCustomer({ selectionId: adminSelection, email: adminEmail, firstName: 'Ann', lastName: 'Old' }, asAdmin);
    const adminOrder = await place(adminSelection, asAdmin);
    expect(adminOrder.customer).toEqual({ email: adminEmail, firstName: 'Ann', lastName: 'Old' });

    // Later an admin stores other names for both customers...
    for (const [address, firstName, lastName] of [[sessionEmail, 'Samantha', 'Later'], [adminEmail, 'Annie', 'New']] as const) {
      await setCustomer({ selectionId: await createSelection(t), email: address, firstName, lastName }, asAdmin);
      expect(await storedNames(address)).toEqual({ firstName, lastName });
    }
    // ...and the stored e-mails change (no API does this today: straight in the database).
    await db().customer.update({ where: { email: sessionEmail }, data: { email: `moved.${sessionEmail}` } });
    await db().customer.update({ where: { email: adminEmail }, data: { email: `moved.${adminEmail}` } });

    const asGiven = { email: sessionEmail, firstName: 'Sam', lastName: 'Given' };
    expect((await t.data(ReadOrder, { id: sessionOrder.id }, session)).order?.customer).toEqual(asGiven);
    expect((await t.admin(ReadOrder, { id: sessionOrder.id })).order?.customer).toEqual(asGiven);
    expect((await t.admin(ReadOrder, { id: adminOrder.id })).order?.customer).toEqual({ email: adminEmail, firstName: 'Ann', lastName: 'Old' });
  });
});
