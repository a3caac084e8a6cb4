// Concurrency (DESIGN.md §1 steps 3–5): many buyers racing for the last units of one link,
// claims racing with the purchase that consumes the link, one idempotency key used
// concurrently, and carts over the same SKUs in opposite line order. Every race is real:
// the requests are fired together (Promise.all). On PostgreSQL the transactions run side
// by side; on embedded PGlite they serialize; the same assertions hold on both.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { db } from '../src/db/client.js';
import { graphql } from './gql/index.js';
import { asAdmin, asSession, is, startTestApp } from './helpers/app.js';
import type { GraphQLResponse, TestApp } from './helpers/app.js';
import { AddItem, ImportCatalog, IssueLink, SetCustomer } from './helpers/documents.js';
import { createSelection, seedCatalog } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  // Failed claims (LINK_USED) are expected here by the dozen: keep the per-client limit out of the way.
  t = await startTestApp({ CLAIM_RATE_LIMIT: '1000000' });
  await seedCatalog(t);
});
afterAll(() => t.stop());

// ---------------------------------------------------------------- documents

const RaceClaim = graphql(`
  mutation RaceClaim($input: ClaimSelectionInput!) {
    claimSelection(input: $input) {
      __typename
      ... on Error { code message }
      ... on ClaimSelectionSuccess {
        sessionToken
        claim { id link { id } }
        selection { id status items { sku quantity priceLocked unitPrice { amount } } }
      }
    }
  }
`);

const RacePlaceOrder = graphql(`
  mutation RacePlaceOrder($selectionId: ID!, $key: String!) {
    placeOrder(input: { selectionId: $selectionId, idempotencyKey: $key }) { __typename ...TestFailure ... on OutOfStockError { shortages { sku requested available } } ... on PlaceOrderSuccess { order { id number items { sku quantity } } } }
  }
`);

// ---------------------------------------------------------------- helpers

type PlaceResponse = Awaited<ReturnType<typeof placeOrder>>;
type PlaceResult = NonNullable<PlaceResponse['data']>['placeOrder'];
type ClaimResponse = Awaited<ReturnType<typeof claim>>;
type ClaimResult = NonNullable<ClaimResponse['data']>['claimSelection'];

interface Line { sku: string; quantity: number; unitPrice?: string }
interface Link { linkId: string; hash1: string; hash2: string }

/** No response carries top-level errors: no masked "Unexpected error", no pool timeout, no deadlock. */
function expectNoErrors(responses: GraphQLResponse<unknown>[]): void {
  const failed = responses.filter((r) => r.errors !== undefined || !r.data).map((r) => r.errors ?? 'no data');
  expect(failed, JSON.stringify(failed)).toEqual([]);
}

async function importProducts(products: { code: string; sku: string; stock: { warehouseCode: string; quantity: number }[] }[]): Promise<void> {
  const result = await t.admin(ImportCatalog, {
    input: {
      products: products.map((p) => ({
        code: p.code,
        name: `Race ${p.code}`,
        variants: [{ sku: p.sku, name: `Race ${p.sku}`, prices: [{ pricelistCode: 'SEK', amount: '10.00' }], stock: p.stock }],
      })),
    },
  });
  is(result.importCatalog, 'ImportCatalogSuccess');
}

/** An admin selection in market SE (W1 then W2), SEK, shipping to SE, with these lines in this order. */
async function adminCart(lines: Line[], customerEmail?: string): Promise<string> {
  const selectionId = await createSelection(t, customerEmail ? { customerEmail } : {});
  for (const line of lines) {
    is((await t.admin(AddItem, { input: { selectionId, ...line } })).addSelectionItem, 'AddSelectionItemSuccess');
  }
  return selectionId;
}

async function issue(selectionId: string): Promise<Link> {
  const issued = is((await t.admin(IssueLink, { input: { selectionId, lockItems: true } })).issueShareableLink, 'IssueShareableLinkSuccess');
  return { linkId: issued.link.id, hash1: issued.link.hash1, hash2: issued.hash2 };
}

function claim(link: Link) {
  return t.request(RaceClaim, { input: { hash1: link.hash1, hash2: link.hash2 } });
}

function placeOrder(selectionId: string, key: string, headers: Record<string, string>) {
  return t.request(RacePlaceOrder, { selectionId, key }, headers);
}

function resultOf<T>(response: GraphQLResponse<T>): T {
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  expect(response.data).toBeTruthy();
  return response.data!;
}

/** A claimant ready to buy: claimed (sequentially, as setup) and with a customer attached. */
async function readyClaimant(link: Link, email: string): Promise<{ selectionId: string; headers: Record<string, string>; claimId: string }> {
  const claimed = is(resultOf(await claim(link)).claimSelection, 'ClaimSelectionSuccess');
  const headers = asSession(claimed.sessionToken);
  const set = resultOf(await t.request(SetCustomer, { input: { selectionId: claimed.selection.id, email } }, headers)).setCustomer;
  expect(set.__typename).toBe('SetCustomerSuccess');
  return { selectionId: claimed.selection.id, headers, claimId: claimed.claim.id };
}

/** Stock of a SKU per warehouse code. */
async function stockOf(sku: string): Promise<Record<string, number>> {
  const levels = await db().stockLevel.findMany({
    where: { variant: { sku } },
    select: { quantity: true, warehouse: { select: { code: true } } },
  });
  return Object.fromEntries(levels.map((l) => [l.warehouse.code, l.quantity]));
}

const total = (stock: Record<string, number>) => Object.values(stock).reduce((a, b) => a + b, 0);

