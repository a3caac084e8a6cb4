// Generated malformed input at the link, claim and order mutations (the foundation's are in
// bad-input.test.ts): every answer is a typed error or a GraphQL error, never a 5xx or an
// unmasked message, and no table changes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import { asAdmin, asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem, Claim, IssueLink } from './helpers/documents.js';
import { createSelection, seedCatalog } from './helpers/fixtures.js';

let t: TestApp;
let selectionId: string;
let hash1: string;
let copyId: string;
let token: string;

beforeAll(async () => {
  t = await startTestApp({ CLAIM_RATE_LIMIT: '1000000' });
  await seedCatalog(t);
  selectionId = await createSelection(t, { customerEmail: 'bad@example.com' });
  await t.admin(AddItem, { input: { selectionId, sku: 'MUG', quantity: 1 } });
  const issued = is((await t.admin(IssueLink, { input: { selectionId, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
  ({ hash1 } = issued.link);
  const claimed = is((await t.data(Claim, { input: { hash1, hash2: issued.hash2 } }, {})).claimSelection, 'ClaimSelectionSuccess');
  ({ sessionToken: token } = claimed);
  copyId = claimed.selection.id;
});
afterAll(() => t.stop());

const STRINGS: unknown[] = ['', ' ', 'x'.repeat(10_001), 'a\u0000b', 'a\uD800b', '💥'.repeat(100), '../../etc/passwd', "' OR 1=1 --", 12, true, null, {}, []];
const IDS: unknown[] = [...STRINGS, 'not-a-uuid', '00000000-0000-0000-0000-000000000000', '01a22396-d961-745f-b468-5f7e44b65834x'];
const BOOLEANS: unknown[] = ['true', 1, 0, null, 'yes', {}];
const DATES: unknown[] = ['yesterday', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2020-01-01T00:00:00Z', 1_700_000_000, '', 'x'.repeat(1000)];

interface Case {
  mutation: string;
  inputType: string;
  valid: () => Record<string, unknown>;
  fields: Record<string, unknown[]>;
  headers: () => Record<string, string>;
}

const cases: Case[] = [
  {
    mutation: 'issueShareableLink',
    inputType: 'IssueShareableLinkInput',
    valid: () => ({ selectionId: copyId, lockItems: false }),
    fields: { selectionId: IDS, lockItems: BOOLEANS, ignoreShipping: BOOLEANS, ignoreTax: BOOLEANS, expiresAt: DATES },
    headers: () => asAdmin,
  },
  {
    mutation: 'revokeShareableLink',
    inputType: 'RevokeShareableLinkInput',
    valid: () => ({ linkId: '00000000-0000-4000-8000-000000000000' }),
    fields: { linkId: IDS },
    headers: () => asAdmin,
  },
  {
    mutation: 'claimSelection',
    inputType: 'ClaimSelectionInput',
    valid: () => ({ hash1, hash2: 'wrong' }),
    fields: { hash1: STRINGS, hash2: STRINGS },
    headers: () => ({}),
  },
  {
    mutation: 'placeOrder',
    inputType: 'PlaceOrderInput',
    valid: () => ({ selectionId: copyId, idempotencyKey: 'bad-input' }),
    // Printable keys up to 200 characters are valid keys: only the malformed ones here.
    fields: { selectionId: IDS, idempotencyKey: ['', 'x'.repeat(201), 'a\u0000b', 'a\uD800b', 12, true, null, {}, []] },
    headers: () => asSession(token),
  },
  {
    mutation: 'setStatic',
    inputType: 'SetStaticInput',
    valid: () => ({ name: 'payment_link', content: 'https://shop.example/%basket%/%hash%' }),
    fields: { name: STRINGS, content: STRINGS.filter((s) => s !== '💥'.repeat(100) && s !== '../../etc/passwd' && s !== "' OR 1=1 --" && s !== '') },
    headers: () => asAdmin,
  },
];

async function state() {
  const prisma = db();
  return JSON.stringify(
    await Promise.all([
      prisma.shareableLink.findMany({ orderBy: { id: 'asc' } }),
      prisma.claim.count(),
      prisma.selection.count(),
      prisma.selectionItem.count(),
      prisma.order.count(),
      prisma.linkEvent.count(),
      prisma.storefrontSession.count(),
      prisma.static.findMany(),
      prisma.stockLevel.findMany({ orderBy: [{ variantId: 'asc' }, { warehouseId: 'asc' }] }),
    ]),
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
  );
}

it.each(cases)('$mutation refuses malformed input without a trace', async (c) => {
  const before = await state();
  let tried = 0;
  for (const [field, values] of Object.entries(c.fields)) {
    for (const value of values) {
      const input = { ...c.valid(), [field]: value };
      const response = await t.app.yoga.fetch('http://linkcart.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...c.headers() },
        body: JSON.stringify({
          query: `mutation ($input: ${c.inputType}!) { result: ${c.mutation}(input: $input) { __typename ... on Error { code message } } }`,
          variables: { input },
        }),
      });
      const text = await response.text();
      const label = `${c.mutation}.${field} = ${JSON.stringify(value)?.slice(0, 60)}`;
      expect(response.status, label).toBeLessThan(500);
      expect(text, label).not.toMatch(/Unexpected error|prisma|SQL|stack|at \w+ \(/i);
      const body = JSON.parse(text) as { data?: { result?: { __typename: string } } | null; errors?: unknown[] };
      const typename = body.data?.result?.__typename;
      // A refusal: a GraphQL error, or an error type of the result union.
      expect(body.errors !== undefined || (typename !== undefined && !typename.endsWith('Success')), label).toBe(true);
      tried++;
    }
  }
  expect(tried).toBeGreaterThan(5);
  expect(await state()).toBe(before);
});
