// Shareable links (DESIGN.md §1 steps 2–4, §2): issuing, revoking, claiming, shopping on a
// claimed copy, and the admin reads of links and link events.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import { graphql } from './gql/index.js';
import type { LinkEventType, ShareableLinkStatus } from './gql/graphql.js';
import { asAdmin, asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem, Checkout, ImportCatalog, RevokeLink, SetCustomer, SetStatic } from './helpers/documents.js';
import { createSelection, handToSession, rowCounts, seedCatalog } from './helpers/fixtures.js';

const PUBLIC_URL = 'https://api.linkcart.test';

// ---------------------------------------------------------------- documents

graphql(`
  fragment LinkSelectionFields on Selection {
    id
    status
    locked
    ignoreShipping
    ignoreTax
    countryCode
    currency
    market { code }
    pricelist { code }
    customer { email }
    items { id sku quantity priceLocked unitPrice { amount currency } }
    totals { subtotal { amount } shipping { amount } tax { amount } grandTotal { amount } }
  }
`);

const LinkIssue = graphql(`
  mutation LinkIssue($input: IssueShareableLinkInput!) {
    issueShareableLink(input: $input) {
      __typename
      ... on Error { message code }
      ... on ValidationError { path }
      ... on ShippingUnavailableError { countryCode }
      ... on IssueShareableLinkSuccess {
        hash2
        url
        link { id hash1 status lockItems ignoreShipping ignoreTax createdAt expiresAt consumedAt selection { id } }
      }
    }
  }
`);

const LinkStatic = graphql(`
  query LinkStatic($name: String!) {
    static(name: $name) { name content }
  }
`);

const LinkClaim = graphql(`
  mutation LinkClaim($input: ClaimSelectionInput!) {
    claimSelection(input: $input) {
      __typename
      ... on Error { message code }
      ... on ClaimSelectionSuccess {
        sessionToken
        claim { id claimedAt link { id } selection { id } }
        selection { ...LinkSelectionFields }
      }
    }
  }
`);

const LinkSelection = graphql(`
  query LinkSelection($id: ID!) {
    selection(id: $id) { ...LinkSelectionFields }
  }
`);

const LinkAdd = graphql(`
  mutation LinkAdd($input: AddSelectionItemInput!) {
    addSelectionItem(input: $input) { __typename ...TestFailure ... on AddSelectionItemSuccess { item { id sku quantity priceLocked unitPrice { amount } } selection { ...LinkSelectionFields } } }
  }
`);

const LinkUpdate = graphql(`
  mutation LinkUpdate($input: UpdateSelectionItemInput!) {
    updateSelectionItem(input: $input) { __typename ...TestFailure ... on UpdateSelectionItemSuccess { item { id sku quantity priceLocked unitPrice { amount } } selection { ...LinkSelectionFields } } }
  }
`);

const LinkRemove = graphql(`
  mutation LinkRemove($input: RemoveSelectionItemInput!) {
    removeSelectionItem(input: $input) { __typename ...TestFailure ... on RemoveSelectionItemSuccess { selection { ...LinkSelectionFields } } }
  }
`);

const LinkSetCountry = graphql(`
  mutation LinkSetCountry($input: SetShippingCountryInput!) {
    setShippingCountry(input: $input) { __typename ...TestFailure ... on ShippingUnavailableError { countryCode } ... on SetShippingCountrySuccess { selection { ...LinkSelectionFields } } }
  }
`);

const LinkGet = graphql(`
  query LinkGet($id: ID!) {
    shareableLink(id: $id) {
      id
      status
      hash1
      lockItems
      ignoreShipping
      ignoreTax
      createdAt
      expiresAt
      consumedAt
      selection { id }
      order { id number }
      claims { id claimedAt selection { id } order { id } link { id } }
    }
  }
`);