async function expectNoNegativeStock(): Promise<void> {
  expect(await db().stockLevel.count({ where: { quantity: { lt: 0 } } })).toBe(0);
}

function byType<T extends { __typename: string }>(results: T[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.__typename] = (counts[r.__typename] ?? 0) + 1;
  return counts;
}

function successOf(result: PlaceResult) {
  return result.__typename === 'PlaceOrderSuccess' ? result : undefined;
}

// ---------------------------------------------------------------- 1. many buyers, few units

describe('thirty claimants of one link race for five units', () => {
  it('sells exactly the five units, consumes the link once and never oversells', async () => {
    await importProducts([{ code: 'RACE-FIVE', sku: 'RACE-FIVE', stock: [{ warehouseCode: 'W1', quantity: 3 }, { warehouseCode: 'W2', quantity: 2 }] }]);
    const adminSelectionId = await adminCart([{ sku: 'RACE-FIVE', quantity: 1 }]);
    const link = await issue(adminSelectionId);
    const buyers = [];
    for (let i = 0; i < 30; i += 1) buyers.push(await readyClaimant(link, `race-five-${i}@example.com`));

    const responses = await Promise.all(buyers.map((b, i) => placeOrder(b.selectionId, `race-five-${i}`, b.headers)));
    expectNoErrors(responses);
    const results = responses.map((r) => r.data!.placeOrder);
    expect(byType(results)).toEqual({ PlaceOrderSuccess: 5, OutOfStockError: 25 });
    for (const result of results) {
      if (result.__typename === 'OutOfStockError') {
        expect(result).toMatchObject({ code: 'OUT_OF_STOCK', shortages: [{ sku: 'RACE-FIVE', requested: 1, available: 0 }] });
      }
    }
    const sold = results.map(successOf).filter((s) => s !== undefined);
    expect(new Set(sold.map((s) => s.order.number)).size).toBe(5);
    expect(new Set(sold.map((s) => s.order.id)).size).toBe(5);

    expect(await stockOf('RACE-FIVE')).toEqual({ W1: 0, W2: 0 });
    await expectNoNegativeStock();

    const orders = await db().order.findMany({ where: { linkId: link.linkId }, select: { id: true, number: true, selectionId: true }, orderBy: { number: 'asc' } });
    expect(orders).toHaveLength(5);
    expect(new Set(orders.map((o) => o.number)).size).toBe(5);
    expect(orders.map((o) => o.id).sort()).toEqual(sold.map((s) => s.order.id).sort());
    // The losers changed nothing: their copies are still OPEN and have no order.
    const ordered = await db().selection.count({ where: { id: { in: buyers.map((b) => b.selectionId) }, status: 'ORDERED' } });
    expect(ordered).toBe(5);

    const stored = await db().shareableLink.findUniqueOrThrow({ where: { id: link.linkId }, select: { status: true, orderId: true, selectionId: true } });
    expect(stored.status).toBe('CONSUMED');
    expect(stored.selectionId).toBeNull();
    // The first order consumed the link: the one numbered first (later ones waited for it).
    expect(stored.orderId).toBe(orders[0]!.id);
    expect((await db().selection.findUniqueOrThrow({ where: { id: adminSelectionId } })).status).toBe('DELETED');

    const events = await db().linkEvent.findMany({ where: { linkId: link.linkId }, orderBy: { sequence: 'asc' }, select: { type: true, orderId: true } });
    const types = events.map((e) => e.type);
    expect(types.filter((x) => x === 'CONSUMED')).toHaveLength(1);
    expect(types.filter((x) => x === 'ORDER_PLACED')).toHaveLength(5);
    expect(types.filter((x) => x === 'CLAIMED')).toHaveLength(30);
    expect(events.find((e) => e.type === 'CONSUMED')!.orderId).toBe(stored.orderId);
    expect(events.filter((e) => e.type === 'ORDER_PLACED').map((e) => e.orderId!).sort()).toEqual(orders.map((o) => o.id).sort());
  });
});

// ---------------------------------------------------------------- 2. claims racing with the purchase

