// Per-request batch loaders for lookups that cannot be folded into the parent query.
import DataLoader from 'dataloader';
import { db } from '../db/client.js';
import type { ShareableLink as ShareableLinkRow } from '../generated/prisma/client.js';
import { chargesOf } from '../services/selection.js';
import type { Charges, ChargesKey } from '../services/selection.js';

export interface Loaders {
  /** Shipping and tax of a selection, by its market, pricelist and country. */
  charges: DataLoader<ChargesKey, Charges, string>;
  /** Currency, status and lock of selections, by id: what their lines need. */
  selections: SelectionFactsLoader;
  /** Shareable links, by id (an admin's list of orders shows each one's link). */
  links: DataLoader<string, ShareableLinkRow | null>;
  /** The countries with a shipping rate, by "marketId|pricelistId". */
  ratedCountries: DataLoader<string, ReadonlySet<string>>;
}

/** What a selection's lines need from it: the currency of their prices and the state of change. */
export interface SelectionFacts {
  currency: string;
  status: string;
  locked: boolean;
}

/**
 * SelectionFacts by selection id. A selection read with its items primes them, so that its
 * lines neither load their selection again nor wait for a promise (an asynchronous field costs
 * graphql-js more than a synchronous one, on every line).
 */
export interface SelectionFactsLoader {
  prime(selectionId: string, facts: SelectionFacts): void;
  of(selectionId: string): SelectionFacts | Promise<SelectionFacts>;
}

function createSelectionFacts(): SelectionFactsLoader {
  const known = new Map<string, SelectionFacts>();
  const loader = new DataLoader<string, SelectionFacts>(async (ids) => {
    const rows = await db().selection.findMany({
      where: { id: { in: [...ids] } },
      select: { id: true, status: true, locked: true, pricelist: { select: { currency: true } } },
    });
    const byId = new Map(rows.map((row) => [row.id, { currency: row.pricelist.currency, status: row.status, locked: row.locked }]));
    return ids.map((id) => byId.get(id) ?? new Error(`selection ${id} is gone`));
  });
  return {
    prime: (selectionId, facts) => known.set(selectionId, facts),
    of: (selectionId) => known.get(selectionId) ?? loader.load(selectionId),
  };
}

export function createLoaders(): Loaders {
  return {
    // One statement for every selection of the request.
    charges: new DataLoader(chargesOf, { cacheKeyFn: (key) => `${key.marketId}|${key.pricelistId}|${key.countryCode}` }),
    selections: createSelectionFacts(),
    links: new DataLoader(async (ids) => {
      const rows = await db().shareableLink.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    ratedCountries: new DataLoader(async (keys) => {
      const parts = keys.map((key) => key.split('|') as [string, string]);
      const rows = await db().shippingRate.findMany({
        where: { OR: parts.map(([marketId, pricelistId]) => ({ marketId, pricelistId })) },
        select: { marketId: true, pricelistId: true, countryCode: true },
      });
      const byKey = new Map<string, Set<string>>(keys.map((key) => [key, new Set()]));
      for (const row of rows) byKey.get(`${row.marketId}|${row.pricelistId}`)?.add(row.countryCode);
      return keys.map((key) => byKey.get(key)!);
    }),
  };
}