const LinkList = graphql(`
  query LinkList($status: ShareableLinkStatus, $first: Int, $after: String) {
    shareableLinks(status: $status, first: $first, after: $after) {
      edges { cursor node { id status createdAt expiresAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

const LinkEvents = graphql(`
  query LinkEvents($after: String, $first: Int, $linkId: ID, $types: [LinkEventType!]) {
    linkEvents(after: $after, first: $first, linkId: $linkId, types: $types) {
      id
      sequence
      type
      occurredAt
      link { id }
      claim { id }
      order { id }
    }
  }
`);

// ---------------------------------------------------------------- helpers

let t: TestApp;

beforeAll(async () => {
  // The rate limit on failed claims is not what these tests are about: set it out of reach.
  t = await startTestApp({ PUBLIC_URL, CLAIM_RATE_LIMIT: '1000000' });
  await seedCatalog(t);
});

afterAll(() => t.stop());

interface Line {
  sku: string;
  quantity: number;
  unitPrice?: string;
}

/** A new admin selection (market SE, pricelist SEK, country SE unless given) with these lines. */
async function adminSelection(
  lines: Line[],
  input: { marketCode?: string; pricelistCode?: string; countryCode?: string; customerEmail?: string } = {},
): Promise<string> {
  const selectionId = await createSelection(t, input);
  for (const line of lines) {
    is((await t.admin(AddItem, { input: { selectionId, ...line } })).addSelectionItem, 'AddSelectionItemSuccess');
  }
  return selectionId;
}

type IssueOptions = { lockItems?: boolean; ignoreShipping?: boolean; ignoreTax?: boolean; expiresAt?: string };

async function issueResult(selectionId: string, options: IssueOptions = {}) {
  return (await t.admin(LinkIssue, { input: { selectionId, lockItems: false, ...options } })).issueShareableLink;
}

async function issue(selectionId: string, options: IssueOptions = {}) {
  return is(await issueResult(selectionId, options), 'IssueShareableLinkSuccess');
}

type Issued = Awaited<ReturnType<typeof issue>>;

async function claimResult(hash1: string, hash2: string, headers: Record<string, string> = {}) {
  return (await t.data(LinkClaim, { input: { hash1, hash2 } }, headers)).claimSelection;
}

async function claim(link: Issued, headers: Record<string, string> = {}) {
  return is(await claimResult(link.link.hash1, link.hash2, headers), 'ClaimSelectionSuccess');
}

async function readSelection(id: string, headers: Record<string, string> = asAdmin) {
  return (await t.data(LinkSelection, { id }, headers)).selection;
}

async function adminSelectionView(id: string) {
  const selection = await readSelection(id);
  expect(selection).not.toBeNull();
  return selection!;
}

/** setCustomer + placeOrder as the session that owns the copy. */
async function buy(selectionId: string, token: string) {
  const result = await t.data(Checkout, { selectionId, key: `link-${randomUUID()}` }, asSession(token));
  is(result.setCustomer, 'SetCustomerSuccess');
  return is(result.placeOrder, 'PlaceOrderSuccess').order;
}

async function events(variables: { after?: string; first?: number; linkId?: string; types?: LinkEventType[] } = {}) {
  return (await t.admin(LinkEvents, variables)).linkEvents;
}

async function lastSequence(): Promise<string> {
  const { _max } = await db().linkEvent.aggregate({ _max: { sequence: true } });
  return (_max.sequence ?? 0n).toString();
}

async function getLink(id: string) {
  const link = (await t.admin(LinkGet, { id })).shareableLink;
  expect(link).not.toBeNull();
  return link!;
}

/** Every link that shows `status` (or all), following the cursors with pages of `pageSize`. */
async function listLinks(status: ShareableLinkStatus | undefined, pageSize: number) {
  const nodes: { id: string; status: ShareableLinkStatus; createdAt: string; expiresAt?: string | null }[] = [];
  let after: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const { edges, pageInfo } = (await t.admin(LinkList, { status, first: pageSize, after })).shareableLinks;
    expect(edges.length).toBeLessThanOrEqual(pageSize);
    nodes.push(...edges.map((e) => e.node));
    if (!pageInfo.hasNextPage) return nodes;
    expect(edges).toHaveLength(pageSize);
    expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor);
    after = pageInfo.endCursor!;
  }
  throw new Error('shareableLinks never ended');
}

/** Rows of every table a refused claim might write to. */
async function claimRowCounts() {
  const prisma = db();
  return {
    ...(await rowCounts()),
    claim: await prisma.claim.count(),
    storefrontSession: await prisma.storefrontSession.count(),
    linkEvent: await prisma.linkEvent.count(),
    shareableLink: await prisma.shareableLink.count(),
    order: await prisma.order.count(),
  };
}

const itemsOf = (selection: { items: { sku: string | null; quantity: number; priceLocked: boolean; unitPrice: { amount: string } }[] }) =>
  selection.items.map(({ sku, quantity, priceLocked, unitPrice }) => ({ sku, quantity, priceLocked, unitPrice: unitPrice.amount }));

/** hash2 with its last character changed. */
const wrongHash2 = (link: Issued) => `${link.hash2.slice(0, -1)}${link.hash2.endsWith('A') ? 'B' : 'A'}`;

const inAMinute = () => new Date(Date.now() + 60_000);

// ---------------------------------------------------------------- issueShareableLink

describe('issueShareableLink', () => {
  it('returns the ACTIVE link with the options as given, hash2 and a PUBLIC_URL url when no payment_link is set', async () => {
    const selectionId = await adminSelection([{ sku: 'MUG', quantity: 1 }]);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const issued = await issue(selectionId, { lockItems: true, ignoreShipping: true, ignoreTax: false, expiresAt });
    expect(issued.link).toMatchObject({
      status: 'ACTIVE',
      lockItems: true,
      ignoreShipping: true,
      ignoreTax: false,
      expiresAt,
      consumedAt: null,
      selection: { id: selectionId },
    });
    expect(issued.link.hash1).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(issued.hash2).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(issued.url).toBe(`${PUBLIC_URL}/selection/${issued.link.hash1}/${issued.hash2}`);

    const defaults = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]), { lockItems: false });
    expect(defaults.link).toMatchObject({ status: 'ACTIVE', lockItems: false, ignoreShipping: false, ignoreTax: false, expiresAt: null });
    expect(defaults.link.hash1).not.toBe(issued.link.hash1);
    expect(defaults.hash2).not.toBe(issued.hash2);

    const issuedEvents = await events({ linkId: issued.link.id });
    expect(issuedEvents.map((e) => e.type)).toEqual(['ISSUED']);
  });

  it('builds the url from the payment_link static; a template without %basket% or %hash% is refused and not stored', async () => {
    const name = 'payment_link';
    try {
      const missingHash = (await t.admin(SetStatic, { input: { name, content: 'https://store.example/selection/%basket%' } })).setStatic;
      expect(missingHash).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', path: ['input', 'content'] });
      expect((await t.admin(LinkStatic, { name })).static).toBeNull();

      const template = 'https://store.example/selection/%basket%/%hash%';
      const stored = is((await t.admin(SetStatic, { input: { name, content: template } })).setStatic, 'SetStaticSuccess');
      expect(stored.static).toEqual({ name, content: template });

      const issued = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
      expect(issued.url).toBe(`https://store.example/selection/${issued.link.hash1}/${issued.hash2}`);

      const missingBasket = (await t.admin(SetStatic, { input: { name, content: 'https://store.example/selection/%hash%' } })).setStatic;
      expect(missingBasket).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', path: ['input', 'content'] });
      const neither = (await t.admin(SetStatic, { input: { name, content: 'https://store.example/selection' } })).setStatic;
      expect(neither).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION' });
      expect((await t.admin(LinkStatic, { name })).static).toEqual({ name, content: template });

      const again = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
      expect(again.url).toBe(`https://store.example/selection/${again.link.hash1}/${again.hash2}`);
    } finally {
      // Other tests expect the PUBLIC_URL default.
      await db().static.deleteMany({ where: { name } });
    }
  });

  it('revokes the older ACTIVE link of the same selection and records REVOKED then ISSUED', async () => {
    const selectionId = await adminSelection([{ sku: 'MUG', quantity: 2 }]);
    const older = await issue(selectionId);
    const before = await lastSequence();
    const newer = await issue(selectionId, { lockItems: true });

    expect((await getLink(older.link.id)).status).toBe('REVOKED');
    expect((await getLink(newer.link.id)).status).toBe('ACTIVE');
    const late = await claimResult(older.link.hash1, older.hash2);
    expect(late).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_REVOKED' });
    await claim(newer);

    const recorded = await events({ after: before, types: ['REVOKED', 'ISSUED'] });
    expect(recorded.map((e) => [e.type, e.link.id])).toEqual([
      ['REVOKED', older.link.id],
      ['ISSUED', newer.link.id],
    ]);
    expect(await db().shareableLink.count({ where: { selectionId, status: 'ACTIVE' } })).toBe(1);
  });

  it('refuses an empty selection with SELECTION_EMPTY and stores no link', async () => {
    const selectionId = await createSelection(t);
    const before = await claimRowCounts();
    const result = await issueResult(selectionId);
    expect(result).toMatchObject({ __typename: 'SelectionStateError', code: 'SELECTION_EMPTY' });
    expect(await claimRowCounts()).toEqual(before);
  });

  it('refuses a selection whose country has no shipping any more with ShippingUnavailableError', async () => {
    // A market of its own, so that deleting its shipping row disturbs no other test.
    const imported = await t.admin(ImportCatalog, {
      input: {
        markets: [{ code: 'LX', name: 'Luxembourg', countries: ['LU'], warehouseCodes: ['W1'] }],
        shipping: [{ marketCode: 'LX', pricelistCode: 'SEK', countryCode: 'LU', amount: '59.00' }],
      },
    });
    is(imported.importCatalog, 'ImportCatalogSuccess');
    const selectionId = await adminSelection([{ sku: 'MUG', quantity: 1 }], { marketCode: 'LX', countryCode: 'LU' });
    const deleted = await db().shippingRate.deleteMany({ where: { market: { code: 'LX' }, countryCode: 'LU' } });
    expect(deleted.count).toBe(1);

    const before = await claimRowCounts();
    const result = await issueResult(selectionId);
    expect(result).toMatchObject({ __typename: 'ShippingUnavailableError', code: 'SHIPPING_UNAVAILABLE', countryCode: 'LU' });
    expect(await claimRowCounts()).toEqual(before);
  });

  it('refuses to share a claimed copy (ValidationError)', async () => {
    const { selectionId } = await handToSession(t, await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    const result = await issueResult(selectionId);
    expect(result).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', path: ['input', 'selectionId'] });
    expect(await db().shareableLink.count({ where: { selectionId } })).toBe(0);
  });

  it('refuses an expiresAt in the past (ValidationError)', async () => {
    const selectionId = await adminSelection([{ sku: 'MUG', quantity: 1 }]);
    const result = await issueResult(selectionId, { expiresAt: new Date(Date.now() - 60_000).toISOString() });
    expect(result).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', path: ['input', 'expiresAt'] });
    expect(await db().shareableLink.count({ where: { selectionId } })).toBe(0);
  });

  it('answers NotFoundError for an unknown or malformed selection id', async () => {
    for (const selectionId of [randomUUID(), 'not-a-uuid', '']) {
      expect(await issueResult(selectionId), selectionId).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    }
  });

  it('is admin only (ForbiddenError)', async () => {
    const selectionId = await adminSelection([{ sku: 'MUG', quantity: 1 }]);
    const copyToken = (await claim(await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }])))).sessionToken;
    for (const headers of [{}, asSession(copyToken)]) {
      const result = (await t.data(LinkIssue, { input: { selectionId, lockItems: false } }, headers)).issueShareableLink;
      expect(result).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    }
    expect(await db().shareableLink.count({ where: { selectionId } })).toBe(0);
  });

  it('makes hash1 unique and random, and hash2 at least 128 bits', async () => {
    const selectionId = await adminSelection([{ sku: 'MUG', quantity: 1 }]);
    const links: Issued[] = [];
    for (let i = 0; i < 30; i++) links.push(await issue(selectionId));
    const hash1s = links.map((l) => l.link.hash1);
    const hash2s = links.map((l) => l.hash2);
    expect(new Set(hash1s).size).toBe(links.length);
    expect(new Set(hash2s).size).toBe(links.length);
    // Random, not a counter or a clock: even short prefixes differ.
    expect(new Set(hash1s.map((h) => h.slice(0, 4))).size).toBe(links.length);
    expect(new Set(hash2s.map((h) => h.slice(0, 4))).size).toBe(links.length);
    for (const { link, hash2 } of links) {
      expect(link.hash1).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
      expect(link.hash1).not.toContain(link.id.replaceAll('-', '').slice(0, 8));
      expect(hash2).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      const bytes = Buffer.from(hash2, 'base64url');
      expect(bytes.length).toBeGreaterThanOrEqual(16);
      expect(bytes.toString('base64url')).toBe(hash2);
      expect(hash2).not.toBe(link.hash1);
    }
  });

  it('stores only SHA-256(hash2): no column of any table holds hash2', async () => {
    const issued = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    const { hash2 } = issued;
    const sha = createHash('sha256').update(hash2, 'utf8').digest();

    const row = await db().shareableLink.findUniqueOrThrow({ where: { id: issued.link.id } });
    expect(Buffer.from(row.hash2Digest).equals(sha)).toBe(true);
    for (const [column, value] of Object.entries(row)) {
      if (typeof value === 'string') expect(value, column).not.toContain(hash2);
    }

    const hash2Hex = Buffer.from(hash2, 'base64url').toString('hex');
    const tables = await db().$queryRaw<{ name: string }[]>`
      SELECT table_name::text AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
    expect(tables.map((r) => r.name)).toContain('ShareableLink');
    const hits = async (table: string, needle: string) => {
      const rows = await db().$queryRawUnsafe<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM "${table.replaceAll('"', '""')}" t WHERE strpos(t::text, $1) > 0`,
        needle,
      );
      return rows[0]?.n ?? -1;
    };
    for (const { name } of tables) {
      expect(await hits(name, hash2), `${name} holds hash2`).toBe(0);
      expect(await hits(name, hash2Hex), `${name} holds hash2's bytes`).toBe(0);
    }
    // The scan does see what is there: hash1 and the digest.
    expect(await hits('ShareableLink', issued.link.hash1)).toBe(1);
    expect(await hits('ShareableLink', sha.toString('hex'))).toBe(1);
  });
});

