// Per-request batch loaders for lookups that cannot be folded into the parent query.
import DataLoader from 'dataloader';
import { db } from '../db/client.js';
import { parseRate } from '../services/money.js';

export interface Charges {
  /** Shipping price in minor units; null when the market has no shipping to the country. */
  shippingRate: bigint | null;
  /** Tax rate (percent × RATE_SCALE); null when the country has no tax rule. */
  taxRate: bigint | null;
}

export interface Loaders {
  /** Shipping and tax of a selection, by "marketId|pricelistId|countryCode". */
  charges: DataLoader<string, Charges>;
}

export function shippingKey(marketId: string, pricelistId: string, countryCode: string): string {
  return `${marketId}|${pricelistId}|${countryCode}`;
}

export function createLoaders(): Loaders {
  return {
    // One statement for every selection of the request: its shipping rate (only where the
    // market serves the country) and its country's tax rate.
    charges: new DataLoader(async (keys) => {
      const parts = keys.map((key) => key.split('|') as [string, string, string]);
      const rows = await db().$queryRaw<{ m: string; p: string; c: string; shipping: bigint | null; rate: string | null }[]>`
        SELECT k.m::text AS m, k.p::text AS p, k.c AS c,
               CASE WHEN k.c::char(2) = ANY(mk.countries) THEN s.amount END AS shipping,
               t.rate::text AS rate
        FROM unnest(${parts.map((p) => p[0])}::uuid[], ${parts.map((p) => p[1])}::uuid[], ${parts.map((p) => p[2])}::text[]) AS k(m, p, c)
        LEFT JOIN "Market" mk ON mk.id = k.m
        LEFT JOIN "ShippingRate" s ON s."marketId" = k.m AND s."pricelistId" = k.p AND s."countryCode" = k.c::char(2)
        LEFT JOIN "TaxRule" t ON t."countryCode" = k.c::char(2)`;
      const byKey = new Map(
        rows.map((r) => [
          shippingKey(r.m, r.p, r.c),
          { shippingRate: r.shipping, taxRate: r.rate === null ? null : parseRate(r.rate, ['taxRule', r.c]) },
        ]),
      );
      return keys.map((key) => byKey.get(key) ?? { shippingRate: null, taxRate: null });
    }),
  };
}
