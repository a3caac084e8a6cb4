// The catalog: warehouses, pricelists, markets, products with variants, prices and stock,
// shipping rates and tax rules. importCatalog upserts by code / SKU in one transaction.
import { v7 as uuidv7 } from 'uuid';
import { TRANSACTION, db } from '../db/client.js';
import type { Tx } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { ValidationFailed, NotFound } from './errors.js';
import { formatRate, parseMoney, parseRate } from './money.js';
import {
  LIMITS, checkCode, checkCountry, checkCurrency, checkListSize, checkQuantity, checkText, checkUnique,
} from './validate.js';

export interface ImportCatalogInput {
  warehouses?: { code: string; name: string }[] | null;
  pricelists?: { code: string; name: string; currency: string }[] | null;
  markets?: { code: string; name: string; countries: string[]; warehouseCodes: string[] }[] | null;
  products?: {
    code: string;
    name: string;
    variants: {
      sku: string;
      name: string;
      prices?: { pricelistCode: string; amount: string }[] | null;
      stock?: { warehouseCode: string; quantity: number }[] | null;
    }[];
  }[] | null;
  shipping?: { marketCode: string; pricelistCode: string; countryCode: string; amount: string }[] | null;
  taxRules?: { countryCode: string; rate: string }[] | null;
}

export interface ImportCatalogResult {
  warehouseIds: string[];
  pricelistIds: string[];
  marketIds: string[];
  productIds: string[];
}

const at = (...path: (string | number)[]) => ['input', ...path.map(String)];

/** Inserts or renames rows of a table keyed by `code`, in one statement; returns each code's id. */
async function upsertNamed(
  tx: Tx,
  table: 'Warehouse' | 'Product',
  rows: { code: string; name: string }[],
): Promise<Map<string, string>> {
  const upserted = await tx.$queryRaw<{ id: string; code: string }[]>`
    INSERT INTO ${Prisma.raw(`"${table}"`)} (id, code, name)
    SELECT * FROM unnest(${rows.map(() => uuidv7())}::uuid[], ${rows.map((r) => r.code)}::text[], ${rows.map((r) => r.name)}::text[])
    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name
    RETURNING id, code`;
  return new Map(upserted.map((row) => [row.code, row.id]));
}

/**
 * Checks the whole input, including every reference, before anything is written; then
 * writes it in one transaction. A bad entry is a ValidationFailed naming it.
 */