describe('claims racing with the purchase that consumes the link', () => {
  it('lands every claim wholly before the purchase (a full copy) or after it (LINK_USED)', async () => {
    await importProducts([
      { code: 'RACE-CLAIM-P', sku: 'RACE-CLAIM-P', stock: [{ warehouseCode: 'W1', quantity: 40 }, { warehouseCode: 'W2', quantity: 40 }] },
      { code: 'RACE-CLAIM-Q', sku: 'RACE-CLAIM-Q', stock: [{ warehouseCode: 'W2', quantity: 80 }] },
    ]);
    const expectedItems = [
      { sku: 'RACE-CLAIM-P', quantity: 2, priceLocked: false, unitPrice: { amount: '10.00' } },
      { sku: 'RACE-CLAIM-Q', quantity: 1, priceLocked: true, unitPrice: { amount: '7.50' } },
    ];
    const claimants = 20;
    const raceClaimsWon: number[] = [];
    let boughtAfterConsumed = 0;

    for (let round = 0; round < 3; round += 1) {
      const adminSelectionId = await adminCart([{ sku: 'RACE-CLAIM-P', quantity: 2 }, { sku: 'RACE-CLAIM-Q', quantity: 1, unitPrice: '7.50' }]);
      const link = await issue(adminSelectionId);
      const buyer = await readyClaimant(link, `race-claim-buyer-${round}@example.com`);
      // Claimed before the race, bought after it: a claim made before consumption may still buy.
      const earlier = await readyClaimant(link, `race-claim-earlier-${round}@example.com`);

      // The claims run in concurrent lanes, each lane claiming again as soon as its previous
      // claim is answered, alongside the purchase: round 0 fires all twenty at once, later
      // rounds spread them over time (5 lanes of 4, 2 lanes of 10) so that some land after it.
      const lanes = [claimants, 5, 2][round]!;
      const lane = async (): Promise<ClaimResponse[]> => {
        const answers: ClaimResponse[] = [];
        for (let i = 0; i < claimants / lanes; i += 1) answers.push(await claim(link));
        return answers;
      };
      const [bought, laneAnswers] = await Promise.all([
        placeOrder(buyer.selectionId, `race-claim-buy-${round}`, buyer.headers),
        Promise.all(Array.from({ length: lanes }, lane)),
      ]);
      const claimed = laneAnswers.flat();
      expect(claimed).toHaveLength(claimants);
      expectNoErrors([bought, ...claimed]);
      const first = is(bought.data!.placeOrder, 'PlaceOrderSuccess');

      const results: ClaimResult[] = claimed.map((r) => r.data!.claimSelection);
      const copies = [];
      for (const result of results) {
        if (result.__typename === 'ClaimSelectionSuccess') {
          expect(result.selection.items).toEqual(expectedItems);
          expect(result.selection.status).toBe('OPEN');
          expect(result.claim.link.id).toBe(link.linkId);
          copies.push(result);
        } else {
          expect(result, JSON.stringify(result)).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_USED' });
        }
      }
      raceClaimsWon.push(copies.length);

      // A claim after the race is always late.
      const late = resultOf(await claim(link)).claimSelection;
      expect(late).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_USED' });

      // Copies made in the race are whole and can still be bought, stock permitting.
      const buyers = [earlier, ...copies.slice(0, 2).map((c) => ({ selectionId: c.selection.id, headers: asSession(c.sessionToken), claimId: c.claim.id }))];
      const emails = await Promise.all(buyers.map((b, i) => t.request(SetCustomer, { input: { selectionId: b.selectionId, email: `race-claim-late-${round}-${i}@example.com` } }, b.headers)));
      expectNoErrors(emails);
      for (const e of emails) expect(e.data!.setCustomer.__typename).toBe('SetCustomerSuccess');
      const later = await Promise.all(buyers.map((b, i) => placeOrder(b.selectionId, `race-claim-later-${round}-${i}`, b.headers)));
      expectNoErrors(later);
      for (const l of later) is(l.data!.placeOrder, 'PlaceOrderSuccess');
      boughtAfterConsumed += later.length;

      // The database agrees: no claim without a whole copy, and no claim landed after the consumption.
      const rows = await db().claim.findMany({
        where: { linkId: link.linkId },
        select: { id: true, selection: { select: { id: true, sessionId: true, items: { select: { quantity: true, unitPrice: true, priceLocked: true, variant: { select: { sku: true } } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } } } },
      });
      expect(rows).toHaveLength(2 + copies.length);
      expect(new Set(rows.map((r) => r.id))).toEqual(new Set([buyer.claimId, earlier.claimId, ...copies.map((c) => c.claim.id)]));
      for (const row of rows) {
        expect(row.selection.sessionId).not.toBeNull();
        expect(row.selection.items.map((i) => ({ sku: i.variant?.sku, quantity: i.quantity, unitPrice: i.unitPrice, priceLocked: i.priceLocked }))).toEqual([
          { sku: 'RACE-CLAIM-P', quantity: 2, unitPrice: 1000n, priceLocked: false },
          { sku: 'RACE-CLAIM-Q', quantity: 1, unitPrice: 750n, priceLocked: true },
        ]);
      }

      const events = await db().linkEvent.findMany({ where: { linkId: link.linkId }, orderBy: { sequence: 'asc' }, select: { type: true, sequence: true, claimId: true, orderId: true } });
      const consumed = events.filter((e) => e.type === 'CONSUMED');
      expect(consumed).toHaveLength(1);
      expect(consumed[0]!.orderId).toBe(first.order.id);
      const claimedEvents = events.filter((e) => e.type === 'CLAIMED');
      expect(new Set(claimedEvents.map((e) => e.claimId))).toEqual(new Set(rows.map((r) => r.id)));
      expect(claimedEvents).toHaveLength(rows.length);
      for (const e of claimedEvents) expect(e.sequence < consumed[0]!.sequence).toBe(true);
      expect(events.filter((e) => e.type === 'ORDER_PLACED')).toHaveLength(1 + later.length);

      const stored = await db().shareableLink.findUniqueOrThrow({ where: { id: link.linkId }, select: { status: true, orderId: true } });
      expect(stored).toEqual({ status: 'CONSUMED', orderId: first.order.id });
    }

    // Every copy a session holds came from a claim: none was left behind by a claim that failed.
    expect(await db().selection.count({ where: { sessionId: { not: null }, claim: { is: null } } })).toBe(0);
    expect(await db().selection.count({ where: { sessionId: { not: null }, items: { none: {} } } })).toBe(0);
    // 3 purchases, then each round's earlier claimant and up to two racing copies, 2 P + 1 Q each.
    const units = 3 + boughtAfterConsumed;
    expect(total(await stockOf('RACE-CLAIM-P'))).toBe(80 - 2 * units);
    expect(total(await stockOf('RACE-CLAIM-Q'))).toBe(80 - units);
    await expectNoNegativeStock();
    console.log(`claims racing the purchase: copies per round of ${claimants}: ${raceClaimsWon.join(', ')}`);
  });
});

// ---------------------------------------------------------------- 3. one idempotency key, concurrently

describe('one session claiming one link several times at once', () => {
  it('gets one claim and one copy, whichever attempt writes it', async () => {
    await importProducts([{ code: 'TWICE', sku: 'TWICE-1', stock: [{ warehouseCode: 'W1', quantity: 5 }] }]);
    const first = is(resultOf(await claim(await issue(await adminCart([{ sku: 'TWICE-1', quantity: 1 }])))).claimSelection, 'ClaimSelectionSuccess');
    const headers = asSession(first.sessionToken);
    const link = await issue(await adminCart([{ sku: 'TWICE-1', quantity: 2 }]));
    const copiesBefore = await db().selection.count();

    const responses = await Promise.all(
      Array.from({ length: 8 }, () => t.request(RaceClaim, { input: { hash1: link.hash1, hash2: link.hash2 } }, headers)),
    );
    expectNoErrors(responses);
    const claims = responses.map((r) => is(r.data!.claimSelection, 'ClaimSelectionSuccess'));
    expect(new Set(claims.map((c) => c.claim.id)).size).toBe(1);
    expect(new Set(claims.map((c) => c.selection.id)).size).toBe(1);
    expect(claims.every((c) => c.sessionToken === first.sessionToken)).toBe(true);
    expect(await db().selection.count()).toBe(copiesBefore + 1);
    expect(await db().claim.count({ where: { linkId: link.linkId } })).toBe(1);
  });
});

describe('event sequence numbers under concurrent claims', () => {
  it('never lets a reader that follows "after the last sequence" miss an event', async () => {
    const CLAIMS = 200;
    await importProducts([{ code: 'SEQ', sku: 'SEQ-1', stock: [{ warehouseCode: 'W1', quantity: 5 }] }]);
    const link = await issue(await adminCart([{ sku: 'SEQ-1', quantity: 1 }]));
    const start = (await db().linkEvent.aggregate({ _max: { sequence: true } }))._max.sequence ?? 0n;

    // A dashboard catching up: it asks for what follows the last sequence it saw, over and over,
    // on a connection of its own (on PostgreSQL), so that it reads between any two commits.
    const own = t.databaseUrl ? new pg.Client({ connectionString: t.databaseUrl }) : null;
    await own?.connect();
    const after_ = (sequence: bigint) => own
      ? own.query<{ value: string }>('SELECT sequence::text AS value FROM "LinkEvent" WHERE sequence > $1 ORDER BY sequence', [sequence.toString()]).then((r) => r.rows.map((row) => BigInt(row.value)))
      : db().linkEvent.findMany({ where: { sequence: { gt: sequence } }, orderBy: { sequence: 'asc' }, select: { sequence: true } }).then((rows) => rows.map((row) => row.sequence));
    let after = start;
    const seen: bigint[] = [];
    const readOn = async () => {
      const sequences = await after_(after);
      seen.push(...sequences);
      after = sequences.at(-1) ?? after;
    };
    let claiming = true;
    const reader = (async () => {
      while (claiming) {
        await readOn();
        await new Promise((resolve) => setImmediate(resolve)); // let timers and sockets run
      }
    })();
    // At most as many at once as a server admits (MAX_CONCURRENT_REQUESTS): 200 at once in one
    // process, with nothing in front of the pool, waited past Prisma's maxWait on a loaded machine.
    const responses: Awaited<ReturnType<typeof claim>>[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: loadConfig({}).maxConcurrentRequests }, async () => {
      while (next < CLAIMS) {
        next++;
        responses.push(await claim(link));
      }
    }));
    claiming = false;
    await reader;
    await readOn();
    await own?.end();

    expectNoErrors(responses);
    const written = await db().linkEvent.findMany({ where: { sequence: { gt: start } }, orderBy: { sequence: 'asc' }, select: { sequence: true } });
    expect(written).toHaveLength(CLAIMS);
    expect(seen).toEqual(written.map((row) => row.sequence));
  });

  // Event rows are numbered while their transaction commits. Two writers are stopped right
  // after numbering (the deferred trigger made immediate): the second may not be numbered
  // until the first has committed, or a reader could see the second's number, resume after
  // it and miss the first's. Needs two database sessions: PostgreSQL only.
  it.skipIf(!process.env.TEST_DATABASE_URL)('numbers a writer\'s events only once every writer numbered before it has committed', async () => {
    const link = await issue(await adminCart([{ sku: 'SEQ-1', quantity: 1 }]));
    const [first, second, reader] = [0, 1, 2].map(() => new pg.Client({ connectionString: t.databaseUrl! }));
    await Promise.all([first, second, reader].map((client) => client!.connect()));
    /** Writes an event and has it numbered (the trigger made immediate), leaving the transaction open. */
    const numberedEvent = async (client: pg.Client) => {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string }>(`INSERT INTO "LinkEvent" (id, type, "linkId") VALUES (gen_random_uuid(), 'ISSUED', $1) RETURNING id`, [link.linkId]);
      await client.query('SET CONSTRAINTS "LinkEvent_number_at_commit" IMMEDIATE');
      return rows[0]!.id;
    };
    const sequenceOf = async (id: string) =>
      BigInt((await reader!.query<{ sequence: string }>('SELECT sequence::text FROM "LinkEvent" WHERE id = $1', [id])).rows[0]!.sequence);
    try {
      const firstId = await numberedEvent(first!);
      const secondPid = (await second!.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      let secondDone = false;
      const secondNumbered = numberedEvent(second!).finally(() => { secondDone = true; });
      // The second writer must be waiting for the first, not numbered beside it.
      let secondWaiting = false;
      while (!secondWaiting && !secondDone) {
        const { rows } = await reader!.query<{ waiting: boolean }>(`SELECT wait_event = 'advisory' AS waiting FROM pg_stat_activity WHERE pid = $1`, [secondPid]);
        secondWaiting = rows[0]?.waiting === true;
        if (!secondWaiting) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(secondWaiting).toBe(true);
      await first!.query('COMMIT');
      const secondId = await secondNumbered;
      await second!.query('COMMIT');
      expect(await sequenceOf(secondId)).toBeGreaterThan(await sequenceOf(firstId));
    } finally {
      await Promise.all([first, second, reader].map((client) => client!.end()));
    }
  });
});

