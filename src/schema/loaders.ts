// Per-request batch loaders for lookups that cannot be folded into the parent query.
import DataLoader from 'dataloader';
import { db } from '../db/client.js';
import { parseRate } from '../services/money.js';

export interface Loaders {
  /** Shipping price in minor units by "marketId|pricelistId|countryCode"; null when none. */
  shippingRate: DataLoader<string, bigint | null>;
  /** Tax rate (percent × RATE_SCALE) by country code; null when the country has none. */
  taxRate: DataLoader<string, bigint | null>;
}

export function shippingKey(marketId: string, pricelistId: string, countryCode: string): string {
  return `${marketId}|${pricelistId}|${countryCode}`;
}

export function createLoaders(): Loaders {
  return {
    shippingRate: new DataLoader(async (keys) => {
      const parts = keys.map((key) => key.split('|') as [string, string, string]);
      const rows = await db().shippingRate.findMany({
        where: { OR: parts.map(([marketId, pricelistId, countryCode]) => ({ marketId, pricelistId, countryCode })) },
        select: { marketId: true, pricelistId: true, countryCode: true, amount: true, market: { select: { countries: true } } },
      });
      const byKey = new Map(
        rows
          .filter((r) => r.market.countries.includes(r.countryCode))
          .map((r) => [shippingKey(r.marketId, r.pricelistId, r.countryCode), r.amount]),
      );
      return keys.map((key) => byKey.get(key) ?? null);
    }),
    taxRate: new DataLoader(async (countries) => {
      const rows = await db().taxRule.findMany({ where: { countryCode: { in: [...countries] } } });
      const byCountry = new Map(rows.map((r) => [r.countryCode, parseRate(r.rate.toFixed(4), ['taxRule', r.countryCode])]));
      return countries.map((c) => byCountry.get(c) ?? null);
    }),
  };
}

