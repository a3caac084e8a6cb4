// Edge cases: sequences past bigint, impossible calendar days, the largest amount, when a
// subscription is authorized, and links that were revoked or replaced before a claimant buys.
import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { db } from '../src/db/client.js';
import { graphql } from './gql/index.js';
import type { LinkEventType } from './gql/graphql.js';
import { ADMIN_KEY, asAdmin, asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem, Claim, ImportCatalog, IssueLink, RevokeLink } from './helpers/documents.js';
import { createSelection, rowCounts, seedCatalog } from './helpers/fixtures.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await startTestApp();
  url = await t.app.start();
  await seedCatalog(t);
});
afterAll(() => t.stop());

// ---------------------------------------------------------------- documents

const Events = graphql(`
  query EdgeEvents($after: String) {
    linkEvents(after: $after) { id sequence }
  }
`);

const IssueWithLiteralDate = graphql(`
  mutation EdgeIssueLiteral($selectionId: ID!) {
    issueShareableLink(input: { selectionId: $selectionId, lockItems: false, expiresAt: "2026-02-31T00:00:00Z" }) {
      __typename
    }
  }
`);

const Add = graphql(`
  mutation EdgeAdd($input: AddSelectionItemInput!) {
    addSelectionItem(input: $input) { __typename ...TestFailure ... on AddSelectionItemSuccess { item { id quantity priceLocked unitPrice { amount currency } } } }
  }
`);

const Update = graphql(`
  mutation EdgeUpdate($input: UpdateSelectionItemInput!) {
    updateSelectionItem(input: $input) { __typename ...TestFailure ... on UpdateSelectionItemSuccess { item { id quantity priceLocked unitPrice { amount currency } } } }
  }
`);

const Totals = graphql(`
  query EdgeTotals($id: ID!) {
    selection(id: $id) {
      id
      status
      items { unitPrice { amount } lineTotal { amount } }
      totals { subtotal { amount } shipping { amount } tax { amount } grandTotal { amount } }
    }
  }
`);

const Buy = graphql(`
  mutation EdgeBuy($selectionId: ID!, $key: String!) {
    setCustomer(input: { selectionId: $selectionId, email: "edge.buyer@example.com" }) { __typename ...TestFailure }
    placeOrder(input: { selectionId: $selectionId, idempotencyKey: $key }) {
      __typename
      ... on Error { code message }
      ... on PlaceOrderSuccess {
        order { id totals { subtotal { amount } shipping { amount } tax { amount } grandTotal { amount } } }
      }
    }
  }
`);

const LinkState = graphql(`
  query EdgeLinkState($id: ID!) {
    shareableLink(id: $id) { id status consumedAt selection { id status } order { id } }
    linkEvents(linkId: $id) { type claim { id } order { id } }
  }
`);

const SelectionStatus = graphql(`
  query EdgeSelectionStatus($id: ID!) {
    selection(id: $id) { id status }
  }
`);

// ---------------------------------------------------------------- helpers

interface Issued { linkId: string; hash1: string; hash2: string }
interface Copy { claimId: string; selectionId: string; headers: Record<string, string> }

async function cart(lines: { sku: string; quantity: number; unitPrice?: string }[] = [{ sku: 'MUG', quantity: 1 }]): Promise<string> {
  const selectionId = await createSelection(t);
  for (const line of lines) is((await t.admin(AddItem, { input: { selectionId, ...line } })).addSelectionItem, 'AddSelectionItemSuccess');
  return selectionId;
}