describe('one idempotency key used concurrently', () => {
  it('places one order for ten concurrent attempts on one selection', async () => {
    await importProducts([{ code: 'RACE-IDEM', sku: 'RACE-IDEM', stock: [{ warehouseCode: 'W1', quantity: 1 }, { warehouseCode: 'W2', quantity: 9 }] }]);
    const link = await issue(await adminCart([{ sku: 'RACE-IDEM', quantity: 2 }]));
    const buyer = await readyClaimant(link, 'race-idem@example.com');

    const responses = await Promise.all(Array.from({ length: 10 }, () => placeOrder(buyer.selectionId, 'race-idem-key', buyer.headers)));
    expectNoErrors(responses);
    const orders = responses.map((r) => is(r.data!.placeOrder, 'PlaceOrderSuccess').order);
    expect(new Set(orders.map((o) => o.id)).size).toBe(1);
    expect(new Set(orders.map((o) => o.number)).size).toBe(1);
    expect(orders[0]!.items).toEqual([{ sku: 'RACE-IDEM', quantity: 2 }]);

    expect(await db().order.count({ where: { selectionId: buyer.selectionId } })).toBe(1);
    const { sessionId } = await db().selection.findUniqueOrThrow({ where: { id: buyer.selectionId }, select: { sessionId: true } });
    expect(await db().idempotencyKey.findMany({ where: { key: 'race-idem-key' }, select: { scope: true, orderId: true, selectionId: true } }))
      .toEqual([{ scope: `session:${sessionId}`, orderId: orders[0]!.id, selectionId: buyer.selectionId }]);
    expect(await stockOf('RACE-IDEM')).toEqual({ W1: 0, W2: 8 });
    const events = await db().linkEvent.findMany({ where: { linkId: link.linkId } });
    expect(events.filter((e) => e.type === 'CONSUMED')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'ORDER_PLACED')).toHaveLength(1);
  });

  it('gives the key to one selection and IDEMPOTENCY_CONFLICT to the other', async () => {
    await importProducts([
      { code: 'RACE-KEY-A', sku: 'RACE-KEY-A', stock: [{ warehouseCode: 'W1', quantity: 10 }] },
      { code: 'RACE-KEY-B', sku: 'RACE-KEY-B', stock: [{ warehouseCode: 'W1', quantity: 10 }] },
    ]);
    // Round 0: one attempt per selection. Round 1: four retries of each, interleaved.
    for (const [round, attempts] of [[0, 1], [1, 4]] as const) {
      const key = `race-shared-key-${round}`;
      const carts = [
        { sku: 'RACE-KEY-A', selectionId: await adminCart([{ sku: 'RACE-KEY-A', quantity: 1 }], `race-key-a-${round}@example.com`) },
        { sku: 'RACE-KEY-B', selectionId: await adminCart([{ sku: 'RACE-KEY-B', quantity: 1 }], `race-key-b-${round}@example.com`) },
      ];
      const before = await Promise.all(carts.map((c) => stockOf(c.sku)));
      const fired = [];
      for (let i = 0; i < attempts; i += 1) for (const cart of carts) fired.push({ cart, response: placeOrder(cart.selectionId, key, asAdmin) });
      const responses = await Promise.all(fired.map((f) => f.response));
      expectNoErrors(responses);
      const answers = fired.map((f, i) => ({ cart: f.cart, result: responses[i]!.data!.placeOrder }));

      const winners = new Set(answers.filter((a) => a.result.__typename === 'PlaceOrderSuccess').map((a) => a.cart.selectionId));
      expect(winners.size, JSON.stringify(answers)).toBe(1);
      const winner = carts.find((c) => winners.has(c.selectionId))!;
      const loser = carts.find((c) => c !== winner)!;
      const orderIds = new Set<string>();
      for (const a of answers) {
        if (a.cart === winner) orderIds.add(is(a.result, 'PlaceOrderSuccess').order.id);
        else expect(a.result).toMatchObject({ __typename: 'IdempotencyConflictError', code: 'IDEMPOTENCY_CONFLICT' });
      }
      expect(orderIds.size).toBe(1);
      const [orderId] = [...orderIds];

      expect(await db().idempotencyKey.findMany({ where: { key }, select: { scope: true, orderId: true, selectionId: true } }))
        .toEqual([{ scope: expect.stringMatching(/^admin:bootstrap-[0-9a-f]{16}$/), orderId, selectionId: winner.selectionId }]);
      expect(await db().order.count({ where: { selectionId: { in: carts.map((c) => c.selectionId) } } })).toBe(1);
      expect((await db().selection.findUniqueOrThrow({ where: { id: winner.selectionId } })).status).toBe('ORDERED');
      expect((await db().selection.findUniqueOrThrow({ where: { id: loser.selectionId } })).status).toBe('OPEN');
      const after = await Promise.all(carts.map((c) => stockOf(c.sku)));
      expect(total(after[carts.indexOf(winner)]!)).toBe(total(before[carts.indexOf(winner)]!) - 1);
      expect(after[carts.indexOf(loser)]).toEqual(before[carts.indexOf(loser)]);
    }
  });

  it('places one order per session when two sessions send the same key at once', async () => {
    await importProducts([{ code: 'RACE-SCOPE', sku: 'RACE-SCOPE', stock: [{ warehouseCode: 'W1', quantity: 10 }] }]);
    const link = await issue(await adminCart([{ sku: 'RACE-SCOPE', quantity: 1 }]));
    const buyers = [await readyClaimant(link, 'race-scope-a@example.com'), await readyClaimant(link, 'race-scope-b@example.com')];
    const fired = Array.from({ length: 4 }, () => buyers.map((buyer) => ({ buyer, response: placeOrder(buyer.selectionId, 'race-scoped-key', buyer.headers) }))).flat();
    const responses = await Promise.all(fired.map((f) => f.response));
    expectNoErrors(responses);

    const ordersOf = buyers.map((b) => new Set(fired.flatMap((f, i) => (f.buyer === b ? [is(responses[i]!.data!.placeOrder, 'PlaceOrderSuccess').order.id] : []))));
    expect(ordersOf.map((ids) => ids.size)).toEqual([1, 1]);
    const [orderA, orderB] = ordersOf.map((ids) => [...ids][0]!);
    expect(orderA).not.toBe(orderB);
    const stored = await db().idempotencyKey.findMany({ where: { key: 'race-scoped-key' }, select: { orderId: true, selectionId: true } });
    expect(stored).toHaveLength(2);
    expect(stored).toEqual(expect.arrayContaining([
      { orderId: orderA, selectionId: buyers[0]!.selectionId },
      { orderId: orderB, selectionId: buyers[1]!.selectionId },
    ]));
    expect(await stockOf('RACE-SCOPE')).toEqual({ W1: 8 });
  });
});