export async function importCatalog(input: ImportCatalogInput): Promise<ImportCatalogResult> {
  const warehouses = (input.warehouses ?? []).map((w, i) => ({
    code: checkCode(w.code, at('warehouses', i, 'code')),
    name: checkText(w.name, at('warehouses', i, 'name')),
  }));
  const pricelists = (input.pricelists ?? []).map((p, i) => ({
    code: checkCode(p.code, at('pricelists', i, 'code')),
    name: checkText(p.name, at('pricelists', i, 'name')),
    currency: checkCurrency(p.currency, at('pricelists', i, 'currency')),
  }));
  for (const [list, name] of [[input.warehouses, 'warehouses'], [input.pricelists, 'pricelists'], [input.markets, 'markets'], [input.products, 'products'], [input.shipping, 'shipping'], [input.taxRules, 'taxRules']] as const) {
    checkListSize(list, at(name), LIMITS.importList);
  }
  checkUnique(warehouses, (w) => w.code, at('warehouses'), 'code');
  checkUnique(pricelists, (p) => p.code, at('pricelists'), 'code');

  const markets = (input.markets ?? []).map((m, i) => {
    checkListSize(m.countries, at('markets', i, 'countries'), LIMITS.marketCountries);
    checkListSize(m.warehouseCodes, at('markets', i, 'warehouseCodes'), LIMITS.marketWarehouses);
    const market = {
      code: checkCode(m.code, at('markets', i, 'code')),
      name: checkText(m.name, at('markets', i, 'name')),
      countries: m.countries.map((c, j) => checkCountry(c, at('markets', i, 'countries', j))),
      warehouseCodes: m.warehouseCodes.map((c, j) => checkCode(c, at('markets', i, 'warehouseCodes', j))),
    };
    checkUnique(market.countries, (c) => c, at('markets', i, 'countries'));
    checkUnique(market.warehouseCodes, (c) => c, at('markets', i, 'warehouseCodes'));
    return market;
  });
  checkUnique(markets, (m) => m.code, at('markets'), 'code');

  const products = (input.products ?? []).map((p, i) => {
    checkListSize(p.variants, at('products', i, 'variants'), LIMITS.variantsPerProduct);
    return {
      code: checkCode(p.code, at('products', i, 'code')),
      name: checkText(p.name, at('products', i, 'name')),
      variants: p.variants.map((v, j) => {
        const path = (...rest: (string | number)[]) => at('products', i, 'variants', j, ...rest);
        checkListSize(v.prices, path('prices'), LIMITS.variantEntries);
        checkListSize(v.stock, path('stock'), LIMITS.variantEntries);
        const prices = (v.prices ?? []).map((price, k) => ({
          pricelistCode: checkCode(price.pricelistCode, path('prices', k, 'pricelistCode')),
          amount: price.amount,
          path: path('prices', k, 'amount'),
        }));
        const stock = (v.stock ?? []).map((s, k) => ({
          warehouseCode: checkCode(s.warehouseCode, path('stock', k, 'warehouseCode')),
          quantity: checkQuantity(s.quantity, path('stock', k, 'quantity'), 0, LIMITS.stockQuantity),
        }));
        checkUnique(prices, (x) => x.pricelistCode, path('prices'), 'pricelistCode');
        checkUnique(stock, (x) => x.warehouseCode, path('stock'), 'warehouseCode');
        return { sku: checkCode(v.sku, path('sku')), name: checkText(v.name, path('name')), prices, stock, path };
      }),
    };
  });
  checkUnique(products, (p) => p.code, at('products'), 'code');
  const allVariants = products.flatMap((p) => p.variants);
  checkListSize(allVariants, at('products'), LIMITS.importVariants);
  const skuSeen = new Set<string>();
  for (const v of allVariants) {
    if (skuSeen.has(v.sku)) throw new ValidationFailed(`SKU "${v.sku}" appears twice`, v.path('sku'));
    skuSeen.add(v.sku);
  }

  const shipping = (input.shipping ?? []).map((s, i) => ({
    marketCode: checkCode(s.marketCode, at('shipping', i, 'marketCode')),
    pricelistCode: checkCode(s.pricelistCode, at('shipping', i, 'pricelistCode')),
    countryCode: checkCountry(s.countryCode, at('shipping', i, 'countryCode')),
    amount: s.amount,
    path: at('shipping', i),
  }));
  checkUnique(shipping, (s) => `${s.marketCode}/${s.pricelistCode}/${s.countryCode}`, at('shipping'), 'countryCode');
  const taxRules = (input.taxRules ?? []).map((t, i) => ({
    countryCode: checkCountry(t.countryCode, at('taxRules', i, 'countryCode')),
    rate: formatRate(parseRate(t.rate, at('taxRules', i, 'rate'))),
  }));
  checkUnique(taxRules, (t) => t.countryCode, at('taxRules'), 'countryCode');

  return db().$transaction(async (tx) => {
    // References resolve against this import first, then what is stored. Queries go one
    // after another: a transaction is one connection.
    const referencedWarehouses = [...markets.flatMap((m) => m.warehouseCodes), ...allVariants.flatMap((v) => v.stock.map((s) => s.warehouseCode))];
    const referencedPricelists = [
      ...pricelists.map((p) => p.code),
      ...allVariants.flatMap((v) => v.prices.map((p) => p.pricelistCode)),
      ...shipping.map((s) => s.pricelistCode),
    ];
    const storedWarehouses = await tx.warehouse.findMany({ where: { code: { in: [...new Set(referencedWarehouses)] } }, select: { code: true } });
    const storedPricelists = await tx.pricelist.findMany({ where: { code: { in: [...new Set(referencedPricelists)] } }, select: { code: true, currency: true } });
    const storedMarkets = await tx.market.findMany({ where: { code: { in: shipping.map((s) => s.marketCode) } }, select: { code: true, countries: true } });
    const storedVariants = await tx.variant.findMany({ where: { sku: { in: [...skuSeen] } }, select: { sku: true, product: { select: { code: true } } } });
    const warehouseCodes = new Set([...storedWarehouses.map((w) => w.code), ...warehouses.map((w) => w.code)]);
    const currencyOf = new Map(storedPricelists.map((p) => [p.code, p.currency]));
    pricelists.forEach((p, i) => {
      const stored = currencyOf.get(p.code);
      if (stored && stored !== p.currency) {
        throw new ValidationFailed(`Pricelist ${p.code} is in ${stored}; its currency cannot change`, at('pricelists', i, 'currency'));
      }
      currencyOf.set(p.code, p.currency);
    });
    const countriesOf = new Map(storedMarkets.map((m) => [m.code, m.countries]));
    for (const m of markets) countriesOf.set(m.code, m.countries);

    markets.forEach((m, i) => m.warehouseCodes.forEach((code, j) => {
      if (!warehouseCodes.has(code)) throw new ValidationFailed(`Unknown warehouse "${code}"`, at('markets', i, 'warehouseCodes', j));
    }));
    const productOfSku = new Map(storedVariants.map((v) => [v.sku, v.product.code]));
    const variantRows = products.flatMap((p) => p.variants.map((v) => {
      const owner = productOfSku.get(v.sku);
      if (owner && owner !== p.code) throw new ValidationFailed(`SKU "${v.sku}" belongs to product ${owner}`, v.path('sku'));
      v.stock.forEach((s, k) => {
        if (!warehouseCodes.has(s.warehouseCode)) throw new ValidationFailed(`Unknown warehouse "${s.warehouseCode}"`, v.path('stock', k, 'warehouseCode'));
      });
      const prices = v.prices.map((price, k) => {
        const currency = currencyOf.get(price.pricelistCode);
        if (!currency) throw new ValidationFailed(`Unknown pricelist "${price.pricelistCode}"`, v.path('prices', k, 'pricelistCode'));
        return { pricelistCode: price.pricelistCode, amount: parseMoney(price.amount, currency, price.path) };
      });
      return { productCode: p.code, sku: v.sku, name: v.name, prices, stock: v.stock };
    }));
    const shippingRows = shipping.map((s) => {
      const countries = countriesOf.get(s.marketCode);
      if (!countries) throw new ValidationFailed(`Unknown market "${s.marketCode}"`, [...s.path, 'marketCode']);
      const currency = currencyOf.get(s.pricelistCode);
      if (!currency) throw new ValidationFailed(`Unknown pricelist "${s.pricelistCode}"`, [...s.path, 'pricelistCode']);
      if (!countries.includes(s.countryCode)) {
        throw new ValidationFailed(`Market ${s.marketCode} does not serve ${s.countryCode}`, [...s.path, 'countryCode']);
      }
      return { ...s, amount: parseMoney(s.amount, currency, [...s.path, 'amount']) };
    });

    // Lists are upserted with one statement each (codes and SKUs are unique within an import,
    // checked above): a thousand products are a handful of round trips, not thousands.
    const upsertedWarehouses = await upsertNamed(tx, 'Warehouse', warehouses);
    const warehouseIds = warehouses.map((w) => upsertedWarehouses.get(w.code)!);
    const upsertedPricelists = new Map((await tx.$queryRaw<{ id: string; code: string }[]>`
      INSERT INTO "Pricelist" (id, code, name, currency)
      SELECT * FROM unnest(
        ${pricelists.map(() => uuidv7())}::uuid[], ${pricelists.map((p) => p.code)}::text[], ${pricelists.map((p) => p.name)}::text[], ${pricelists.map((p) => p.currency)}::text[]
      )
      ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name
      RETURNING id, code`).map((p) => [p.code, p.id]));
    const pricelistIds = pricelists.map((p) => upsertedPricelists.get(p.code)!);
    const warehouseIdOf = new Map((await tx.warehouse.findMany({ where: { code: { in: [...warehouseCodes] } }, select: { id: true, code: true } })).map((w) => [w.code, w.id]));
    const pricelistIdOf = new Map((await tx.pricelist.findMany({ where: { code: { in: [...currencyOf.keys()] } }, select: { id: true, code: true } })).map((p) => [p.code, p.id]));

    const marketIds: string[] = [];
    for (const m of markets) {
      const { id } = await tx.market.upsert({
        where: { code: m.code },
        create: { code: m.code, name: m.name, countries: m.countries },
        update: { name: m.name, countries: m.countries },
        select: { id: true },
      });
      await tx.marketWarehouse.deleteMany({ where: { marketId: id } });
      await tx.marketWarehouse.createMany({
        data: m.warehouseCodes.map((code, position) => ({ marketId: id, warehouseId: warehouseIdOf.get(code)!, position })),
      });
      marketIds.push(id);
    }

    const productIdOf = await upsertNamed(tx, 'Product', products);
    const productIds = products.map((p) => productIdOf.get(p.code)!);
    // A stored SKU keeps its product (a SKU of another product was refused above).
    const variantIdOf = new Map((await tx.$queryRaw<{ id: string; sku: string }[]>`
      INSERT INTO "Variant" (id, sku, name, "productId")
      SELECT * FROM unnest(
        ${variantRows.map(() => uuidv7())}::uuid[], ${variantRows.map((v) => v.sku)}::text[], ${variantRows.map((v) => v.name)}::text[],
        ${variantRows.map((v) => productIdOf.get(v.productCode)!)}::uuid[]
      )
      ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name
      RETURNING id, sku`).map((v) => [v.sku, v.id]));
    // Imports add variants to what a product has: the total is bounded, as its readers count on.
    const [crowded] = await tx.$queryRaw<{ productId: string; count: number }[]>`
      SELECT "productId", count(*)::int AS count FROM "Variant" WHERE "productId" = ANY(${productIds}::uuid[])
      GROUP BY "productId" HAVING count(*) > ${LIMITS.variantsPerProduct} LIMIT 1`;
    if (crowded) {
      const i = productIds.indexOf(crowded.productId);
      throw new ValidationFailed(
        `A product has at most ${LIMITS.variantsPerProduct} variants: this import would give "${products[i]!.code}" ${crowded.count}`,
        at('products', i, 'variants'),
      );
    }
    const prices = variantRows.flatMap((v) => v.prices.map((price) => ({ variantId: variantIdOf.get(v.sku)!, pricelistId: pricelistIdOf.get(price.pricelistCode)!, amount: price.amount })));
    if (prices.length > 0) {
      await tx.$executeRaw`
        INSERT INTO "Price" ("variantId", "pricelistId", amount)
        SELECT * FROM unnest(${prices.map((p) => p.variantId)}::uuid[], ${prices.map((p) => p.pricelistId)}::uuid[], ${prices.map((p) => p.amount.toString())}::bigint[])
        ON CONFLICT ("variantId", "pricelistId") DO UPDATE SET amount = EXCLUDED.amount`;
    }
    const stock = variantRows.flatMap((v) => v.stock.map((s) => ({ variantId: variantIdOf.get(v.sku)!, warehouseId: warehouseIdOf.get(s.warehouseCode)!, quantity: s.quantity })));
    if (stock.length > 0) {
      await tx.$executeRaw`
        INSERT INTO "StockLevel" ("variantId", "warehouseId", quantity)
        SELECT * FROM unnest(${stock.map((s) => s.variantId)}::uuid[], ${stock.map((s) => s.warehouseId)}::uuid[], ${stock.map((s) => s.quantity)}::int[])
        ON CONFLICT ("variantId", "warehouseId") DO UPDATE SET quantity = EXCLUDED.quantity, "updatedAt" = now()`;
    }

    if (shippingRows.length > 0) {
      const marketIdOf = new Map((await tx.market.findMany({ where: { code: { in: shippingRows.map((s) => s.marketCode) } }, select: { id: true, code: true } })).map((m) => [m.code, m.id]));
      for (const s of shippingRows) {
        const key = { marketId: marketIdOf.get(s.marketCode)!, pricelistId: pricelistIdOf.get(s.pricelistCode)!, countryCode: s.countryCode };
        await tx.shippingRate.upsert({
          where: { marketId_pricelistId_countryCode: key },
          create: { ...key, amount: s.amount },
          update: { amount: s.amount },
        });
      }
    }
    for (const t of taxRules) {
      await tx.taxRule.upsert({ where: { countryCode: t.countryCode }, create: t, update: { rate: t.rate } });
    }
    return { warehouseIds, pricelistIds, marketIds, productIds };
  }, TRANSACTION.import);
}

