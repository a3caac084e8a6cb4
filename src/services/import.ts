// importCatalog's steps. parseImport checks each entry on its own and the input's lists;
// readStored reads the stored rows the input refers to; resolveImport checks the references
// between entries and to those rows; writeImport writes with one or two set-based statements
// per table, whatever the number of rows. Every check comes before the first write, and a
// refusal is a ValidationFailed naming the first bad entry the steps meet.
import { v7 as uuidv7 } from 'uuid';
import type { Tx } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { ValidationFailed } from './errors.js';
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

type Path = (...path: (string | number)[]) => string[];

const at: Path = (...path) => ['input', ...path.map(String)];

interface ParsedVariant {
  sku: string;
  name: string;
  /** Amounts are parsed once their pricelist's currency is known (resolveImport). */
  prices: { pricelistCode: string; amount: string }[];
  stock: { warehouseCode: string; quantity: number }[];
  path: Path;
}

/** An input whose entries are each valid, with codes, SKUs and keys unique within each list. */
export interface ParsedImport {
  warehouses: { code: string; name: string }[];
  pricelists: { code: string; name: string; currency: string }[];
  markets: { code: string; name: string; countries: string[]; warehouseCodes: string[] }[];
  products: { code: string; name: string; variants: ParsedVariant[] }[];
  shipping: { marketCode: string; pricelistCode: string; countryCode: string; amount: string }[];
  taxRules: { countryCode: string; rate: string }[];
}

const LISTS = ['warehouses', 'pricelists', 'markets', 'products', 'shipping', 'taxRules'] as const;

/** Checks every entry on its own, and what needs the whole input but no stored rows. */
export function parseImport(input: ImportCatalogInput): ParsedImport {
  const warehouses = (input.warehouses ?? []).map((w, i) => ({
    code: checkCode(w.code, at('warehouses', i, 'code')),
    name: checkText(w.name, at('warehouses', i, 'name')),
  }));
  const pricelists = (input.pricelists ?? []).map((p, i) => ({
    code: checkCode(p.code, at('pricelists', i, 'code')),
    name: checkText(p.name, at('pricelists', i, 'name')),
    currency: checkCurrency(p.currency, at('pricelists', i, 'currency')),
  }));
  for (const list of LISTS) checkListSize(input[list], at(list), LIMITS.importList);
  checkUnique(warehouses, (w) => w.code, at('warehouses'), 'code');
  checkUnique(pricelists, (p) => p.code, at('pricelists'), 'code');
  const markets = (input.markets ?? []).map(parseMarket);
  checkUnique(markets, (m) => m.code, at('markets'), 'code');
  const products = parseProducts(input.products ?? []);
  const shipping = (input.shipping ?? []).map((s, i) => ({
    marketCode: checkCode(s.marketCode, at('shipping', i, 'marketCode')),
    pricelistCode: checkCode(s.pricelistCode, at('shipping', i, 'pricelistCode')),
    countryCode: checkCountry(s.countryCode, at('shipping', i, 'countryCode')),
    amount: s.amount,
  }));
  checkUnique(shipping, (s) => `${s.marketCode}/${s.pricelistCode}/${s.countryCode}`, at('shipping'), 'countryCode');
  const taxRules = (input.taxRules ?? []).map((t, i) => ({
    countryCode: checkCountry(t.countryCode, at('taxRules', i, 'countryCode')),
    rate: formatRate(parseRate(t.rate, at('taxRules', i, 'rate'))),
  }));
  checkUnique(taxRules, (t) => t.countryCode, at('taxRules'), 'countryCode');
  return { warehouses, pricelists, markets, products, shipping, taxRules };
}

function parseMarket(m: NonNullable<ImportCatalogInput['markets']>[number], i: number): ParsedImport['markets'][number] {
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
}

function parseProducts(list: NonNullable<ImportCatalogInput['products']>): ParsedImport['products'] {
  const products = list.map((p, i) => {
    checkListSize(p.variants, at('products', i, 'variants'), LIMITS.variantsPerProduct);
    return {
      code: checkCode(p.code, at('products', i, 'code')),
      name: checkText(p.name, at('products', i, 'name')),
      variants: p.variants.map((v, j) => parseVariant(v, (...rest) => at('products', i, 'variants', j, ...rest))),
    };
  });
  checkUnique(products, (p) => p.code, at('products'), 'code');
  const variants = products.flatMap((p) => p.variants);
  checkListSize(variants, at('products'), LIMITS.importVariants);
  const skus = new Set<string>();
  for (const v of variants) {
    if (skus.has(v.sku)) throw new ValidationFailed(`SKU "${v.sku}" appears twice`, v.path('sku'));
    skus.add(v.sku);
  }
  return products;
}