// ---------------------------------------------------------------- 4. opposite line orders

describe('carts over the same SKUs in opposite line order', () => {
  it('settles every pair: a success or OUT_OF_STOCK, never a deadlock', async () => {
    const pairs = 10;
    for (let round = 0; round < 2; round += 1) {
      const x = `RACE-X-${round}`;
      const y = `RACE-Y-${round}`;
      await importProducts([
        { code: x, sku: x, stock: [{ warehouseCode: 'W1', quantity: 12 }, { warehouseCode: 'W2', quantity: 8 }] },
        { code: y, sku: y, stock: [{ warehouseCode: 'W1', quantity: 5 }, { warehouseCode: 'W2', quantity: 15 }] },
      ]);
      // A: X×2 then Y×1, bought by its claimant; B: Y×2 then X×1, bought by the admin.
      const need = { A: { [x]: 2, [y]: 1 }, B: { [x]: 1, [y]: 2 } };
      const carts: { kind: 'A' | 'B'; selectionId: string; headers: Record<string, string> }[] = [];
      for (let i = 0; i < pairs; i += 1) {
        const link = await issue(await adminCart([{ sku: x, quantity: 2 }, { sku: y, quantity: 1 }]));
        const a = await readyClaimant(link, `race-pair-a-${round}-${i}@example.com`);
        carts.push({ kind: 'A', selectionId: a.selectionId, headers: a.headers });
        const b = await adminCart([{ sku: y, quantity: 2 }, { sku: x, quantity: 1 }], `race-pair-b-${round}-${i}@example.com`);
        carts.push({ kind: 'B', selectionId: b, headers: asAdmin });
      }
      const initial = { [x]: total(await stockOf(x)), [y]: total(await stockOf(y)) };

      const responses = await Promise.all(carts.map((c, i) => placeOrder(c.selectionId, `race-pair-${round}-${i}`, c.headers)));
      expectNoErrors(responses);
      const results = responses.map((r) => r.data!.placeOrder);
      for (const result of results) expect(['PlaceOrderSuccess', 'OutOfStockError'], JSON.stringify(result)).toContain(result.__typename);

      const taken: Record<string, number> = { [x]: 0, [y]: 0 };
      results.forEach((result, i) => {
        const success = successOf(result);
        if (!success) return;
        for (const [sku, quantity] of Object.entries(need[carts[i]!.kind])) taken[sku] = (taken[sku] ?? 0) + quantity;
        expect(success.order.items).toEqual(carts[i]!.kind === 'A'
          ? [{ sku: x, quantity: 2 }, { sku: y, quantity: 1 }]
          : [{ sku: y, quantity: 2 }, { sku: x, quantity: 1 }]);
      });
      const final = { [x]: total(await stockOf(x)), [y]: total(await stockOf(y)) };
      expect(final).toEqual({ [x]: initial[x]! - taken[x]!, [y]: initial[y]! - taken[y]! });
      await expectNoNegativeStock();

      // Demand (30 + 30) exceeds stock (20 + 20): some sell, some do not, and every refusal is
      // genuine — stock only goes down, so what was short then is still short now.
      expect(results.some((r) => r.__typename === 'PlaceOrderSuccess')).toBe(true);
      expect(results.some((r) => r.__typename === 'OutOfStockError')).toBe(true);
      results.forEach((result, i) => {
        if (result.__typename !== 'OutOfStockError') return;
        const wanted = need[carts[i]!.kind];
        expect(Object.entries(wanted).some(([sku, quantity]) => final[sku]! < quantity), JSON.stringify({ result, final })).toBe(true);
        for (const shortage of result.shortages) expect(shortage.available).toBeLessThan(shortage.requested);
      });
      const sold = results.filter((r) => r.__typename === 'PlaceOrderSuccess').length;
      expect(await db().order.count({ where: { selectionId: { in: carts.map((c) => c.selectionId) } } })).toBe(sold);
    }
  });
});