export interface SetStockInput {
  sku: string;
  warehouseCode: string;
  quantity: number;
}

/** Sets the stock of one SKU in one warehouse to an absolute quantity. */
export async function setStock(input: SetStockInput): Promise<SetStockInput> {
  checkCode(input.sku, ['input', 'sku']);
  checkCode(input.warehouseCode, ['input', 'warehouseCode']);
  checkQuantity(input.quantity, ['input', 'quantity'], 0, LIMITS.stockQuantity);
  const [variant, warehouse] = await Promise.all([
    db().variant.findUnique({ where: { sku: input.sku }, select: { id: true } }),
    db().warehouse.findUnique({ where: { code: input.warehouseCode }, select: { id: true } }),
  ]);
  if (!variant) throw new NotFound(`No variant with SKU "${input.sku}"`);
  if (!warehouse) throw new NotFound(`No warehouse "${input.warehouseCode}"`);
  const key = { variantId: variant.id, warehouseId: warehouse.id };
  await db().stockLevel.upsert({
    where: { variantId_warehouseId: key },
    create: { ...key, quantity: input.quantity },
    update: { quantity: input.quantity },
  });
  return input;
}

/** Offers listed at once at most. */
export const OFFERS_PAGE = { default: 20, max: 50 } as const;

/**
 * What a selection may add: the variants priced in its pricelist whose SKU or name contains
 * `search` (any case; all of them when it is empty), by SKU.
 */
export function offersOf(pricelistId: string, search: string | null | undefined): Prisma.PriceWhereInput {
  const text = (search ?? '').trim();
  if (text === '') return { pricelistId };
  return {
    pricelistId,
    variant: { OR: [{ sku: { contains: text, mode: 'insensitive' } }, { name: { contains: text, mode: 'insensitive' } }] },
  };
}