function parseVariant(v: NonNullable<ImportCatalogInput['products']>[number]['variants'][number], path: Path): ParsedVariant {
  checkListSize(v.prices, path('prices'), LIMITS.variantEntries);
  checkListSize(v.stock, path('stock'), LIMITS.variantEntries);
  const prices = (v.prices ?? []).map((price, k) => ({
    pricelistCode: checkCode(price.pricelistCode, path('prices', k, 'pricelistCode')),
    amount: price.amount,
  }));
  const stock = (v.stock ?? []).map((s, k) => ({
    warehouseCode: checkCode(s.warehouseCode, path('stock', k, 'warehouseCode')),
    quantity: checkQuantity(s.quantity, path('stock', k, 'quantity'), 0, LIMITS.stockQuantity),
  }));
  checkUnique(prices, (x) => x.pricelistCode, path('prices'), 'pricelistCode');
  checkUnique(stock, (x) => x.warehouseCode, path('stock'), 'warehouseCode');
  return { sku: checkCode(v.sku, path('sku')), name: checkText(v.name, path('name')), prices, stock, path };
}

// ---------------------------------------------------------------- resolve

/** The stored rows an import refers to, by code (SKU for productOfSku). */
export interface Stored {
  /** Warehouses named by markets and stock but not imported. */
  warehouses: Map<string, string>;
  /** Pricelists imported or named by prices and shipping. */
  pricelists: Map<string, { id: string; currency: string }>;
  /** Markets named by shipping but not imported. */
  markets: Map<string, { id: string; countries: string[] }>;
  /** The product code of each imported SKU that is stored. */
  productOfSku: Map<string, string>;
  /** How many variants each imported product has stored. */
  variantCounts: Map<string, number>;
}

const missing = (codes: Iterable<string>, imported: { code: string }[]) => {
  const skip = new Set(imported.map((entry) => entry.code));
  return [...new Set(codes)].filter((code) => !skip.has(code));
};

/** No statement for an empty list of codes. */
const lookUp = async <T>(codes: string[], query: (codes: string[]) => Promise<T[]>): Promise<T[]> => (codes.length === 0 ? [] : query(codes));

/** Reads the stored rows the import refers to, one statement after another: a transaction is one connection. */
export async function readStored(tx: Tx, parsed: ParsedImport): Promise<Stored> {
  const variants = parsed.products.flatMap((p) => p.variants);
  const warehouses = await lookUp(
    missing([...parsed.markets.flatMap((m) => m.warehouseCodes), ...variants.flatMap((v) => v.stock.map((s) => s.warehouseCode))], parsed.warehouses),
    (codes) => tx.$queryRaw<{ id: string; code: string }[]>`SELECT id, code FROM "Warehouse" WHERE code = ANY(${codes}::text[])`,
  );
  const pricelists = await lookUp(
    [...new Set([...parsed.pricelists.map((p) => p.code), ...variants.flatMap((v) => v.prices.map((p) => p.pricelistCode)), ...parsed.shipping.map((s) => s.pricelistCode)])],
    (codes) => tx.$queryRaw<{ id: string; code: string; currency: string }[]>`SELECT id, code, currency FROM "Pricelist" WHERE code = ANY(${codes}::text[])`,
  );
  const markets = await lookUp(
    missing(parsed.shipping.map((s) => s.marketCode), parsed.markets),
    (codes) => tx.$queryRaw<{ id: string; code: string; countries: string[] }[]>`SELECT id, code, countries::text[] AS countries FROM "Market" WHERE code = ANY(${codes}::text[])`,
  );
  const owners = await lookUp(variants.map((v) => v.sku), (skus) => tx.$queryRaw<{ sku: string; code: string }[]>`
    SELECT v.sku, p.code FROM "Variant" v JOIN "Product" p ON p.id = v."productId" WHERE v.sku = ANY(${skus}::text[])`);
  const counts = await lookUp(parsed.products.map((p) => p.code), (codes) => tx.$queryRaw<{ code: string; count: number }[]>`
    SELECT p.code, count(*)::int AS count FROM "Product" p JOIN "Variant" v ON v."productId" = p.id WHERE p.code = ANY(${codes}::text[]) GROUP BY p.code`);
  return {
    warehouses: new Map(warehouses.map((w) => [w.code, w.id])),
    pricelists: new Map(pricelists.map((p) => [p.code, p])),
    markets: new Map(markets.map((m) => [m.code, m])),
    productOfSku: new Map(owners.map((v) => [v.sku, v.code])),
    variantCounts: new Map(counts.map((c) => [c.code, c.count])),
  };
}