// ---------------------------------------------------------------- 6. a pay-once link of custom lines

const RaceCustomLine = graphql(`
  mutation RaceCustomLine($input: AddCustomSelectionItemInput!) {
    addCustomSelectionItem(input: $input) { __typename ...TestFailure }
  }
`);

const RaceIssueLimited = graphql(`
  mutation RaceIssueLimited($input: IssueShareableLinkInput!) {
    issueShareableLink(input: $input) { __typename ...TestFailure ... on IssueShareableLinkSuccess { hash2 link { id hash1 maxOrders } } }
  }
`);

/** A selection of one custom line (an additional payment), issued locked, with these maxOrders. */
async function paymentLink(maxOrders: number | null): Promise<Link> {
  const selectionId = await createSelection(t, {});
  const added = await t.admin(RaceCustomLine, { input: { selectionId, name: 'Express upgrade', unitPrice: '250.00' } });
  expect(added.addCustomSelectionItem.__typename).toBe('AddCustomSelectionItemSuccess');
  const issued = is(
    (await t.admin(RaceIssueLimited, { input: { selectionId, lockItems: true, ignoreShipping: true, maxOrders } })).issueShareableLink,
    'IssueShareableLinkSuccess',
  );
  expect(issued.link.maxOrders).toBe(maxOrders);
  return { linkId: issued.link.id, hash1: issued.link.hash1, hash2: issued.hash2 };
}

