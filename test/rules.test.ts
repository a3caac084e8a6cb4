// Each rule that a read applies in SQL (or as a Prisma filter) for speed sits beside its
// TypeScript form in services/; these run both forms over the same cases and require the same
// answers, so that neither can change alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../src/auth/caller.js';
import { db } from '../src/db/client.js';
import type { ShareableLinkStatus } from '../src/generated/prisma/enums.js';
import { effectiveStatus, linksShowing } from '../src/services/link.js';
import { orderVisibleTo, ordersVisibleTo } from '../src/services/order.js';
import { chargesOf, ships } from '../src/services/selection.js';
import { is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { Checkout, ImportCatalog } from './helpers/documents.js';
import { handToSession, mugSelection, seedCatalog } from './helpers/fixtures.js';

let t: TestApp;
/** Two links, each claimed and bought (so CONSUMED), with the session that bought from each. */
const bought: { linkId: string; sessionId: string }[] = [];

beforeAll(async () => {
  t = await startTestApp();
  await seedCatalog(t);
  for (const key of ['first', 'second']) {
    const held = await handToSession(t, await mugSelection(t));
    is((await t.data(Checkout, { selectionId: held.selectionId, key }, held.headers)).placeOrder, 'PlaceOrderSuccess');
    const copy = await db().selection.findUniqueOrThrow({ where: { id: held.selectionId }, select: { sessionId: true, claim: { select: { linkId: true } } } });
    bought.push({ linkId: copy.claim!.linkId, sessionId: copy.sessionId! });
  }
  is((await t.admin(Checkout, { selectionId: await mugSelection(t), key: 'direct' })).placeOrder, 'PlaceOrderSuccess');
});

afterAll(async () => {
  await t?.stop();
});

describe('a link\'s status: effectiveStatus and linksShowing', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const past = new Date('2026-06-01T11:59:59.999Z');
  const future = new Date('2026-06-01T12:00:00.001Z');
  const cases: { status: ShareableLinkStatus; expiresAt: Date | null }[] = [
    { status: 'ACTIVE', expiresAt: null },
    { status: 'ACTIVE', expiresAt: past },
    { status: 'ACTIVE', expiresAt: now },
    { status: 'ACTIVE', expiresAt: future },
    { status: 'REVOKED', expiresAt: future },
    { status: 'REVOKED', expiresAt: past },
    { status: 'EXPIRED', expiresAt: past },
  ];

  it('selects in the database exactly the links whose status the rule shows, for every status and for none', async () => {
    // The two links bought in beforeAll are CONSUMED; one of them is also past its expiresAt.
    await db().shareableLink.update({ where: { id: bought[0]!.linkId }, data: { expiresAt: past } });
    const links: { id: string; status: ShareableLinkStatus; expiresAt: Date | null }[] = [
      { id: bought[0]!.linkId, status: 'CONSUMED', expiresAt: past },
      { id: bought[1]!.linkId, status: 'CONSUMED', expiresAt: null },
    ];
    for (const [i, link] of cases.entries()) {
      const row = await db().shareableLink.create({
        data: { ...link, hash1: `rules-status-${i}`, hash2Digest: new Uint8Array(32), lockItems: false },
        select: { id: true },
      });
      links.push({ id: row.id, ...link });
    }
    const ids = links.map((link) => link.id);
    expect([...new Set(links.map((link) => effectiveStatus(link, now)))].sort()).toEqual(['ACTIVE', 'CONSUMED', 'EXPIRED', 'REVOKED']);
    for (const status of ['ACTIVE', 'CONSUMED', 'REVOKED', 'EXPIRED', null] as const) {
      const found = await db().shareableLink.findMany({ where: { AND: [{ id: { in: ids } }, linksShowing(status, now)] }, select: { id: true } });
      const expected = links.filter((link) => status === null || effectiveStatus(link, now) === status).map((link) => link.id);
      expect(found.map((row) => row.id).sort(), `status ${status}`).toEqual(expected.sort());
    }
  });
});

describe('shipping: ships and chargesOf', () => {
  it('gives a rate in SQL exactly where the rule ships, for countries in and out of the market, rated and not', async () => {
    // Market SE now serves SE and DK only: its SEK rate to NO stays, for a country it no longer serves.
    const reimport = await t.admin(ImportCatalog, {
      input: { markets: [{ code: 'SE', name: 'Nordics', countries: ['SE', 'DK'], warehouseCodes: ['W1', 'W2'] }] },
    });
    expect(reimport.importCatalog.__typename).toBe('ImportCatalogSuccess');
    const market = await db().market.findUniqueOrThrow({ where: { code: 'SE' }, select: { id: true, countries: true } });
    const pricelist = await db().pricelist.findUniqueOrThrow({ where: { code: 'SEK' }, select: { id: true } });
    const rates = await db().shippingRate.findMany({ where: { marketId: market.id, pricelistId: pricelist.id }, select: { countryCode: true, amount: true } });
    const rated = new Set(rates.map((rate) => rate.countryCode));
    // SE: served and rated; DK: served, no rate; NO: rated, not served; JP: neither.
    const countries = ['SE', 'DK', 'NO', 'JP'];
    expect(countries.map((code) => [market.countries.includes(code), rated.has(code)])).toEqual([[true, true], [true, false], [false, true], [false, false]]);

    const charges = await chargesOf(countries.map((countryCode) => ({ marketId: market.id, pricelistId: pricelist.id, countryCode })));
    for (const [i, code] of countries.entries()) {
      const rate = rates.find((r) => r.countryCode === code)?.amount ?? null;
      expect(charges[i]!.shippingRate, code).toBe(ships(market.countries, rated, code) ? rate : null);
    }
    expect(charges.map((c) => c.shippingRate !== null)).toEqual([true, false, false, false]);
  });
});

describe('who may see an order: ordersVisibleTo and orderVisibleTo', () => {
  it('finds in the database exactly the orders the rule lets each caller see', async () => {
    const orders = await db().order.findMany({ select: { id: true, sessionId: true } });
    expect(orders).toHaveLength(3);
    const callers: Caller[] = [
      { kind: 'admin', keyName: 'rules', keyId: 'rules' },
      { kind: 'session', sessionId: bought[0]!.sessionId },
      { kind: 'session', sessionId: bought[1]!.sessionId },
      { kind: 'anonymous' },
    ];
    const seen = [];
    for (const caller of callers) {
      const found = await db().order.findMany({ where: ordersVisibleTo(caller), select: { id: true } });
      const expected = orders.filter((order) => orderVisibleTo(caller, order)).map((order) => order.id);
      expect(found.map((order) => order.id).sort(), caller.kind).toEqual(expected.sort());
      seen.push(expected.length);
    }
    expect(seen).toEqual([3, 1, 1, 0]);
  });
});