/** An import whose references all resolve, with amounts in minor units. */
export interface ResolvedImport {
  parsed: ParsedImport;
  stored: Stored;
  prices: { sku: string; pricelistCode: string; amount: bigint }[];
  stock: { sku: string; warehouseCode: string; quantity: number }[];
  shipping: { marketCode: string; pricelistCode: string; countryCode: string; amount: bigint }[];
}

/** References resolve against this import first, then what is stored. */
export function resolveImport(parsed: ParsedImport, stored: Stored): ResolvedImport {
  const currencyOf = new Map([...stored.pricelists].map(([code, p]) => [code, p.currency]));
  parsed.pricelists.forEach((p, i) => {
    const current = currencyOf.get(p.code);
    if (current && current !== p.currency) {
      throw new ValidationFailed(`Pricelist ${p.code} is in ${current}; its currency cannot change`, at('pricelists', i, 'currency'));
    }
    currencyOf.set(p.code, p.currency);
  });
  const warehouseCodes = new Set([...stored.warehouses.keys(), ...parsed.warehouses.map((w) => w.code)]);
  parsed.markets.forEach((m, i) => m.warehouseCodes.forEach((code, j) => {
    if (!warehouseCodes.has(code)) throw new ValidationFailed(`Unknown warehouse "${code}"`, at('markets', i, 'warehouseCodes', j));
  }));
  const { prices, stock } = resolveVariants(parsed.products, stored.productOfSku, warehouseCodes, currencyOf);
  const shipping = resolveShipping(parsed, stored.markets, currencyOf);
  checkVariantCounts(parsed.products, stored);
  return { parsed, stored, prices, stock, shipping };
}

function resolveVariants(
  products: ParsedImport['products'],
  productOfSku: Map<string, string>,
  warehouseCodes: Set<string>,
  currencyOf: Map<string, string>,
): Pick<ResolvedImport, 'prices' | 'stock'> {
  const prices: ResolvedImport['prices'] = [];
  const stock: ResolvedImport['stock'] = [];
  for (const { code, variants } of products) {
    for (const v of variants) {
      const owner = productOfSku.get(v.sku);
      if (owner && owner !== code) throw new ValidationFailed(`SKU "${v.sku}" belongs to product ${owner}`, v.path('sku'));
      v.stock.forEach((s, k) => {
        if (!warehouseCodes.has(s.warehouseCode)) throw new ValidationFailed(`Unknown warehouse "${s.warehouseCode}"`, v.path('stock', k, 'warehouseCode'));
        stock.push({ sku: v.sku, ...s });
      });
      v.prices.forEach((price, k) => {
        const currency = currencyOf.get(price.pricelistCode);
        if (!currency) throw new ValidationFailed(`Unknown pricelist "${price.pricelistCode}"`, v.path('prices', k, 'pricelistCode'));
        prices.push({ sku: v.sku, pricelistCode: price.pricelistCode, amount: parseMoney(price.amount, currency, v.path('prices', k, 'amount')) });
      });
    }
  }
  return { prices, stock };
}

function resolveShipping(parsed: ParsedImport, storedMarkets: Stored['markets'], currencyOf: Map<string, string>): ResolvedImport['shipping'] {
  const countriesOf = new Map([...storedMarkets].map(([code, m]) => [code, m.countries]));
  for (const m of parsed.markets) countriesOf.set(m.code, m.countries);
  return parsed.shipping.map((s, i) => {
    const countries = countriesOf.get(s.marketCode);
    if (!countries) throw new ValidationFailed(`Unknown market "${s.marketCode}"`, at('shipping', i, 'marketCode'));
    const currency = currencyOf.get(s.pricelistCode);
    if (!currency) throw new ValidationFailed(`Unknown pricelist "${s.pricelistCode}"`, at('shipping', i, 'pricelistCode'));
    if (!countries.includes(s.countryCode)) {
      throw new ValidationFailed(`Market ${s.marketCode} does not serve ${s.countryCode}`, at('shipping', i, 'countryCode'));
    }
    return { ...s, amount: parseMoney(s.amount, currency, at('shipping', i, 'amount')) };
  });
}

