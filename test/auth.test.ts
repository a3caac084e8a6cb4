// Callers (DESIGN.md §2): admins by key, storefront sessions by token, everyone else anonymous.
import { createHash } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminKey } from '../src/auth/admin-key.js';
import { db } from '../src/db/client.js';
import { graphql } from './gql/index.js';
import { ADMIN_KEY, asAdmin, asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem, CreateSelection, ImportCatalog, IssueLink, RemoveItem, RevokeLink, SetCountry, SetCustomer, SetStatic, SetStock, UpdateItem } from './helpers/documents.js';
import { createSelection, databaseState, handToSession, seedCatalog } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedCatalog(t);
});
afterAll(() => t.stop());

// ---------------------------------------------------------------- documents

const AuthSelection = graphql(`
  query AuthSelection($id: ID!) {
    selection(id: $id) {
      id
      countryCode
      customer { email }
      items { id sku quantity unitPrice { amount } }
    }
  }
`);

const AuthMarkets = graphql(`
  query AuthMarkets {
    markets(first: 10) { edges { node { code } } }
  }
`);

const AuthShareableLink = graphql(`
  query AuthShareableLink($id: ID!) {
    shareableLink(id: $id) { id }
  }
`);

const AuthStatic = graphql(`
  query AuthStatic($name: String!) {
    static(name: $name) { name content }
  }
`);

const AuthLinkEvents = graphql(`
  query AuthLinkEvents {
    linkEvents { id }
  }
`);

// ---------------------------------------------------------------- helpers

type Headers = Record<string, string>;

const run = <T, V>(document: TypedDocumentNode<T, V>, variables: V, headers: Headers) => t.data(document, variables, headers);