// ---------------------------------------------------------------- revokeShareableLink

describe('revokeShareableLink', () => {
  it('turns an ACTIVE link REVOKED and records REVOKED', async () => {
    const issued = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    const result = (await t.admin(RevokeLink, { input: { linkId: issued.link.id } })).revokeShareableLink;
    expect(is(result, 'RevokeShareableLinkSuccess').link).toEqual({ id: issued.link.id, status: 'REVOKED' });
    expect((await getLink(issued.link.id)).status).toBe('REVOKED');
    expect((await events({ linkId: issued.link.id })).map((e) => e.type)).toEqual(['ISSUED', 'REVOKED']);
  });

  it('refuses a revoked link again with LINK_REVOKED', async () => {
    const issued = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    is((await t.admin(RevokeLink, { input: { linkId: issued.link.id } })).revokeShareableLink, 'RevokeShareableLinkSuccess');
    const again = (await t.admin(RevokeLink, { input: { linkId: issued.link.id } })).revokeShareableLink;
    expect(again).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_REVOKED' });
    expect((await events({ linkId: issued.link.id, types: ['REVOKED'] }))).toHaveLength(1);
  });

  it('refuses a consumed link with LINK_USED', async () => {
    const issued = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    const claimed = await claim(issued);
    await buy(claimed.selection.id, claimed.sessionToken);
    const result = (await t.admin(RevokeLink, { input: { linkId: issued.link.id } })).revokeShareableLink;
    expect(result).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_USED' });
    expect((await getLink(issued.link.id)).status).toBe('CONSUMED');
  });

  it('answers NotFoundError for an unknown link', async () => {
    for (const linkId of [randomUUID(), 'nope']) {
      const result = (await t.admin(RevokeLink, { input: { linkId } })).revokeShareableLink;
      expect(result, linkId).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    }
  });

  it('is admin only (ForbiddenError)', async () => {
    const issued = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    const claimed = await claim(issued);
    for (const headers of [{}, asSession(claimed.sessionToken)]) {
      const result = (await t.data(RevokeLink, { input: { linkId: issued.link.id } }, headers)).revokeShareableLink;
      expect(result).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    }
    expect((await getLink(issued.link.id)).status).toBe('ACTIVE');
  });
});