async function issue(selectionId: string): Promise<Issued> {
  const issued = is((await t.admin(IssueLink, { input: { selectionId, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
  return { linkId: issued.link.id, hash1: issued.link.hash1, hash2: issued.hash2 };
}

async function claim(link: Issued): Promise<Copy> {
  const answer = is((await t.data(Claim, { input: { hash1: link.hash1, hash2: link.hash2 } }, {})).claimSelection, 'ClaimSelectionSuccess');
  return { claimId: answer.claim.id, selectionId: answer.selection.id, headers: asSession(answer.sessionToken) };
}

async function buy(selectionId: string, headers: Record<string, string>) {
  const result = await t.data(Buy, { selectionId, key: randomUUID() }, headers);
  is(result.setCustomer, 'SetCustomerSuccess');
  return is(result.placeOrder, 'PlaceOrderSuccess').order;
}

async function linkState(linkId: string) {
  const state = await t.admin(LinkState, { id: linkId });
  return {
    status: state.shareableLink?.status,
    consumedAt: state.shareableLink?.consumedAt,
    order: state.shareableLink?.order?.id ?? null,
    events: state.linkEvents.map((e) => [e.type, e.claim?.id ?? null, e.order?.id ?? null] as [LinkEventType, string | null, string | null]),
  };
}

async function selectionStatus(id: string) {
  return (await t.admin(SelectionStatus, { id })).selection?.status;
}

// ---------------------------------------------------------------- linkEvents(after)

describe('linkEvents(after)', () => {
  it.each([
    ['9999999999999999999', 'past 2^63 - 1'],
    ['9223372036854775808', '2^63'],
    ['99999999999999999999', 'twenty digits'],
    ['-1', 'negative'],
  ])('refuses %s (%s) with BAD_USER_INPUT, not an internal error', async (after) => {
    const result = await t.request(Events, { after }, asAdmin);
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({ message: 'after must be a sequence from a LinkEvent', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('accepts 2^63 - 1, after which there is nothing', async () => {
    await issue(await cart());
    expect((await t.admin(Events, { after: '0' })).linkEvents.length).toBeGreaterThan(0);
    expect(await t.admin(Events, { after: '9223372036854775807' })).toEqual({ linkEvents: [] });
  });
});

// ---------------------------------------------------------------- DateTime

describe('DateTime input', () => {
  it.each([
    '2026-02-31T00:00:00Z',
    '2027-02-29T00:00:00Z',
    '2100-02-29T12:00:00Z',
    '2026-04-31T00:00:00+02:00',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-06-00T00:00:00Z',
  ])('refuses the day that does not exist in %s, naming it, and writes nothing', async (expiresAt) => {
    const selectionId = await cart();
    const [counts, links, events] = await Promise.all([rowCounts(), db().shareableLink.count(), db().linkEvent.count()]);
    const result = await t.request(IssueLink, { input: { selectionId, lockItems: false, expiresAt } }, asAdmin);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.length).toBeGreaterThan(0);
    expect(result.errors![0]!.message).toContain(expiresAt);
    expect(result.errors![0]!.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    expect(await rowCounts()).toEqual(counts);
    expect(await db().shareableLink.count()).toBe(links);
    expect(await db().linkEvent.count()).toBe(events);
  });

  it('refuses an impossible day written in the document, naming it', async () => {
    const selectionId = await cart();
    const links = await db().shareableLink.count();
    const result = await t.request(IssueWithLiteralDate, { selectionId }, asAdmin);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.message).toContain('2026-02-31T00:00:00Z');
    expect(await db().shareableLink.count()).toBe(links);
  });

  it.each([
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['2400-02-29T08:15:00Z', '2400-02-29T08:15:00.000Z'],
    ['2028-02-29T23:30:00-05:00', '2028-03-01T04:30:00.000Z'],
  ])('accepts the leap day %s', async (expiresAt, stored) => {
    const selectionId = await cart();
    const issued = is((await t.admin(IssueLink, { input: { selectionId, lockItems: false, expiresAt } })).issueShareableLink, 'IssueShareableLinkSuccess');
    expect(issued.link.expiresAt).toBe(stored);
    expect((await db().shareableLink.findUniqueOrThrow({ where: { id: issued.link.id } })).expiresAt?.toISOString()).toBe(stored);
  });
});

// ---------------------------------------------------------------- the largest amount

describe('the largest unit price', () => {
  // 10^11 minor units: 1,000,000,000.00 SEK.
  it('refuses one minor unit more than 1,000,000,000.00 SEK with a ValidationError, adding or changing a line', async () => {
    const selectionId = await createSelection(t);
    const counts = await rowCounts();
    const added = is((await t.admin(Add, { input: { selectionId, sku: 'TEE-S', quantity: 1, unitPrice: '1000000000.01' } })).addSelectionItem, 'ValidationError');
    expect(added).toMatchObject({ code: 'VALIDATION', path: ['input', 'unitPrice'] });
    expect(await rowCounts()).toEqual(counts);

    const line = is((await t.admin(Add, { input: { selectionId, sku: 'TEE-S', quantity: 1 } })).addSelectionItem, 'AddSelectionItemSuccess').item;
    const changed = is((await t.admin(Update, { input: { selectionId, itemId: line.id, unitPrice: '1000000000.01' } })).updateSelectionItem, 'ValidationError');
    expect(changed).toMatchObject({ code: 'VALIDATION', path: ['input', 'unitPrice'] });
    expect(await db().selectionItem.findUniqueOrThrow({ where: { id: line.id }, select: { unitPrice: true, priceLocked: true } }))
      .toEqual({ unitPrice: 14900n, priceLocked: false });

    const raised = is((await t.admin(Update, { input: { selectionId, itemId: line.id, unitPrice: '1000000000.00' } })).updateSelectionItem, 'UpdateSelectionItemSuccess');
    expect(raised.item).toMatchObject({ priceLocked: true, unitPrice: { amount: '1000000000.00', currency: 'SEK' } });
  });

  it.each([
    ['SEK', '1000000000.00', '1000000000.01', 'SE'],
    ['JPY', '100000000000', '100000000001', 'JP'],
    ['KWD', '100000000.000', '100000000.001', 'KW'],
  ])('in %s accepts %s (10^11 minor units) and refuses %s', async (pricelistCode, max, over, market) => {
    const selectionId = await createSelection(t, { marketCode: market, pricelistCode, countryCode: market });
    is((await t.admin(Add, { input: { selectionId, sku: 'TEE-S', quantity: 1, unitPrice: over } })).addSelectionItem, 'ValidationError');
    const ok = is((await t.admin(Add, { input: { selectionId, sku: 'TEE-S', quantity: 1, unitPrice: max } })).addSelectionItem, 'AddSelectionItemSuccess');
    expect(ok.item.unitPrice).toEqual({ amount: max, currency: pricelistCode });
  });

  it('keeps totals exact at the largest price and the largest line, through the order', async () => {
    const imported = await t.admin(ImportCatalog, {
      input: {
        products: [{
          code: 'EDGE-BIG',
          name: 'Very expensive',
          variants: [{ sku: 'EDGE-BIG', name: 'Very expensive', prices: [{ pricelistCode: 'SEK', amount: '1.00' }], stock: [{ warehouseCode: 'W1', quantity: 10_000 }] }],
        }],
      },
    });
    is(imported.importCatalog, 'ImportCatalogSuccess');
    const selectionId = await cart([{ sku: 'EDGE-BIG', quantity: 10_000, unitPrice: '1000000000.00' }]);
    // 10^15 minor units of lines, 49.00 shipping, 25 % tax on both.
    const expected = {
      subtotal: { amount: '10000000000000.00' },
      shipping: { amount: '49.00' },
      tax: { amount: '2500000000012.25' },
      grandTotal: { amount: '12500000000061.25' },
    };
    const shown = (await t.admin(Totals, { id: selectionId })).selection!;
    expect(shown.items).toEqual([{ unitPrice: { amount: '1000000000.00' }, lineTotal: { amount: '10000000000000.00' } }]);
    expect(shown.totals).toEqual(expected);
    const order = await buy(selectionId, asAdmin);
    expect(order.totals).toEqual(expected);
    expect(await db().order.findUniqueOrThrow({ where: { id: order.id }, select: { grandTotal: true } })).toEqual({ grandTotal: 1250000000006125n });
  });
});

// ---------------------------------------------------------------- subscriptions

describe('subscriptions', () => {
  type GraphQLErrors = { message: string; extensions?: Record<string, unknown> }[];
  type Outcome = { data?: unknown; errors?: GraphQLErrors } | { closed: number; reason: string } | { failed: unknown } | { completed: true };
  const yieldToSockets = () => new Promise<void>((resolve) => setImmediate(resolve));

  /**
   * The first thing a graphql-ws subscription answers: a result (data or errors), the socket
   * closing, or completion. Once connected, `poke` runs until then, so that a live
   * subscription has an event to send.
   */
  async function firstOutcome(connectionParams: Record<string, string>, poke?: () => Promise<unknown>): Promise<Outcome> {
    const client = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
    let settled = false;
    try {
      const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
      const outcome = new Promise<Outcome>((resolve) => {
        client.subscribe(
          { query: 'subscription EdgeLinkEvents { linkEvents { id type } }' },
          {
            next: (value) => resolve(value as Outcome),
            error: (error) => {
              const close = error as { code?: unknown; reason?: unknown };
              resolve(typeof close.code === 'number' ? { closed: close.code, reason: String(close.reason) } : { failed: error });
            },
            complete: () => resolve({ completed: true }),
          },
        );
      }).finally(() => (settled = true));
      if (poke) {
        await Promise.race([connected, outcome]);
        for (let i = 0; i < 200 && !settled; i += 1) {
          await poke();
          await yieldToSockets();
        }
      }
      return await outcome;
    } finally {
      await client.dispose();
    }
  }

  const codes = (outcome: Outcome) => ('errors' in outcome ? (outcome.errors ?? []).map((e) => e.extensions?.code) : []);

  /** Refused when it starts: a FORBIDDEN GraphQL error, or a socket closed 4403 Forbidden before any. */
  function expectRefused(outcome: Outcome) {
    if ('closed' in outcome) {
      expect(outcome).toEqual({ closed: 4403, reason: 'Forbidden: a socket needs an admin key (connectionParams.authorization: "Bearer <key>")' });
    }
    else expect(codes(outcome)).toEqual(['FORBIDDEN']);
  }

  /** The first message of a subscription over server-sent events, then the stream is dropped. */
  async function firstSseMessage(headers: Record<string, string>): Promise<{ data?: unknown; errors?: GraphQLErrors }> {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query: 'subscription EdgeLinkEventsSse { linkEvents { id } }' }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    try {
      for (;;) {
        const data = /^event: next\r?\ndata: (.*)$/m.exec(text);
        if (data) return JSON.parse(data[1]!) as { data?: unknown; errors?: GraphQLErrors };
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended without a result: ${JSON.stringify(text)}`);
        text += value;
      }
    } finally {
      await reader.cancel();
    }
  }

  it('refuses an anonymous socket when the subscription starts (FORBIDDEN)', async () => {
    expectRefused(await firstOutcome({}));
  });

  it('refuses a storefront session\'s socket when the subscription starts (FORBIDDEN)', async () => {
    const copy = await claim(await issue(await cart()));
    expectRefused(await firstOutcome({ 'x-session-token': copy.headers['x-session-token']! }));
  });

  it('refuses anonymous and storefront server-sent-event subscriptions with FORBIDDEN before any event', async () => {
    const copy = await claim(await issue(await cart()));
    for (const headers of [{}, copy.headers]) {
      const first = await firstSseMessage(headers);
      expect(first.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(first.data ?? null).toBeNull();
    }
  });

  it('lets an admin past authorization', async () => {
    const selectionId = await cart();
    const outcome = await firstOutcome({ authorization: `Bearer ${ADMIN_KEY}` }, () => issue(selectionId));
    expect(outcome).not.toHaveProperty('closed');
    expect(outcome).not.toHaveProperty('failed');
    expect(codes(outcome)).not.toContain('FORBIDDEN');
    // While the live stream is not built it answers NOT_IMPLEMENTED; once it is, events.
    if ('errors' in outcome && outcome.errors) expect(codes(outcome)).toEqual(['NOT_IMPLEMENTED']);
    else expect(outcome).toMatchObject({ data: { linkEvents: { id: expect.any(String) } } });
  });
});

// ---------------------------------------------------------------- revoked links and purchases

describe('a revoked link', () => {
  it('replaced by a new link is not consumed when an earlier claimant buys; the new link still works', async () => {
    const adminSelection = await cart();
    const old = await issue(adminSelection);
    const early = await claim(old);
    const replacement = await issue(adminSelection);
    expect((await linkState(old.linkId)).status).toBe('REVOKED');

    const earlyOrder = await buy(early.selectionId, early.headers);
    expect(await linkState(old.linkId)).toEqual({
      status: 'REVOKED',
      consumedAt: null,
      order: null,
      events: [['ISSUED', null, null], ['CLAIMED', early.claimId, null], ['REVOKED', null, null], ['ORDER_PLACED', early.claimId, earlyOrder.id]],
    });
    expect(await selectionStatus(adminSelection)).toBe('OPEN');
    expect(await linkState(replacement.linkId)).toMatchObject({ status: 'ACTIVE', consumedAt: null, order: null, events: [['ISSUED', null, null]] });

    // The new link can still be claimed and bought, and that consumes it.
    const late = await claim(replacement);
    const lateOrder = await buy(late.selectionId, late.headers);
    const consumed = await linkState(replacement.linkId);
    expect(consumed).toMatchObject({ status: 'CONSUMED', order: lateOrder.id });
    expect(consumed.consumedAt).not.toBeNull();
    expect(consumed.events).toEqual([
      ['ISSUED', null, null],
      ['CLAIMED', late.claimId, null],
      ['CONSUMED', late.claimId, lateOrder.id],
      ['ORDER_PLACED', late.claimId, lateOrder.id],
    ]);
    expect(await selectionStatus(adminSelection)).toBe('DELETED');
    expect((await linkState(old.linkId)).status).toBe('REVOKED');
  });

  it('revoked by an admin is not consumed when an earlier claimant buys; the admin selection stays OPEN', async () => {
    const adminSelection = await cart();
    const link = await issue(adminSelection);
    const early = await claim(link);
    is((await t.admin(RevokeLink, { input: { linkId: link.linkId } })).revokeShareableLink, 'RevokeShareableLinkSuccess');

    const order = await buy(early.selectionId, early.headers);
    expect(await linkState(link.linkId)).toEqual({
      status: 'REVOKED',
      consumedAt: null,
      order: null,
      events: [['ISSUED', null, null], ['CLAIMED', early.claimId, null], ['REVOKED', null, null], ['ORDER_PLACED', early.claimId, order.id]],
    });
    expect(await selectionStatus(adminSelection)).toBe('OPEN');
    // The admin may share it again.
    await claim(await issue(adminSelection));
  });

  it('revoked by the admin ordering its selection lets an earlier claimant buy; the selection stays ORDERED', async () => {
    const adminSelection = await cart();
    const link = await issue(adminSelection);
    const early = await claim(link);

    const adminOrder = await buy(adminSelection, asAdmin);
    expect(await selectionStatus(adminSelection)).toBe('ORDERED');
    expect((await linkState(link.linkId)).status).toBe('REVOKED');

    const order = await buy(early.selectionId, early.headers);
    expect(order.id).not.toBe(adminOrder.id);
    expect(await linkState(link.linkId)).toEqual({
      status: 'REVOKED',
      consumedAt: null,
      order: null,
      events: [['ISSUED', null, null], ['CLAIMED', early.claimId, null], ['REVOKED', null, null], ['ORDER_PLACED', early.claimId, order.id]],
    });
    expect(await selectionStatus(adminSelection)).toBe('ORDERED');
    expect(await selectionStatus(early.selectionId)).toBe('ORDERED');
  });

  it('past its expiresAt is still consumed by a claim made in time', async () => {
    const adminSelection = await cart();
    const link = await issue(adminSelection);
    const early = await claim(link);
    // The link expires after the claim (straight in the database: no waiting).
    await db().shareableLink.update({ where: { id: link.linkId }, data: { expiresAt: new Date(Date.now() - 60_000) } });
    expect((await linkState(link.linkId)).status).toBe('EXPIRED');

    const order = await buy(early.selectionId, early.headers);
    expect(await linkState(link.linkId)).toMatchObject({
      status: 'CONSUMED',
      order: order.id,
      events: [['ISSUED', null, null], ['CLAIMED', early.claimId, null], ['CONSUMED', early.claimId, order.id], ['ORDER_PLACED', early.claimId, order.id]],
    });
    expect(await selectionStatus(adminSelection)).toBe('DELETED');
  });
});