async function eventTypesOf(linkId: string): Promise<string[]> {
  const events = await db().linkEvent.findMany({ where: { linkId }, orderBy: { sequence: 'asc' }, select: { type: true } });
  return events.map((e) => e.type);
}

const count = (types: string[], type: string) => types.filter((x) => x === type).length;

describe('twenty claimants of a pay-once link of custom lines pay at once', () => {
  it('places exactly one order: the other nineteen get LINK_USED, and no order number is spent on them', async () => {
    const link = await paymentLink(1);
    const payers = [];
    for (let i = 0; i < 20; i += 1) payers.push(await readyClaimant(link, `pay-once-${i}@example.com`));
    const stockBefore = await db().stockLevel.findMany({ orderBy: [{ variantId: 'asc' }, { warehouseId: 'asc' }], select: { quantity: true } });

    const responses = await Promise.all(payers.map((p, i) => placeOrder(p.selectionId, `pay-once-${i}`, p.headers)));
    expectNoErrors(responses);
    const results = responses.map((r) => r.data!.placeOrder);
    expect(byType(results)).toEqual({ PlaceOrderSuccess: 1, LinkUnavailableError: 19 });
    for (const result of results) if (result.__typename !== 'PlaceOrderSuccess') expect(result).toMatchObject({ code: 'LINK_USED' });

    const orders = await db().order.findMany({ where: { linkId: link.linkId }, select: { id: true, number: true } });
    expect(orders).toHaveLength(1);
    expect(await db().selection.count({ where: { id: { in: payers.map((p) => p.selectionId) }, status: 'ORDERED' } })).toBe(1);
    const types = await eventTypesOf(link.linkId);
    expect(count(types, 'CONSUMED')).toBe(1);
    expect(count(types, 'ORDER_PLACED')).toBe(1);
    expect(await db().stockLevel.findMany({ orderBy: [{ variantId: 'asc' }, { warehouseId: 'asc' }], select: { quantity: true } })).toEqual(stockBefore);

    // The refusals came before the order row: the next order takes the next number.
    const next = await paymentLink(null);
    const payer = await readyClaimant(next, 'after-pay-once@example.com');
    const placed = is(resultOf(await placeOrder(payer.selectionId, 'after-pay-once', payer.headers)).placeOrder, 'PlaceOrderSuccess');
    const stored = await db().order.findUniqueOrThrow({ where: { id: placed.order.id }, select: { number: true } });
    expect(stored.number).toBe(orders[0]!.number + 1n);
  });

  it('without maxOrders places twenty orders (no stock is taken): one CONSUMED, twenty ORDER_PLACED', async () => {
    const link = await paymentLink(null);
    const payers = [];
    for (let i = 0; i < 20; i += 1) payers.push(await readyClaimant(link, `pay-any-${i}@example.com`));
    const stockBefore = await db().stockLevel.findMany({ orderBy: [{ variantId: 'asc' }, { warehouseId: 'asc' }], select: { quantity: true } });

    const responses = await Promise.all(payers.map((p, i) => placeOrder(p.selectionId, `pay-any-${i}`, p.headers)));
    expectNoErrors(responses);
    expect(byType(responses.map((r) => r.data!.placeOrder))).toEqual({ PlaceOrderSuccess: 20 });
    expect(await db().order.count({ where: { linkId: link.linkId } })).toBe(20);
    const types = await eventTypesOf(link.linkId);
    expect(count(types, 'CONSUMED')).toBe(1);
    expect(count(types, 'ORDER_PLACED')).toBe(20);
    expect(await db().stockLevel.findMany({ orderBy: [{ variantId: 'asc' }, { warehouseId: 'asc' }], select: { quantity: true } })).toEqual(stockBefore);
    const lines = await db().orderItem.findMany({ where: { order: { linkId: link.linkId } }, select: { kind: true, name: true, variantId: true } });
    expect(lines).toHaveLength(20);
    expect(new Set(lines.map((l) => JSON.stringify(l)))).toEqual(new Set([JSON.stringify({ kind: 'CUSTOM', name: 'Express upgrade', variantId: null })]));
  });
});