const NO_ID = '00000000-0000-4000-8000-000000000000';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Calls every admin-only mutation with these headers; returns each result's __typename and code. */
async function callAdminMutations(headers: Headers, selectionId: string) {
  const results = [
    (await run(ImportCatalog, { input: { warehouses: [{ code: 'W9', name: 'Intruder' }] } }, headers)).importCatalog,
    (await run(SetStock, { input: { sku: 'TEE-S', warehouseCode: 'W1', quantity: 999 } }, headers)).setStock,
    (await run(CreateSelection, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE' } }, headers)).createSelection,
    (await run(SetStatic, { input: { name: 'payment_link', content: 'https://evil.example/%basket%/%hash%' } }, headers)).setStatic,
    (await run(IssueLink, { input: { selectionId, lockItems: false } }, headers)).issueShareableLink,
    (await run(RevokeLink, { input: { linkId: NO_ID } }, headers)).revokeShareableLink,
  ];
  return results.map((r) => ({ typename: r.__typename, code: 'code' in r ? r.code : undefined }));
}

const forbidden = { typename: 'ForbiddenError', code: 'FORBIDDEN' };

/** Runs an admin-only query and returns the FORBIDDEN errors' paths. */
async function adminQueryRefused<T, V>(document: TypedDocumentNode<T, V>, variables: V, headers: Headers, field: string) {
  const response = await t.request(document, variables, headers);
  expect(response.errors, JSON.stringify(response)).toBeDefined();
  expect(response.errors!.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  expect(response.errors![0]!.path).toEqual([field]);
  const data = response.data as Record<string, unknown> | null | undefined;
  expect(data?.[field] ?? null).toBeNull();
}

// ---------------------------------------------------------------- anonymous callers

const anonymousCallers: { caller: string; headers: Headers }[] = [
  { caller: 'no credentials', headers: {} },
  { caller: 'empty credential headers', headers: { authorization: '', 'x-session-token': '  ' } },
];

describe.each(anonymousCallers)('a caller with $caller', ({ headers }) => {
  it('gets ForbiddenError from every admin-only mutation, and nothing is written', async () => {
    const selectionId = await createSelection(t);
    await run(AddItem, { input: { selectionId, sku: 'TEE-S', quantity: 1 } }, asAdmin);
    const before = await databaseState();

    expect(await callAdminMutations(headers, selectionId)).toEqual(Array(6).fill(forbidden));
    expect(await databaseState()).toEqual(before);
  });

  it('gets FORBIDDEN GraphQL errors from the admin-only queries', async () => {
    await adminQueryRefused(AuthMarkets, {}, headers, 'markets');
    await adminQueryRefused(AuthShareableLink, { id: NO_ID }, headers, 'shareableLink');
    await adminQueryRefused(AuthStatic, { name: 'payment_link' }, headers, 'static');
    await adminQueryRefused(AuthLinkEvents, {}, headers, 'linkEvents');
  });

  it('cannot read or change a selection', async () => {
    const selectionId = await createSelection(t);
    const { addSelectionItem } = await run(AddItem, { input: { selectionId, sku: 'TEE-S', quantity: 2 } }, asAdmin);
    const itemId = is(addSelectionItem, 'AddSelectionItemSuccess').item.id;
    const before = await databaseState();

    expect((await run(AuthSelection, { id: selectionId }, headers)).selection).toBeNull();
    const results = [
      (await run(AddItem, { input: { selectionId, sku: 'TEE-S', quantity: 1 } }, headers)).addSelectionItem,
      (await run(UpdateItem, { input: { selectionId, itemId, quantity: 1 } }, headers)).updateSelectionItem,
      (await run(RemoveItem, { input: { selectionId, itemId } }, headers)).removeSelectionItem,
      (await run(SetCountry, { input: { selectionId, countryCode: 'NO' } }, headers)).setShippingCountry,
      (await run(SetCustomer, { input: { selectionId, email: 'x@example.com' } }, headers)).setCustomer,
    ];
    for (const result of results) expect(is(result, 'ForbiddenError').code).toBe('FORBIDDEN');
    expect(await databaseState()).toEqual(before);
  });

  it('is told which credential each refused field accepts', async () => {
    const markets = await t.request(AuthMarkets, {}, headers);
    expect(markets.errors?.map((e) => e.message)).toEqual(['markets needs an admin key: send Authorization: Bearer <admin key>.']);
    const selectionId = await createSelection(t);
    const added = (await run(AddItem, { input: { selectionId, sku: 'TEE-S', quantity: 1 } }, headers)).addSelectionItem;
    expect(is(added, 'ForbiddenError').message).toBe(
      'addSelectionItem needs an admin key (Authorization: Bearer <admin key>) or the X-Session-Token of the session that owns it.',
    );
  });
});

// ---------------------------------------------------------------- credentials that are not valid

const notBearer = { header: 'Authorization', message: 'The Authorization header must be "Bearer <admin key>".' };
const unknownKey = { header: 'Authorization', message: 'The admin key in the Authorization header is not valid: it is unknown or was revoked.' };
const unknownToken = { header: 'X-Session-Token', message: 'The X-Session-Token header names no session: send the sessionToken that claimSelection returned.' };
const malformedToken = { header: 'X-Session-Token', message: 'The X-Session-Token header is not a session token: send the sessionToken that claimSelection returned.' };

const refusedCredentials: { caller: string; headers: Headers; refused: { header: string; message: string } }[] = [
  { caller: 'a wrong admin key', headers: bearer('wrong-admin-key-0123456789abcdef0123456789'), refused: unknownKey },
  { caller: 'the admin key with a changed last character', headers: bearer(`${ADMIN_KEY.slice(0, -1)}x`), refused: unknownKey },
  { caller: 'the admin key without "Bearer"', headers: { authorization: ADMIN_KEY }, refused: notBearer },
  { caller: 'the admin key as Basic auth', headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}` }, refused: notBearer },
  { caller: 'the admin key followed by more words', headers: { authorization: `Bearer ${ADMIN_KEY} ${ADMIN_KEY}` }, refused: notBearer },
  { caller: 'an empty Bearer', headers: { authorization: 'Bearer ' }, refused: notBearer },
  { caller: 'a too-long key', headers: bearer('k'.repeat(10_000)), refused: unknownKey },
  { caller: 'a too-long key starting with the admin key', headers: bearer(ADMIN_KEY + 'a'.repeat(600)), refused: unknownKey },
  { caller: 'the admin key as a session token', headers: { 'x-session-token': ADMIN_KEY }, refused: unknownToken },
  { caller: 'a session token that cannot be one', headers: { 'x-session-token': 'not a token!' }, refused: malformedToken },
  { caller: 'a valid session token and a wrong admin key', headers: { 'x-session-token': 'replaced-by-a-session', ...bearer('wrong') }, refused: unknownKey },
];

describe.each(refusedCredentials)('a caller with $caller', ({ headers: given, refused }) => {
  it('is refused with HTTP 401 naming the header, by every query and mutation, and nothing is written', async () => {
    const selectionId = await createSelection(t);
    const itemId = is((await run(AddItem, { input: { selectionId, sku: 'TEE-S', quantity: 2 } }, asAdmin)).addSelectionItem, 'AddSelectionItemSuccess').item.id;
    const headers = given['x-session-token'] === 'replaced-by-a-session' ? { ...given, ...(await handToSession(t, selectionId)).headers } : given;
    const before = await databaseState();
    const operations: [TypedDocumentNode<unknown, never>, unknown][] = [
      [ImportCatalog, { input: { warehouses: [{ code: 'W9', name: 'Intruder' }] } }],
      [SetStock, { input: { sku: 'TEE-S', warehouseCode: 'W1', quantity: 999 } }],
      [CreateSelection, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE' } }],
      [SetStatic, { input: { name: 'payment_link', content: 'https://evil.example/%basket%/%hash%' } }],
      [IssueLink, { input: { selectionId, lockItems: false } }],
      [RevokeLink, { input: { linkId: NO_ID } }],
      [AuthMarkets, {}],
      [AuthLinkEvents, {}],
      [AuthSelection, { id: selectionId }],
      [AddItem, { input: { selectionId, sku: 'TEE-S', quantity: 1 } }],
      [UpdateItem, { input: { selectionId, itemId, quantity: 1 } }],
      [RemoveItem, { input: { selectionId, itemId } }],
      [SetCustomer, { input: { selectionId, email: 'x@example.com' } }],
    ];
    for (const [document, variables] of operations) {
      const response = await t.app.yoga.fetch('http://linkcart.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query: print(document), variables }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(refused.header === 'Authorization' ? 'Bearer realm="linkcart"' : 'X-Session-Token realm="linkcart"');
      expect(await response.json()).toEqual({ errors: [{ message: refused.message, extensions: { code: 'UNAUTHENTICATED', header: refused.header } }] });
    }
    expect(await databaseState()).toEqual(before);
  });
});

// ---------------------------------------------------------------- admin keys

describe('admin keys', () => {
  it('the bootstrap ADMIN_API_KEY is an admin', async () => {
    const { markets } = await run(AuthMarkets, {}, asAdmin);
    expect(markets.edges.map((e) => e.node.code)).toEqual(['JP', 'KW', 'SE']);
    const created = (await run(CreateSelection, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE' } }, asAdmin)).createSelection;
    is(created, 'CreateSelectionSuccess');
    expect((await run(AuthStatic, { name: 'nothing-here' }, asAdmin)).static).toBeNull();
    expect((await run(AuthShareableLink, { id: NO_ID }, asAdmin)).shareableLink).toBeNull();
    // Every stored event: the sessions of this file come from claims, which record some.
    expect((await run(AuthLinkEvents, {}, asAdmin)).linkEvents).toHaveLength(await db().linkEvent.count());
  });

  it('accepts the scheme in any case', async () => {
    const { markets } = await run(AuthMarkets, {}, { authorization: `bearer ${ADMIN_KEY}` });
    expect(markets.edges).toHaveLength(3);
  });

  it('a stored admin key works and is stored only as its SHA-256 digest', async () => {
    const key = await createAdminKey('ci-dashboard');
    expect(key.length).toBeGreaterThanOrEqual(32);

    const { markets } = await run(AuthMarkets, {}, bearer(key));
    expect(markets.edges.map((e) => e.node.code)).toEqual(['JP', 'KW', 'SE']);
    const { setStatic } = await run(SetStatic, { input: { name: 'greeting', content: 'Hello' } }, bearer(key));
    expect(is(setStatic, 'SetStaticSuccess').static).toEqual({ name: 'greeting', content: 'Hello' });

    const row = await db().adminKey.findUniqueOrThrow({ where: { name: 'ci-dashboard' } });
    const expected = createHash('sha256').update(key, 'utf8').digest();
    expect(Buffer.from(row.digest).equals(expected)).toBe(true);
    for (const value of Object.values(row)) {
      expect(value).not.toEqual(key);
      if (value instanceof Uint8Array) expect(Buffer.from(value).toString('utf8')).not.toContain(key);
    }
    // No column, as the database stores it, holds the key.
    const rows = await db().$queryRaw<{ json: string }[]>`SELECT row_to_json(k)::text AS json FROM "AdminKey" k WHERE k.name = 'ci-dashboard'`;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.json).not.toContain(key);
    expect(rows[0]!.json).not.toContain(key.slice(-20));
  });

  it('a revoked stored key is refused as unknown', async () => {
    const key = await createAdminKey('revoked-one');
    await db().adminKey.update({ where: { name: 'revoked-one' }, data: { revokedAt: new Date() } });
    const response = await t.request(AuthMarkets, {}, bearer(key));
    expect(response).toEqual({ errors: [{ message: unknownKey.message, extensions: { code: 'UNAUTHENTICATED', header: 'Authorization' } }] });
  });
});

// ---------------------------------------------------------------- storefront sessions

describe('storefront sessions', () => {
  /** Two selections, each with one line, held (as claimed copies) by two sessions. */
  async function twoSessions() {
    const mineOriginal = await createSelection(t);
    const theirsOriginal = await createSelection(t);
    is((await run(AddItem, { input: { selectionId: mineOriginal, sku: 'TEE-S', quantity: 2 } }, asAdmin)).addSelectionItem, 'AddSelectionItemSuccess');
    is((await run(AddItem, { input: { selectionId: theirsOriginal, sku: 'MUG', quantity: 3 } }, asAdmin)).addSelectionItem, 'AddSelectionItemSuccess');
    const mine = await handToSession(t, mineOriginal);
    const theirs = await handToSession(t, theirsOriginal);
    return {
      mineId: mine.selectionId,
      theirsId: theirs.selectionId,
      mineItem: { id: mine.itemIds[0]! },
      theirItem: { id: theirs.itemIds[0]! },
      mine: mine.headers,
      theirs: theirs.headers,
    };
  }

  it('reads and changes its own selection', async () => {
    const { mineId, mineItem, mine } = await twoSessions();
    const { selection } = await run(AuthSelection, { id: mineId }, mine);
    expect(selection).toMatchObject({ id: mineId, items: [{ id: mineItem.id, sku: 'TEE-S', quantity: 2 }] });

    is((await run(AddItem, { input: { selectionId: mineId, sku: 'MUG', quantity: 1 } }, mine)).addSelectionItem, 'AddSelectionItemSuccess');
    is((await run(UpdateItem, { input: { selectionId: mineId, itemId: mineItem.id, quantity: 1 } }, mine)).updateSelectionItem, 'UpdateSelectionItemSuccess');
    is((await run(SetCountry, { input: { selectionId: mineId, countryCode: 'NO' } }, mine)).setShippingCountry, 'SetShippingCountrySuccess');
    is((await run(SetCustomer, { input: { selectionId: mineId, email: 'me@example.com' } }, mine)).setCustomer, 'SetCustomerSuccess');
    is((await run(RemoveItem, { input: { selectionId: mineId, itemId: mineItem.id } }, mine)).removeSelectionItem, 'RemoveSelectionItemSuccess');

    const after = (await run(AuthSelection, { id: mineId }, mine)).selection;
    expect(after).toMatchObject({ countryCode: 'NO', customer: { email: 'me@example.com' }, items: [{ sku: 'MUG', quantity: 1 }] });
  });

  it('finds another session\'s selection NOT_FOUND for every change, and null to read', async () => {
    const { theirsId, theirItem, mineItem, mine } = await twoSessions();
    const before = await databaseState();
    const theirsBefore = (await run(AuthSelection, { id: theirsId }, asAdmin)).selection;

    expect((await run(AuthSelection, { id: theirsId }, mine)).selection).toBeNull();
    const results = [
      (await run(AddItem, { input: { selectionId: theirsId, sku: 'TEE-S', quantity: 1 } }, mine)).addSelectionItem,
      (await run(UpdateItem, { input: { selectionId: theirsId, itemId: theirItem.id, quantity: 1 } }, mine)).updateSelectionItem,
      // My own item, but their selection.
      (await run(UpdateItem, { input: { selectionId: theirsId, itemId: mineItem.id, quantity: 1 } }, mine)).updateSelectionItem,
      (await run(RemoveItem, { input: { selectionId: theirsId, itemId: theirItem.id } }, mine)).removeSelectionItem,
      (await run(SetCountry, { input: { selectionId: theirsId, countryCode: 'NO' } }, mine)).setShippingCountry,
      (await run(SetCustomer, { input: { selectionId: theirsId, email: 'thief@example.com' } }, mine)).setCustomer,
    ];
    for (const result of results) expect(is(result, 'NotFoundError').code).toBe('NOT_FOUND');

    expect(await databaseState()).toEqual(before);
    expect((await run(AuthSelection, { id: theirsId }, asAdmin)).selection).toEqual(theirsBefore);
  });

  it('finds its own selection NOT_FOUND for an item of another selection', async () => {
    const { mineId, theirsId, theirItem, mine } = await twoSessions();
    const before = await databaseState();
    expect(is((await run(UpdateItem, { input: { selectionId: mineId, itemId: theirItem.id, quantity: 1 } }, mine)).updateSelectionItem, 'NotFoundError').code).toBe('NOT_FOUND');
    expect(is((await run(RemoveItem, { input: { selectionId: mineId, itemId: theirItem.id } }, mine)).removeSelectionItem, 'NotFoundError').code).toBe('NOT_FOUND');
    expect(await databaseState()).toEqual(before);
    expect((await run(AuthSelection, { id: theirsId }, asAdmin)).selection?.items).toEqual([
      { id: theirItem.id, sku: 'MUG', quantity: 3, unitPrice: { amount: '89.50' } },
    ]);
  });

  it('finds an admin-built selection that no session holds NOT_FOUND', async () => {
    const { mine } = await twoSessions();
    const adminOnlyId = await createSelection(t);
    const before = await databaseState();
    expect((await run(AuthSelection, { id: adminOnlyId }, mine)).selection).toBeNull();
    expect(is((await run(AddItem, { input: { selectionId: adminOnlyId, sku: 'TEE-S', quantity: 1 } }, mine)).addSelectionItem, 'NotFoundError').code).toBe('NOT_FOUND');
    expect(is((await run(SetCustomer, { input: { selectionId: adminOnlyId, email: 'x@example.com' } }, mine)).setCustomer, 'NotFoundError').code).toBe('NOT_FOUND');
    expect(await databaseState()).toEqual(before);
  });

  it('an unknown session token is refused, naming the header', async () => {
    const { mineId } = await twoSessions();
    const unknown = asSession('this-token-was-never-issued-0123456789abcdef');
    const before = await databaseState();
    for (const response of [
      await t.request(AddItem, { input: { selectionId: mineId, sku: 'TEE-S', quantity: 1 } }, unknown),
      await t.request(AuthSelection, { id: mineId }, unknown),
    ]) {
      expect(response).toEqual({ errors: [{ message: unknownToken.message, extensions: { code: 'UNAUTHENTICATED', header: 'X-Session-Token' } }] });
    }
    expect(await databaseState()).toEqual(before);
  });

  it('cannot call admin-only mutations or queries', async () => {
    const { mineId, mine } = await twoSessions();
    const before = await databaseState();
    expect(await callAdminMutations(mine, mineId)).toEqual(Array(6).fill(forbidden));
    expect(await databaseState()).toEqual(before);

    await adminQueryRefused(AuthMarkets, {}, mine, 'markets');
    await adminQueryRefused(AuthShareableLink, { id: NO_ID }, mine, 'shareableLink');
    await adminQueryRefused(AuthStatic, { name: 'payment_link' }, mine, 'static');
    await adminQueryRefused(AuthLinkEvents, {}, mine, 'linkEvents');
  });

  it('may not set a unit price', async () => {
    const { mineId, mineItem, mine } = await twoSessions();
    const before = await databaseState();
    expect(is((await run(AddItem, { input: { selectionId: mineId, sku: 'TEE-S', quantity: 1, unitPrice: '1.00' } }, mine)).addSelectionItem, 'ForbiddenError').code).toBe('FORBIDDEN');
    expect(is((await run(UpdateItem, { input: { selectionId: mineId, itemId: mineItem.id, unitPrice: '1.00' } }, mine)).updateSelectionItem, 'ForbiddenError').code).toBe('FORBIDDEN');
    expect(await databaseState()).toEqual(before);
  });

  it('is told that an admin-only field is for admins, not to send a session token', async () => {
    const { mine } = await twoSessions();
    const response = await t.request(AuthMarkets, {}, mine);
    expect(response.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['FORBIDDEN', 'markets is for admins: a storefront session may not use it.']]);
  });

  it('with the admin key besides is the admin', async () => {
    const { mineId, mine } = await twoSessions();
    const headers = { ...mine, ...asAdmin };
    expect((await run(AuthSelection, { id: mineId }, headers)).selection?.id).toBe(mineId);
    expect((await run(AuthMarkets, {}, headers)).markets.edges.length).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------- malformed ids

describe('a malformed selection id', () => {
  it.each([
    { caller: 'the admin', session: false },
    { caller: 'a session', session: true },
  ])('is NOT_FOUND or null for $caller, not a crash', async ({ session }) => {
    const selectionId = await createSelection(t);
    const headers = session ? (await handToSession(t, selectionId)).headers : asAdmin;
    const before = await databaseState();

    for (const id of ['not-a-uuid', '', `${NO_ID}x`, "1' OR '1'='1"]) {
      expect((await run(AuthSelection, { id }, headers)).selection).toBeNull();
      const results = [
        (await run(AddItem, { input: { selectionId: id, sku: 'TEE-S', quantity: 1 } }, headers)).addSelectionItem,
        (await run(UpdateItem, { input: { selectionId: id, itemId: NO_ID, quantity: 1 } }, headers)).updateSelectionItem,
        (await run(RemoveItem, { input: { selectionId: id, itemId: 'not-a-uuid' } }, headers)).removeSelectionItem,
        (await run(SetCountry, { input: { selectionId: id, countryCode: 'NO' } }, headers)).setShippingCountry,
        (await run(SetCustomer, { input: { selectionId: id, email: 'x@example.com' } }, headers)).setCustomer,
      ];
      for (const result of results) expect(is(result, 'NotFoundError').code).toBe('NOT_FOUND');
    }
    // A malformed item id of a real selection is NOT_FOUND too.
    expect(is((await run(UpdateItem, { input: { selectionId, itemId: 'not-a-uuid', quantity: 1 } }, headers)).updateSelectionItem, 'NotFoundError').code).toBe('NOT_FOUND');
    expect(is((await run(RemoveItem, { input: { selectionId, itemId: 'not-a-uuid' } }, headers)).removeSelectionItem, 'NotFoundError').code).toBe('NOT_FOUND');
    expect(await databaseState()).toEqual(before);
  });
});