/** Imports add variants to what a product has: the total is bounded, as its readers count on. */
function checkVariantCounts(products: ParsedImport['products'], stored: Stored): void {
  products.forEach((p, i) => {
    const count = (stored.variantCounts.get(p.code) ?? 0) + p.variants.filter((v) => !stored.productOfSku.has(v.sku)).length;
    if (count > LIMITS.variantsPerProduct) {
      throw new ValidationFailed(
        `A product has at most ${LIMITS.variantsPerProduct} variants: this import would give "${p.code}" ${count}`,
        at('products', i, 'variants'),
      );
    }
  });
}

// ---------------------------------------------------------------- write

type Ids = Map<string, string>;

const newIds = (rows: unknown[]) => rows.map(() => uuidv7());
const idsByCode = (rows: { id: string; code: string }[]): Ids => new Map(rows.map((row) => [row.code, row.id]));

/**
 * Writes a resolved import: each table with one statement (markets' warehouse lists with two),
 * none for a table the import leaves alone. Codes and SKUs are unique within an import, so no
 * statement meets the same row twice.
 */
export async function writeImport(tx: Tx, { parsed, stored, prices, stock, shipping }: ResolvedImport): Promise<ImportCatalogResult> {
  const warehouseIdOf = new Map([...stored.warehouses, ...(await upsertNamed(tx, 'Warehouse', parsed.warehouses))]);
  const pricelistIdOf = new Map([...[...stored.pricelists].map(([code, p]) => [code, p.id] as const), ...(await upsertPricelists(tx, parsed.pricelists))]);
  const marketIdOf = new Map([...[...stored.markets].map(([code, m]) => [code, m.id] as const), ...(await upsertMarkets(tx, parsed.markets, warehouseIdOf))]);
  const productIdOf = await upsertNamed(tx, 'Product', parsed.products);
  const variantIdOf = await upsertVariants(tx, parsed.products, productIdOf);
  if (prices.length > 0) {
    await tx.$executeRaw`
      INSERT INTO "Price" ("variantId", "pricelistId", amount)
      SELECT * FROM unnest(${prices.map((p) => variantIdOf.get(p.sku)!)}::uuid[], ${prices.map((p) => pricelistIdOf.get(p.pricelistCode)!)}::uuid[], ${prices.map((p) => p.amount.toString())}::bigint[])
      ON CONFLICT ("variantId", "pricelistId") DO UPDATE SET amount = EXCLUDED.amount`;
  }
  if (stock.length > 0) {
    await tx.$executeRaw`
      INSERT INTO "StockLevel" ("variantId", "warehouseId", quantity)
      SELECT * FROM unnest(${stock.map((s) => variantIdOf.get(s.sku)!)}::uuid[], ${stock.map((s) => warehouseIdOf.get(s.warehouseCode)!)}::uuid[], ${stock.map((s) => s.quantity)}::int[])
      ON CONFLICT ("variantId", "warehouseId") DO UPDATE SET quantity = EXCLUDED.quantity, "updatedAt" = now()`;
  }
  if (shipping.length > 0) {
    await tx.$executeRaw`
      INSERT INTO "ShippingRate" ("marketId", "pricelistId", "countryCode", amount)
      SELECT * FROM unnest(
        ${shipping.map((s) => marketIdOf.get(s.marketCode)!)}::uuid[], ${shipping.map((s) => pricelistIdOf.get(s.pricelistCode)!)}::uuid[],
        ${shipping.map((s) => s.countryCode)}::text[], ${shipping.map((s) => s.amount.toString())}::bigint[]
      )
      ON CONFLICT ("marketId", "pricelistId", "countryCode") DO UPDATE SET amount = EXCLUDED.amount`;
  }
  if (parsed.taxRules.length > 0) {
    await tx.$executeRaw`
      INSERT INTO "TaxRule" ("countryCode", rate)
      SELECT * FROM unnest(${parsed.taxRules.map((t) => t.countryCode)}::text[], ${parsed.taxRules.map((t) => t.rate)}::numeric[])
      ON CONFLICT ("countryCode") DO UPDATE SET rate = EXCLUDED.rate`;
  }
  return {
    warehouseIds: parsed.warehouses.map((w) => warehouseIdOf.get(w.code)!),
    pricelistIds: parsed.pricelists.map((p) => pricelistIdOf.get(p.code)!),
    marketIds: parsed.markets.map((m) => marketIdOf.get(m.code)!),
    productIds: parsed.products.map((p) => productIdOf.get(p.code)!),
  };
}