describe('claimants of one link giving the same new e-mail at once', () => {
  it('attaches every copy to one new customer: none is answered "Unexpected error."', async () => {
    await importProducts([{ code: 'SAMEMAIL', sku: 'SAMEMAIL-1', stock: [{ warehouseCode: 'W1', quantity: 50 }] }]);
    const link = await issue(await adminCart([{ sku: 'SAMEMAIL-1', quantity: 1 }]));
    const claims = await Promise.all(Array.from({ length: 12 }, () => claim(link)));
    const copies = claims.map((response) => is(resultOf(response).claimSelection, 'ClaimSelectionSuccess'));
    const email = `same-${Date.now()}@example.com`;

    const answers = await Promise.all(copies.map((copy) => t.request(SetCustomer, { input: { selectionId: copy.selection.id, email } }, asSession(copy.sessionToken))));
    expectNoErrors(answers);
    expect(answers.map((answer) => answer.data!.setCustomer.__typename)).toEqual(Array(12).fill('SetCustomerSuccess'));
    const customers = await db().customer.findMany({ where: { email }, select: { id: true } });
    expect(customers).toHaveLength(1);
    expect(await db().selection.count({ where: { id: { in: copies.map((copy) => copy.selection.id) }, customerId: customers[0]!.id } })).toBe(12);
  });
});

describe('a purchase that waited for its copy\'s lock', () => {
  /**
   * Holds the copy's row lock on a connection of its own while `change` runs there, sends the
   * purchase, and commits once the purchase waits for that lock. Needs two sessions: PostgreSQL only.
   */
  async function purchaseBehind(copy: { selectionId: string; headers: Record<string, string> }, key: string, change: (client: pg.Client) => Promise<unknown>) {
    const holder = new pg.Client({ connectionString: t.databaseUrl! });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM "Selection" WHERE id = $1 FOR UPDATE', [copy.selectionId]);
      await change(holder);
      const purchase = placeOrder(copy.selectionId, key, copy.headers);
      for (;;) {
        const { rows } = await holder.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (rows[0]!.waiting > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await holder.query('COMMIT');
      return resultOf(await purchase).placeOrder;
    } finally {
      await holder.end();
    }
  }

  it.skipIf(!process.env.TEST_DATABASE_URL)('ships to the country set while it waited, at that country\'s rate', async () => {
    await importProducts([{ code: 'WAITNO', sku: 'WAITNO-1', stock: [{ warehouseCode: 'W1', quantity: 5 }] }]);
    const copy = await readyClaimant(await issue(await adminCart([{ sku: 'WAITNO-1', quantity: 1 }])), 'wait-country@example.com');
    const placed = await purchaseBehind(copy, 'wait-country', (holder) =>
      holder.query(`UPDATE "Selection" SET "countryCode" = 'NO' WHERE id = $1`, [copy.selectionId]));
    const order = await db().order.findUniqueOrThrow({ where: { id: successOf(placed)!.order.id }, select: { countryCode: true, shipping: true } });
    expect(order).toEqual({ countryCode: 'NO', shipping: 9900n });
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('orders for the customer attached while it waited', async () => {
    await importProducts([{ code: 'WAITCU', sku: 'WAITCU-1', stock: [{ warehouseCode: 'W1', quantity: 5 }] }]);
    const link = await issue(await adminCart([{ sku: 'WAITCU-1', quantity: 1 }]));
    const known = await readyClaimant(link, 'wait-customer@example.com');
    const { customerId } = await db().selection.findUniqueOrThrow({ where: { id: known.selectionId }, select: { customerId: true } });
    const claimed = is(resultOf(await claim(link)).claimSelection, 'ClaimSelectionSuccess');
    const copy = { selectionId: claimed.selection.id, headers: asSession(claimed.sessionToken) };
    const placed = await purchaseBehind(copy, 'wait-customer', (holder) =>
      holder.query('UPDATE "Selection" SET "customerId" = $2 WHERE id = $1', [copy.selectionId, customerId]));
    const order = await db().order.findUniqueOrThrow({ where: { id: successOf(placed)!.order.id }, select: { customerEmail: true } });
    expect(order.customerEmail).toBe('wait-customer@example.com');
  });
});

describe('a pay-once link whose order is placed and whose stock is gone', () => {
  it('refuses another copy with LINK_USED, as placeOrderBlockers shows, not OUT_OF_STOCK', async () => {
    await importProducts([{ code: 'ONCE', sku: 'ONCE-1', stock: [{ warehouseCode: 'W1', quantity: 1 }] }]);
    const selectionId = await adminCart([{ sku: 'ONCE-1', quantity: 1 }]);
    const issued = is((await t.admin(RaceIssueLimited, { input: { selectionId, lockItems: true, maxOrders: 1 } })).issueShareableLink, 'IssueShareableLinkSuccess');
    const link = { linkId: issued.link.id, hash1: issued.link.hash1, hash2: issued.hash2 };
    const [first, second] = [await readyClaimant(link, 'once-a@example.com'), await readyClaimant(link, 'once-b@example.com')];
    expect(resultOf(await placeOrder(first.selectionId, 'once-a', first.headers)).placeOrder.__typename).toBe('PlaceOrderSuccess');
    const refused = resultOf(await placeOrder(second.selectionId, 'once-b', second.headers)).placeOrder;
    expect(refused).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_USED' });
  });
});