// ---------------------------------------------------------------- claimSelection

describe('claimSelection', () => {
  const lines: Line[] = [
    { sku: 'TEE-S', quantity: 2 },
    { sku: 'TEE-M', quantity: 1, unitPrice: '99.00' },
    { sku: 'MUG', quantity: 3 },
  ];

  it('copies items, prices, market, pricelist, country, customer and the link options', async () => {
    const selectionId = await adminSelection(lines, { countryCode: 'NO', customerEmail: 'claimant@example.com' });
    const original = await adminSelectionView(selectionId);
    expect(itemsOf(original)).toEqual([
      { sku: 'TEE-S', quantity: 2, priceLocked: false, unitPrice: '149.00' },
      { sku: 'TEE-M', quantity: 1, priceLocked: true, unitPrice: '99.00' },
      { sku: 'MUG', quantity: 3, priceLocked: false, unitPrice: '89.50' },
    ]);

    const plain = await claim(await issue(selectionId, { lockItems: false }));
    const copy = plain.selection;
    expect(copy.id).not.toBe(selectionId);
    expect(plain.claim.selection.id).toBe(copy.id);
    expect(copy).toMatchObject({
      status: 'OPEN',
      locked: false,
      ignoreShipping: false,
      ignoreTax: false,
      countryCode: 'NO',
      currency: 'SEK',
      market: { code: 'SE' },
      pricelist: { code: 'SEK' },
      customer: { email: 'claimant@example.com' },
    });
    expect(itemsOf(copy)).toEqual(itemsOf(original));
    const originalItemIds = new Set(original.items.map((i) => i.id));
    expect(copy.items.filter((i) => originalItemIds.has(i.id))).toEqual([]);
    // 298.00 + 99.00 + 268.50 = 665.50; shipping to NO 99.00; tax 25 % of 764.50 = 191.125 -> 191.13.
    expect(copy.totals).toEqual({
      subtotal: { amount: '665.50' },
      shipping: { amount: '99.00' },
      tax: { amount: '191.13' },
      grandTotal: { amount: '955.63' },
    });
    expect(copy.totals).toEqual(original.totals);

    const selectionBefore = await db().selection.count();
    const options = await claim(await issue(selectionId, { lockItems: true, ignoreShipping: true, ignoreTax: true }));
    expect(await db().selection.count()).toBe(selectionBefore + 1);
    expect(options.selection).toMatchObject({ locked: true, ignoreShipping: true, ignoreTax: true, countryCode: 'NO' });
    expect(itemsOf(options.selection)).toEqual(itemsOf(original));
    expect(options.selection.totals).toEqual({
      subtotal: { amount: '665.50' },
      shipping: { amount: '0.00' },
      tax: { amount: '0.00' },
      grandTotal: { amount: '665.50' },
    });

    const shippingOnly = await claim(await issue(selectionId, { lockItems: false, ignoreShipping: true }));
    // No shipping; tax 25 % of 665.50 = 166.375 -> 166.38.
    expect(shippingOnly.selection.totals).toEqual({
      subtotal: { amount: '665.50' },
      shipping: { amount: '0.00' },
      tax: { amount: '166.38' },
      grandTotal: { amount: '831.88' },
    });

    // The original is untouched.
    expect(await adminSelectionView(selectionId)).toEqual(original);
  });

  it('keeps the order of the lines, also of lines added in the same millisecond', async () => {
    const skus = Array.from({ length: 12 }, (_, i) => `ORDER-${String(i).padStart(2, '0')}`);
    await t.admin(ImportCatalog, {
      input: {
        products: [{
          code: 'ORDER',
          name: 'Line order',
          variants: skus.map((sku) => ({ sku, name: sku, prices: [{ pricelistCode: 'SEK', amount: '1.00' }], stock: [{ warehouseCode: 'W1', quantity: 10 }] })),
        }],
      },
    });
    // Added in reverse, so that neither SKU order nor insertion order alone explains the result.
    const selectionId = await adminSelection([...skus].reverse().map((sku) => ({ sku, quantity: 1 })));
    await db().selectionItem.updateMany({ where: { selectionId }, data: { createdAt: new Date('2026-11-01T12:00:00.000Z') } });
    const original = itemsOf(await adminSelectionView(selectionId));
    expect(original.map((line) => line.sku)).toEqual([...skus].reverse());

    const claimed = await claim(await issue(selectionId));
    expect(itemsOf(claimed.selection)).toEqual(original);
    expect(itemsOf((await readSelection(claimed.selection.id, asSession(claimed.sessionToken)))!)).toEqual(original);
  });

  it('returns a session token that reads the copy but not the original', async () => {
    const selectionId = await adminSelection(lines);
    const claimed = await claim(await issue(selectionId));
    const session = asSession(claimed.sessionToken);
    expect(claimed.sessionToken.length).toBeGreaterThanOrEqual(22);
    expect(await readSelection(claimed.selection.id, session)).toEqual(claimed.selection);
    expect(await readSelection(selectionId, session)).toBeNull();
    expect(await readSelection(claimed.selection.id, {})).toBeNull();
  });

  it('makes a copy of its own for each claim', async () => {
    const selectionId = await adminSelection(lines);
    const issued = await issue(selectionId);
    const first = await claim(issued);
    const second = await claim(issued);
    expect(second.claim.id).not.toBe(first.claim.id);
    expect(second.selection.id).not.toBe(first.selection.id);
    expect(second.sessionToken).not.toBe(first.sessionToken);
    expect(itemsOf(second.selection)).toEqual(itemsOf(first.selection));
    expect(await readSelection(second.selection.id, asSession(first.sessionToken))).toBeNull();
    expect(await readSelection(first.selection.id, asSession(second.sessionToken))).toBeNull();
  });

  it('gives a session that claims again the same claim, copy and token, without a new CLAIMED event', async () => {
    const issued = await issue(await adminSelection(lines));
    const first = await claim(issued);
    const before = await claimRowCounts();
    const again = await claim(issued, asSession(first.sessionToken));
    expect(again.claim.id).toBe(first.claim.id);
    expect(again.selection.id).toBe(first.selection.id);
    expect(again.sessionToken).toBe(first.sessionToken);
    expect(await claimRowCounts()).toEqual(before);
    expect((await events({ linkId: issued.link.id, types: ['CLAIMED'] })).map((e) => e.claim?.id)).toEqual([first.claim.id]);
    expect(await readSelection(first.selection.id, asSession(again.sessionToken))).not.toBeNull();
  });

  it('answers every wrong or malformed hash pair with the same LINK_NOT_FOUND and writes nothing', async () => {
    const issued = await issue(await adminSelection(lines));
    const other = await issue(await adminSelection(lines));
    const { hash1 } = issued.link;
    const { hash2 } = issued;
    const pairs: [string, string][] = [
      ['AAAAAAAAAAAAAAAAAAAAAAAA', hash2],
      ['unknownhash1', 'unknownhash2'],
      ['', ''],
      [hash1, ''],
      ['', hash2],
      ['a'.repeat(65), hash2],
      [hash1, 'a'.repeat(65)],
      [hash1, `${hash2}${'a'.repeat(65 - hash2.length)}`],
      [` ${hash1}`, hash2],
      [hash1, `${hash2} `],
      [`${hash1.slice(0, 4)} ${hash1.slice(4)}`, hash2],
      [hash1, `${hash2.slice(0, 4)} ${hash2.slice(4)}`],
      [`ä${hash1.slice(1)}`, hash2],
      [hash1, `${hash2.slice(0, -1)}é`],
      [hash1, '🔗🔗🔗'],
      [hash1, wrongHash2(issued)],
      [hash1, other.hash2],
      [other.link.hash1, hash2],
      [hash2, hash1],
    ];
    const before = await claimRowCounts();
    const messages = new Set<string>();
    for (const [h1, h2] of pairs) {
      const result = await claimResult(h1, h2);
      expect(result, JSON.stringify([h1, h2])).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_NOT_FOUND' });
      if (result.__typename === 'LinkUnavailableError') messages.add(result.message);
    }
    expect(messages.size).toBe(1);
    expect(await claimRowCounts()).toEqual(before);
    expect(await db().claim.count({ where: { linkId: { in: [issued.link.id, other.link.id] } } })).toBe(0);
    // The right pair still works.
    await claim(issued);
  });

  it('answers LINK_REVOKED for a revoked link', async () => {
    const issued = await issue(await adminSelection(lines));
    is((await t.admin(RevokeLink, { input: { linkId: issued.link.id } })).revokeShareableLink, 'RevokeShareableLinkSuccess');
    const before = await claimRowCounts();
    expect(await claimResult(issued.link.hash1, issued.hash2)).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_REVOKED' });
    // Without the right hash2 the link's state is not told.
    expect(await claimResult(issued.link.hash1, wrongHash2(issued))).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_NOT_FOUND' });
    expect(await claimRowCounts()).toEqual(before);
  });

  it('answers LINK_EXPIRED once expiresAt has passed', async () => {
    const issued = await issue(await adminSelection(lines), { expiresAt: inAMinute().toISOString() });
    await claim(issued);
    await db().shareableLink.update({ where: { id: issued.link.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const before = await claimRowCounts();
    expect(await claimResult(issued.link.hash1, issued.hash2)).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_EXPIRED' });
    expect(await claimResult(issued.link.hash1, wrongHash2(issued))).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_NOT_FOUND' });
    expect(await claimRowCounts()).toEqual(before);
    expect((await getLink(issued.link.id)).status).toBe('EXPIRED');
  });

  it('answers LINK_USED once a claim of the link was bought', async () => {
    const issued = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    const claimed = await claim(issued);
    await buy(claimed.selection.id, claimed.sessionToken);
    const before = await claimRowCounts();
    expect(await claimResult(issued.link.hash1, issued.hash2)).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_USED' });
    expect(await claimResult(issued.link.hash1, wrongHash2(issued))).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_NOT_FOUND' });
    expect(await claimRowCounts()).toEqual(before);
  });

  it('records a CLAIMED event per claim, with the claim', async () => {
    const issued = await issue(await adminSelection(lines));
    const first = await claim(issued);
    const second = await claim(issued);
    const third = await claim(issued);
    const claimed = await events({ linkId: issued.link.id, types: ['CLAIMED'] });
    expect(claimed.map((e) => [e.type, e.link.id, e.claim?.id])).toEqual([
      ['CLAIMED', issued.link.id, first.claim.id],
      ['CLAIMED', issued.link.id, second.claim.id],
      ['CLAIMED', issued.link.id, third.claim.id],
    ]);
  });
});

// ---------------------------------------------------------------- shopping on the copy

describe('shopping on a claimed copy', () => {
  it('refuses every item change on a lockItems copy with SELECTION_LOCKED', async () => {
    const claimed = await claim(await issue(await adminSelection([{ sku: 'TEE-S', quantity: 2 }, { sku: 'MUG', quantity: 1, unitPrice: '50.00' }]), { lockItems: true }));
    const session = asSession(claimed.sessionToken);
    const selectionId = claimed.selection.id;
    const [tee, mug] = claimed.selection.items;

    const results = [
      (await t.data(LinkAdd, { input: { selectionId, sku: 'TEE-M', quantity: 1 } }, session)).addSelectionItem,
      (await t.data(LinkAdd, { input: { selectionId, sku: 'TEE-S', quantity: 1 } }, session)).addSelectionItem,
      (await t.data(LinkUpdate, { input: { selectionId, itemId: tee!.id, quantity: 3 } }, session)).updateSelectionItem,
      (await t.data(LinkUpdate, { input: { selectionId, itemId: tee!.id, quantity: 1 } }, session)).updateSelectionItem,
      (await t.data(LinkRemove, { input: { selectionId, itemId: mug!.id } }, session)).removeSelectionItem,
    ];
    for (const result of results) expect(result).toMatchObject({ __typename: 'SelectionStateError', code: 'SELECTION_LOCKED' });
    expect(await readSelection(selectionId, session)).toEqual(claimed.selection);
  });

  it('lets an unlocked copy add at the pricelist price, increase pricelist lines, decrease and remove any line', async () => {
    const claimed = await claim(await issue(await adminSelection([
      { sku: 'TEE-S', quantity: 2 },
      { sku: 'TEE-M', quantity: 3, unitPrice: '99.00' },
    ])));
    const session = asSession(claimed.sessionToken);
    const selectionId = claimed.selection.id;
    const [tee, custom] = claimed.selection.items;

    const added = is((await t.data(LinkAdd, { input: { selectionId, sku: 'MUG', quantity: 2 } }, session)).addSelectionItem, 'AddSelectionItemSuccess');
    expect(added.item).toMatchObject({ sku: 'MUG', quantity: 2, priceLocked: false, unitPrice: { amount: '89.50' } });

    const increased = is((await t.data(LinkUpdate, { input: { selectionId, itemId: tee!.id, quantity: 5 } }, session)).updateSelectionItem, 'UpdateSelectionItemSuccess');
    expect(increased.item).toMatchObject({ id: tee!.id, quantity: 5, priceLocked: false, unitPrice: { amount: '149.00' } });
    const addedOnto = is((await t.data(LinkAdd, { input: { selectionId, sku: 'TEE-S', quantity: 1 } }, session)).addSelectionItem, 'AddSelectionItemSuccess');
    expect(addedOnto.item).toMatchObject({ sku: 'TEE-S', priceLocked: false, unitPrice: { amount: '149.00' } });

    const decreasedCustom = is((await t.data(LinkUpdate, { input: { selectionId, itemId: custom!.id, quantity: 2 } }, session)).updateSelectionItem, 'UpdateSelectionItemSuccess');
    expect(decreasedCustom.item).toMatchObject({ id: custom!.id, quantity: 2, priceLocked: true, unitPrice: { amount: '99.00' } });
    const decreased = is((await t.data(LinkUpdate, { input: { selectionId, itemId: added.item.id, quantity: 1 } }, session)).updateSelectionItem, 'UpdateSelectionItemSuccess');
    expect(decreased.item).toMatchObject({ quantity: 1, unitPrice: { amount: '89.50' } });

    const removedCustom = is((await t.data(LinkRemove, { input: { selectionId, itemId: custom!.id } }, session)).removeSelectionItem, 'RemoveSelectionItemSuccess');
    expect(removedCustom.selection.items.map((i) => i.id)).not.toContain(custom!.id);
    const removed = is((await t.data(LinkRemove, { input: { selectionId, itemId: added.item.id } }, session)).removeSelectionItem, 'RemoveSelectionItemSuccess');
    expect(itemsOf(removed.selection)).toEqual([{ sku: 'TEE-S', quantity: 6, priceLocked: false, unitPrice: '149.00' }]);
    expect(removed.selection.totals.subtotal.amount).toBe('894.00');
    expect(removed.selection).toMatchObject({ market: { code: 'SE' }, pricelist: { code: 'SEK' }, currency: 'SEK' });
  });

  it('refuses to increase a custom-priced line (PRICE_LOCKED); adding its SKU makes a new line at the pricelist price', async () => {
    const claimed = await claim(await issue(await adminSelection([{ sku: 'TEE-M', quantity: 2, unitPrice: '99.00' }])));
    const session = asSession(claimed.sessionToken);
    const selectionId = claimed.selection.id;
    const [custom] = claimed.selection.items;

    const refused = (await t.data(LinkUpdate, { input: { selectionId, itemId: custom!.id, quantity: 3 } }, session)).updateSelectionItem;
    expect(refused).toMatchObject({ __typename: 'SelectionStateError', code: 'PRICE_LOCKED' });
    expect(itemsOf((await readSelection(selectionId, session))!)).toEqual([{ sku: 'TEE-M', quantity: 2, priceLocked: true, unitPrice: '99.00' }]);

    const added = is((await t.data(LinkAdd, { input: { selectionId, sku: 'TEE-M', quantity: 1 } }, session)).addSelectionItem, 'AddSelectionItemSuccess');
    expect(added.item.id).not.toBe(custom!.id);
    expect(itemsOf(added.selection)).toEqual([
      { sku: 'TEE-M', quantity: 2, priceLocked: true, unitPrice: '99.00' },
      { sku: 'TEE-M', quantity: 1, priceLocked: false, unitPrice: '149.00' },
    ]);
    // The session may not set a price of its own.
    const priced = (await t.data(LinkAdd, { input: { selectionId, sku: 'TEE-M', quantity: 1, unitPrice: '1.00' } }, session)).addSelectionItem;
    expect(priced).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const repriced = (await t.data(LinkUpdate, { input: { selectionId, itemId: custom!.id, unitPrice: '1.00' } }, session)).updateSelectionItem;
    expect(repriced).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect(itemsOf((await readSelection(selectionId, session))!)).toEqual(itemsOf(added.selection));
  });

  it('changes the shipping country only to one with shipping; prices, market and pricelist stay', async () => {
    const claimed = await claim(await issue(await adminSelection([{ sku: 'TEE-S', quantity: 1 }, { sku: 'MUG', quantity: 1, unitPrice: '50.00' }])));
    const session = asSession(claimed.sessionToken);
    const selectionId = claimed.selection.id;
    expect(claimed.selection.countryCode).toBe('SE');

    const moved = is((await t.data(LinkSetCountry, { input: { selectionId, countryCode: 'NO' } }, session)).setShippingCountry, 'SetShippingCountrySuccess');
    expect(moved.selection).toMatchObject({ countryCode: 'NO', market: { code: 'SE' }, pricelist: { code: 'SEK' }, currency: 'SEK' });
    expect(moved.selection.items).toEqual(claimed.selection.items);
    // 149.00 + 50.00 = 199.00; shipping to NO 99.00; tax 25 % of 298.00 = 74.50.
    expect(moved.selection.totals).toEqual({
      subtotal: { amount: '199.00' },
      shipping: { amount: '99.00' },
      tax: { amount: '74.50' },
      grandTotal: { amount: '372.50' },
    });

    for (const countryCode of ['DK', 'JP', 'KW']) {
      const refused = (await t.data(LinkSetCountry, { input: { selectionId, countryCode } }, session)).setShippingCountry;
      expect(refused, countryCode).toMatchObject({ __typename: 'ShippingUnavailableError', code: 'SHIPPING_UNAVAILABLE', countryCode });
    }
    expect(await readSelection(selectionId, session)).toEqual(moved.selection);
  });

  it('cannot touch the original admin selection nor another claimant\'s copy (NOT_FOUND)', async () => {
    const originalId = await adminSelection([{ sku: 'TEE-S', quantity: 2 }, { sku: 'MUG', quantity: 1 }]);
    const issued = await issue(originalId);
    const mine = await claim(issued);
    const theirs = await claim(issued);
    const session = asSession(mine.sessionToken);
    const original = await adminSelectionView(originalId);
    const theirsBefore = await readSelection(theirs.selection.id, asSession(theirs.sessionToken));

    for (const target of [original, theirs.selection]) {
      const selectionId = target.id;
      const itemId = target.items[0]!.id;
      const results = [
        (await t.data(LinkAdd, { input: { selectionId, sku: 'MUG', quantity: 1 } }, session)).addSelectionItem,
        (await t.data(LinkUpdate, { input: { selectionId, itemId, quantity: 1 } }, session)).updateSelectionItem,
        (await t.data(LinkRemove, { input: { selectionId, itemId } }, session)).removeSelectionItem,
        (await t.data(LinkSetCountry, { input: { selectionId, countryCode: 'NO' } }, session)).setShippingCountry,
        (await t.data(SetCustomer, { input: { selectionId, email: 'intruder@example.com' } }, session)).setCustomer,
      ];
      for (const result of results) expect(result, selectionId).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
      // Its own item id on someone else's selection is no way in either.
      const crossed = (await t.data(LinkRemove, { input: { selectionId, itemId: mine.selection.items[0]!.id } }, session)).removeSelectionItem;
      expect(crossed).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
      expect(await readSelection(selectionId, session)).toBeNull();
    }
    expect(await adminSelectionView(originalId)).toEqual(original);
    expect(await readSelection(theirs.selection.id, asSession(theirs.sessionToken))).toEqual(theirsBefore);
    expect(await readSelection(mine.selection.id, session)).toEqual(mine.selection);
  });
});

// ---------------------------------------------------------------- admin reads

describe('admin reads', () => {
  it('shareableLink shows the selection, the claims oldest first and the order', async () => {
    const selectionId = await adminSelection([{ sku: 'MUG', quantity: 1 }]);
    const issued = await issue(selectionId, { ignoreTax: true });
    const fresh = await getLink(issued.link.id);
    expect(fresh).toMatchObject({
      id: issued.link.id,
      status: 'ACTIVE',
      hash1: issued.link.hash1,
      lockItems: false,
      ignoreShipping: false,
      ignoreTax: true,
      createdAt: issued.link.createdAt,
      consumedAt: null,
      selection: { id: selectionId },
      order: null,
      claims: [],
    });

    const first = await claim(issued);
    const second = await claim(issued);
    const third = await claim(issued);
    const claimedIds = [first, second, third].map((c) => c.claim.id);
    const claimed = await getLink(issued.link.id);
    expect(claimed.claims.map((c) => c.id)).toEqual(claimedIds);
    expect(claimed.claims.map((c) => c.selection.id)).toEqual([first, second, third].map((c) => c.selection.id));
    expect(claimed.claims.every((c) => c.link.id === issued.link.id && c.order === null)).toBe(true);
    const times = claimed.claims.map((c) => Date.parse(c.claimedAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const order = await buy(second.selection.id, second.sessionToken);
    const consumed = await getLink(issued.link.id);
    expect(consumed).toMatchObject({ status: 'CONSUMED', selection: null, order: { id: order.id, number: order.number } });
    expect(consumed.consumedAt).not.toBeNull();
    expect(consumed.claims.map((c) => [c.id, c.order?.id ?? null])).toEqual([
      [first.claim.id, null],
      [second.claim.id, order.id],
      [third.claim.id, null],
    ]);

    expect((await t.admin(LinkGet, { id: randomUUID() })).shareableLink).toBeNull();
    expect((await t.admin(LinkGet, { id: 'nope' })).shareableLink).toBeNull();
  });

  it('shareableLinks lists newest first, filters by shown status and paginates with cursors', async () => {
    const active = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    const revoked = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    is((await t.admin(RevokeLink, { input: { linkId: revoked.link.id } })).revokeShareableLink, 'RevokeShareableLinkSuccess');
    const expired = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]), { expiresAt: inAMinute().toISOString() });
    await db().shareableLink.update({ where: { id: expired.link.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const consumed = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    const buyer = await claim(consumed);
    await buy(buyer.selection.id, buyer.sessionToken);
    const mine = { ACTIVE: active, REVOKED: revoked, EXPIRED: expired, CONSUMED: consumed } as const;

    const all = await listLinks(undefined, 100);
    expect(all.length).toBe(await db().shareableLink.count());
    const ids = all.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Newest first.
    expect(ids.indexOf(consumed.link.id)).toBe(0);
    const positions = [consumed, expired, revoked, active].map((l) => ids.indexOf(l.link.id));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const created = all.map((l) => Date.parse(l.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    for (const [status, link] of Object.entries(mine)) expect(all.find((l) => l.id === link.link.id)?.status, status).toBe(status);

    // Filters go by the status a link shows: an ACTIVE link past expiresAt is EXPIRED.
    for (const status of ['ACTIVE', 'REVOKED', 'EXPIRED', 'CONSUMED'] as const) {
      const filtered = await listLinks(status, 100);
      expect(filtered.every((l) => l.status === status), status).toBe(true);
      expect(filtered.map((l) => l.id), status).toEqual(all.filter((l) => l.status === status).map((l) => l.id));
      const filteredIds = filtered.map((l) => l.id);
      for (const [other, link] of Object.entries(mine)) {
        if (other === status) expect(filteredIds, `${status} has ${other}`).toContain(link.link.id);
        else expect(filteredIds, `${status} lacks ${other}`).not.toContain(link.link.id);
      }
    }

    // Small pages, following endCursor, give the same list.
    expect((await listLinks(undefined, 3)).map((l) => l.id)).toEqual(ids);
    expect((await listLinks('REVOKED', 2)).map((l) => l.id)).toEqual(all.filter((l) => l.status === 'REVOKED').map((l) => l.id));
    const firstPage = (await t.admin(LinkList, { first: 1 })).shareableLinks;
    expect(firstPage.edges.map((e) => e.node.id)).toEqual([consumed.link.id]);
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    const nextPage = (await t.admin(LinkList, { first: 1, after: firstPage.pageInfo.endCursor })).shareableLinks;
    expect(nextPage.edges.map((e) => e.node.id)).toEqual([ids[1]]);
  });

  it('linkEvents returns events oldest first with increasing sequence; after resumes; linkId and types filter', async () => {
    const start = await lastSequence();
    const one = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    const claimA = await claim(one);
    const claimB = await claim(one);
    const two = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    is((await t.admin(RevokeLink, { input: { linkId: two.link.id } })).revokeShareableLink, 'RevokeShareableLinkSuccess');
    const order = await buy(claimB.selection.id, claimB.sessionToken);

    const recorded = await events({ after: start });
    expect(recorded.map((e) => [e.type, e.link.id, e.claim?.id ?? null, e.order?.id ?? null])).toEqual([
      ['ISSUED', one.link.id, null, null],
      ['CLAIMED', one.link.id, claimA.claim.id, null],
      ['CLAIMED', one.link.id, claimB.claim.id, null],
      ['ISSUED', two.link.id, null, null],
      ['REVOKED', two.link.id, null, null],
      ['CONSUMED', one.link.id, claimB.claim.id, order.id],
      ['ORDER_PLACED', one.link.id, claimB.claim.id, order.id],
    ]);
    const sequences = recorded.map((e) => BigInt(e.sequence));
    expect(sequences[0]! > BigInt(start)).toBe(true);
    for (let i = 1; i < sequences.length; i++) expect(sequences[i]! > sequences[i - 1]!).toBe(true);
    const claimedEvents = recorded.filter((e) => e.type === 'CLAIMED');
    expect(claimedEvents.map((e) => e.claim?.id)).toEqual([claimA.claim.id, claimB.claim.id]);
    expect(recorded.find((e) => e.type === 'ORDER_PLACED')?.order?.id).toBe(order.id);

    // after resumes right after the given sequence; first limits.
    expect(await events({ after: recorded[2]!.sequence })).toEqual(recorded.slice(3));
    expect(await events({ after: start, first: 2 })).toEqual(recorded.slice(0, 2));
    expect(await events({ after: recorded.at(-1)!.sequence })).toEqual([]);

    // Filters.
    expect((await events({ linkId: one.link.id })).map((e) => e.type)).toEqual(['ISSUED', 'CLAIMED', 'CLAIMED', 'CONSUMED', 'ORDER_PLACED']);
    expect((await events({ linkId: two.link.id })).map((e) => e.id)).toEqual(recorded.filter((e) => e.link.id === two.link.id).map((e) => e.id));
    expect((await events({ after: start, types: ['CLAIMED'] })).map((e) => e.id)).toEqual(claimedEvents.map((e) => e.id));
    expect((await events({ after: start, types: ['ISSUED', 'REVOKED'] })).map((e) => [e.type, e.link.id])).toEqual([
      ['ISSUED', one.link.id],
      ['ISSUED', two.link.id],
      ['REVOKED', two.link.id],
    ]);
    expect((await events({ linkId: one.link.id, types: ['CLAIMED'], after: recorded[1]!.sequence })).map((e) => e.claim?.id)).toEqual([claimB.claim.id]);
    expect(await events({ linkId: randomUUID() })).toEqual([]);
  });

  it('refuses shareableLink, shareableLinks and linkEvents to non-admins with FORBIDDEN', async () => {
    const issued = await issue(await adminSelection([{ sku: 'MUG', quantity: 1 }]));
    const claimed = await claim(issued);
    for (const headers of [{}, asSession(claimed.sessionToken)]) {
      const responses = [
        await t.request(LinkGet, { id: issued.link.id }, headers),
        await t.request(LinkList, {}, headers),
        await t.request(LinkEvents, { linkId: issued.link.id }, headers),
      ];
      for (const response of responses) {
        expect(response.errors?.map((e) => e.extensions?.code), JSON.stringify(response)).toEqual(['FORBIDDEN']);
        expect(JSON.stringify(response.data ?? null)).not.toContain(issued.link.id);
        expect(JSON.stringify(response.data ?? null)).not.toContain(issued.link.hash1);
      }
    }
  });
});