/** Inserts or renames rows of a table keyed by `code`; returns each code's id. */
async function upsertNamed(tx: Tx, table: 'Warehouse' | 'Product', rows: { code: string; name: string }[]): Promise<Ids> {
  if (rows.length === 0) return new Map();
  return idsByCode(await tx.$queryRaw<{ id: string; code: string }[]>`
    INSERT INTO ${Prisma.raw(`"${table}"`)} (id, code, name)
    SELECT * FROM unnest(${newIds(rows)}::uuid[], ${rows.map((r) => r.code)}::text[], ${rows.map((r) => r.name)}::text[])
    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name
    RETURNING id, code`);
}

/** A stored pricelist keeps its currency (a change was refused by resolveImport). */
async function upsertPricelists(tx: Tx, rows: ParsedImport['pricelists']): Promise<Ids> {
  if (rows.length === 0) return new Map();
  return idsByCode(await tx.$queryRaw<{ id: string; code: string }[]>`
    INSERT INTO "Pricelist" (id, code, name, currency)
    SELECT * FROM unnest(${newIds(rows)}::uuid[], ${rows.map((p) => p.code)}::text[], ${rows.map((p) => p.name)}::text[], ${rows.map((p) => p.currency)}::text[])
    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name
    RETURNING id, code`);
}

/** Markets with their countries and warehouse lists, each replaced as a whole. */
async function upsertMarkets(tx: Tx, rows: ParsedImport['markets'], warehouseIdOf: Ids): Promise<Ids> {
  if (rows.length === 0) return new Map();
  // Country codes are two letters (checked): a comma-joined list is one text per market.
  const idOf = idsByCode(await tx.$queryRaw<{ id: string; code: string }[]>`
    INSERT INTO "Market" (id, code, name, countries)
    SELECT id, code, name, string_to_array(countries, ',')
    FROM unnest(${newIds(rows)}::uuid[], ${rows.map((m) => m.code)}::text[], ${rows.map((m) => m.name)}::text[], ${rows.map((m) => m.countries.join(','))}::text[])
      AS market(id, code, name, countries)
    ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, countries = EXCLUDED.countries
    RETURNING id, code`);
  const links = rows.flatMap((m) => m.warehouseCodes.map((code, position) => ({ marketId: idOf.get(m.code)!, warehouseId: warehouseIdOf.get(code)!, position })));
  await tx.$executeRaw`DELETE FROM "MarketWarehouse" WHERE "marketId" = ANY(${[...idOf.values()]}::uuid[])`;
  if (links.length > 0) {
    await tx.$executeRaw`
      INSERT INTO "MarketWarehouse" ("marketId", "warehouseId", position)
      SELECT * FROM unnest(${links.map((l) => l.marketId)}::uuid[], ${links.map((l) => l.warehouseId)}::uuid[], ${links.map((l) => l.position)}::int[])`;
  }
  return idOf;
}

/** A stored SKU keeps its product (a SKU of another product was refused by resolveImport). */
async function upsertVariants(tx: Tx, products: ParsedImport['products'], productIdOf: Ids): Promise<Ids> {
  const rows = products.flatMap((p) => p.variants.map((v) => ({ productId: productIdOf.get(p.code)!, sku: v.sku, name: v.name })));
  if (rows.length === 0) return new Map();
  const upserted = await tx.$queryRaw<{ id: string; sku: string }[]>`
    INSERT INTO "Variant" (id, sku, name, "productId")
    SELECT * FROM unnest(${newIds(rows)}::uuid[], ${rows.map((v) => v.sku)}::text[], ${rows.map((v) => v.name)}::text[], ${rows.map((v) => v.productId)}::uuid[])
    ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name
    RETURNING id, sku`;
  return new Map(upserted.map((v) => [v.sku, v.id]));
}
