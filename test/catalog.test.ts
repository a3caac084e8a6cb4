// The catalog: importCatalog (upserts by code / SKU, validation, all-or-nothing), setStock,
// the admin catalog reads and who may use them.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import { ADMIN_KEY, asAdmin, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { countsOf, createSelection, databaseState, handToSession, rowCounts, seedCatalog } from './helpers/fixtures.js';
import { graphql } from './gql/index.js';
import type { CatalogTestImportCodesMutation, CatalogTestImportMutation, ImportCatalogInput, SetStockInput } from './gql/graphql.js';

// ---------------------------------------------------------------- documents

const ImportDoc = graphql(`
  mutation CatalogTestImport($input: ImportCatalogInput!) {
    importCatalog(input: $input) { __typename ...TestFailure ... on ImportCatalogSuccess {
      warehouses { id code name } pricelists { id code name currency } markets { id code name countries warehouses { code } }
      products { id code name variants { sku name product { code } } } } }
  }
`);

// For imports of 1,000 entries: their codes only. ImportDoc's nested lists (a market's 250
// countries, a product's 200 variants) would take 1,000 entries past the admin's answer size.
const ImportCodesDoc = graphql(`
  mutation CatalogTestImportCodes($input: ImportCatalogInput!) {
    importCatalog(input: $input) { __typename ...TestFailure ... on ImportCatalogSuccess { warehouses { code } pricelists { code } markets { code } products { code } } }
  }
`);

const SetStockDoc = graphql(`
  mutation CatalogTestSetStock($input: SetStockInput!) {
    setStock(input: $input) { __typename ...TestFailure ... on SetStockSuccess { sku warehouseCode quantity } }
  }
`);

const WarehousePage = graphql(`
  query CatalogTestWarehousePage($first: Int, $after: String) {
    warehouses(first: $first, after: $after) { edges { cursor node { id code name } } pageInfo { hasNextPage endCursor } }
  }
`);

const MarketPage = graphql(`
  query CatalogTestMarketPage($first: Int, $after: String) {
    markets(first: $first, after: $after) { edges { cursor node { code name countries warehouses { code } } } pageInfo { hasNextPage endCursor } }
  }
`);

const PricelistPage = graphql(`
  query CatalogTestPricelistPage($first: Int, $after: String) {
    pricelists(first: $first, after: $after) { edges { cursor node { code name currency } } pageInfo { hasNextPage endCursor } }
  }
`);

const ProductPage = graphql(`
  query CatalogTestProductPage($first: Int, $after: String) {
    products(first: $first, after: $after) { edges { cursor node { code name variants { sku name } } } pageInfo { hasNextPage endCursor } }
  }
`);

const VariantBySku = graphql(`
  query CatalogTestVariant($sku: String!) {
    variant(sku: $sku) { id sku name product { code name variants { sku } } }
  }
`);

// Malformed Decimal literals: the scalar refuses them before any resolver runs.
const PriceLiteralComma = graphql(`
  mutation CatalogTestPriceLiteralComma {
    importCatalog(input: { products: [{ code: "LIT-P", name: "Literal", variants: [{ sku: "LIT-1", name: "Literal", prices: [{ pricelistCode: "SEK", amount: "12,50" }] }] }] }) {
      __typename
    }
  }
`);
const PriceLiteralWord = graphql(`
  mutation CatalogTestPriceLiteralWord {
    importCatalog(input: { products: [{ code: "LIT-P", name: "Literal", variants: [{ sku: "LIT-1", name: "Literal", prices: [{ pricelistCode: "SEK", amount: "abc" }] }] }] }) {
      __typename
    }
  }
`);
const PriceLiteralFloat = graphql(`
  mutation CatalogTestPriceLiteralFloat {
    importCatalog(input: { products: [{ code: "LIT-P", name: "Literal", variants: [{ sku: "LIT-1", name: "Literal", prices: [{ pricelistCode: "SEK", amount: 12.5 }] }] }] }) {
      __typename
    }
  }
`);
const TaxLiteralFloat = graphql(`
  mutation CatalogTestTaxLiteralFloat {
    importCatalog(input: { taxRules: [{ countryCode: "DE", rate: 19 }] }) {
      __typename
    }
  }
`);

// ---------------------------------------------------------------- helpers

type ImportResult = CatalogTestImportMutation['importCatalog'];
type ImportSuccess = Extract<ImportResult, { __typename: 'ImportCatalogSuccess' }>;

let t: TestApp;

async function runImport(input: ImportCatalogInput): Promise<ImportResult> {
  return (await t.admin(ImportDoc, { input })).importCatalog;
}

async function runImportCodes(input: ImportCatalogInput): Promise<CatalogTestImportCodesMutation['importCatalog']> {
  return (await t.admin(ImportCodesDoc, { input })).importCatalog;
}

function expectSuccess(result: ImportResult): ImportSuccess {
  if (result.__typename !== 'ImportCatalogSuccess') {
    throw new Error(`expected ImportCatalogSuccess, got ${JSON.stringify(result)}`);
  }
  return result;
}

async function importOk(input: ImportCatalogInput): Promise<ImportSuccess> {
  return expectSuccess(await runImport(input));
}

async function stockOf(sku: string, warehouseCode: string): Promise<number | null> {
  const row = await db().stockLevel.findFirst({
    where: { variant: { sku }, warehouse: { code: warehouseCode } },
    select: { quantity: true },
  });
  return row?.quantity ?? null;
}

async function priceOf(sku: string, pricelistCode: string): Promise<bigint | null> {
  const row = await db().price.findFirst({
    where: { variant: { sku }, pricelist: { code: pricelistCode } },
    select: { amount: true },
  });
  return row?.amount ?? null;
}

/** Stored before the tests; a refused import also tries to change all of it (see withNoise). */
const noiseSeed: ImportCatalogInput = {
  warehouses: [{ code: 'NOISE-W', name: 'Noise warehouse' }],
  pricelists: [{ code: 'NOISE-PL', name: 'Noise pricelist', currency: 'EUR' }],
  markets: [{ code: 'NOISE-M', name: 'Noise market', countries: ['FI'], warehouseCodes: ['NOISE-W'] }],
  products: [{
    code: 'NOISE-P', name: 'Noise product',
    variants: [{
      sku: 'NOISE-SKU', name: 'Noise variant',
      prices: [{ pricelistCode: 'NOISE-PL', amount: '10.00' }],
      stock: [{ warehouseCode: 'NOISE-W', quantity: 10 }],
    }],
  }],
  shipping: [{ marketCode: 'NOISE-M', pricelistCode: 'NOISE-PL', countryCode: 'FI', amount: '5.00' }],
  taxRules: [{ countryCode: 'FI', rate: '24' }],
};

/**
 * Fills every list the input does not use with valid entries that would rename, re-price,
 * re-stock and create things: when the import is refused, none of that may be written.
 */
function withNoise(input: ImportCatalogInput): ImportCatalogInput {
  return {
    warehouses: input.warehouses ?? [{ code: 'NOISE-W', name: 'Renamed' }, { code: 'NOISE-W-NEW', name: 'New' }],
    pricelists: input.pricelists ?? [
      { code: 'NOISE-PL', name: 'Renamed', currency: 'EUR' },
      { code: 'NOISE-PL-NEW', name: 'New', currency: 'EUR' },
    ],
    markets: input.markets ?? [
      { code: 'NOISE-M', name: 'Renamed', countries: ['FI', 'EE'], warehouseCodes: ['W1', 'NOISE-W'] },
      { code: 'NOISE-M-NEW', name: 'New', countries: ['EE'], warehouseCodes: ['NOISE-W'] },
    ],
    products: input.products ?? [{
      code: 'NOISE-P', name: 'Renamed',
      variants: [
        {
          sku: 'NOISE-SKU', name: 'Renamed',
          prices: [{ pricelistCode: 'NOISE-PL', amount: '11.00' }],
          stock: [{ warehouseCode: 'NOISE-W', quantity: 11 }, { warehouseCode: 'W1', quantity: 1 }],
        },
        { sku: 'NOISE-SKU-NEW', name: 'New', prices: [{ pricelistCode: 'SEK', amount: '1.00' }] },
      ],
    }],
    shipping: input.shipping ?? [{ marketCode: 'NOISE-M', pricelistCode: 'NOISE-PL', countryCode: 'FI', amount: '6.00' }],
    taxRules: input.taxRules ?? [{ countryCode: 'FI', rate: '25.5' }],
  };
}

/** The import is a ValidationError naming `path`, and nothing at all was written. */
async function expectRefused(input: ImportCatalogInput, path: string[], run: typeof runImportCodes = runImport): Promise<void> {
  const before = await databaseState();
  const result = await run(withNoise(input));
  if (result.__typename !== 'ValidationError') throw new Error(`expected ValidationError, got ${JSON.stringify(result)}`);
  expect(result.code).toBe('VALIDATION');
  expect(result.message).not.toBe('');
  expect(result.path).toEqual(path);
  expect(await databaseState()).toEqual(before);
}

/** A request that GraphQL itself refuses (a bad scalar): errors, no data, nothing written. */
async function expectGraphQLError<V>(message: RegExp, document: TypedDocumentNode<unknown, V>, variables?: V): Promise<void> {
  const before = await databaseState();
  const response = await t.request(document, variables, asAdmin);
  expect(response.errors?.length ?? 0).toBeGreaterThan(0);
  expect(response.errors?.[0]?.message).toMatch(message);
  expect(response.data ?? null).toBeNull();
  expect(await databaseState()).toEqual(before);
}

const product = (code: string, variants: NonNullable<ImportCatalogInput['products']>[number]['variants']) => ({
  code, name: `Product ${code}`, variants,
});
const variantWithPrice = (sku: string, pricelistCode: string, amount: string) => ({
  sku, name: `Variant ${sku}`, prices: [{ pricelistCode, amount }],
});
const variantWithStock = (sku: string, quantity: number, warehouseCode = 'W1') => ({
  sku, name: `Variant ${sku}`, stock: [{ warehouseCode, quantity }],
});
const pad = (n: number) => String(n).padStart(4, '0');

beforeAll(async () => {
  t = await startTestApp();
  await seedCatalog(t);
  await importOk(noiseSeed);
});
afterAll(() => t.stop());

// ---------------------------------------------------------------- upserts

describe('importCatalog upserts by code and SKU', () => {
  it('creates everything, resolving references to entries of the same import', async () => {
    const result = await importOk({
      warehouses: [{ code: 'NEW-W', name: 'New warehouse' }],
      pricelists: [{ code: 'NEW-PL', name: 'New pricelist', currency: 'KWD' }],
      markets: [{ code: 'NEW-M', name: 'New market', countries: ['KW', 'BH'], warehouseCodes: ['NEW-W', 'W1'] }],
      products: [{
        code: 'NEW-P', name: 'New product',
        variants: [{
          sku: 'NEW-SKU', name: 'New variant',
          prices: [{ pricelistCode: 'NEW-PL', amount: '1.001' }, { pricelistCode: 'SEK', amount: '10' }],
          stock: [{ warehouseCode: 'NEW-W', quantity: 4 }, { warehouseCode: 'W2', quantity: 0 }],
        }],
      }],
      shipping: [{ marketCode: 'NEW-M', pricelistCode: 'NEW-PL', countryCode: 'BH', amount: '2.500' }],
      taxRules: [{ countryCode: 'BH', rate: '10' }],
    });
    expect(result.warehouses).toMatchObject([{ code: 'NEW-W', name: 'New warehouse' }]);
    expect(result.pricelists).toMatchObject([{ code: 'NEW-PL', name: 'New pricelist', currency: 'KWD' }]);
    expect(result.markets).toMatchObject([
      { code: 'NEW-M', name: 'New market', countries: ['KW', 'BH'], warehouses: [{ code: 'NEW-W' }, { code: 'W1' }] },
    ]);
    expect(result.products).toMatchObject([
      { code: 'NEW-P', name: 'New product', variants: [{ sku: 'NEW-SKU', name: 'New variant', product: { code: 'NEW-P' } }] },
    ]);
    expect(await priceOf('NEW-SKU', 'NEW-PL')).toBe(1001n);
    expect(await priceOf('NEW-SKU', 'SEK')).toBe(1000n);
    expect(await stockOf('NEW-SKU', 'NEW-W')).toBe(4);
    expect(await stockOf('NEW-SKU', 'W2')).toBe(0);
    const rate = await db().shippingRate.findFirst({ where: { market: { code: 'NEW-M' }, countryCode: 'BH' } });
    expect(rate?.amount).toBe(2500n);
    const tax = await db().taxRule.findUnique({ where: { countryCode: 'BH' } });
    expect(tax?.rate.toString()).toBe('10');
  });

  it('writes any number of entries with the same statements', async () => {
    const countries = ['AT', 'BE', 'CZ', 'HU', 'PL', 'PT', 'RO', 'SK'];
    // n of each list, referring to each other and to stored rows (W1, SEK, market SE).
    const entries = (prefix: string, n: number): ImportCatalogInput => {
      const each = <T>(make: (code: string, i: number) => T) => Array.from({ length: n }, (_, i) => make(`${prefix}-${i}`, i));
      return {
        warehouses: each((code) => ({ code, name: 'W' })),
        pricelists: each((code) => ({ code, name: 'P', currency: 'EUR' })),
        markets: each((code) => ({ code, name: 'M', countries: ['DE', 'AT'], warehouseCodes: [code, 'W1'] })),
        products: each((code) => product(code, [1, 2, 3].map((v) => ({
          sku: `${code}-${v}`, name: 'V',
          prices: [{ pricelistCode: code, amount: '1.00' }, { pricelistCode: 'SEK', amount: '2.00' }],
          stock: [{ warehouseCode: code, quantity: v }, { warehouseCode: 'W1', quantity: v }],
        })))),
        shipping: each((code) => [
          { marketCode: code, pricelistCode: code, countryCode: 'DE', amount: '3.00' },
          { marketCode: 'SE', pricelistCode: code, countryCode: 'DK', amount: '4.00' },
        ]).flat(),
        taxRules: each((_code, i) => ({ countryCode: countries[i]!, rate: '20' })),
      };
    };
    const statements = async (input: ImportCatalogInput) => {
      const before = t.database.queryCount();
      expect((await runImportCodes(input)).__typename).toBe('ImportCatalogSuccess');
      return t.database.queryCount() - before;
    };
    const one = await statements(entries('STMT-ONE', 1));
    expect(await statements(entries('STMT-MANY', countries.length))).toBe(one);
    expect(await stockOf('STMT-MANY-7-3', 'W1')).toBe(3);
  });

  it('updates on a second import with changed names instead of duplicating', async () => {
    const input = (suffix: string): ImportCatalogInput => ({
      warehouses: [{ code: 'UPD-W', name: `Warehouse ${suffix}` }],
      pricelists: [{ code: 'UPD-PL', name: `Pricelist ${suffix}`, currency: 'SEK' }],
      markets: [{ code: 'UPD-M', name: `Market ${suffix}`, countries: ['SE'], warehouseCodes: ['UPD-W'] }],
      products: [{
        code: 'UPD-P', name: `Product ${suffix}`,
        variants: [{ sku: 'UPD-SKU', name: `Variant ${suffix}`, prices: [{ pricelistCode: 'UPD-PL', amount: '5.00' }] }],
      }],
    });
    const first = await importOk(input('one'));
    const countsAfterFirst = await rowCounts();
    const second = await importOk(input('two'));

    expect(await rowCounts()).toEqual(countsAfterFirst);
    expect(second.warehouses).toEqual([{ id: first.warehouses[0]!.id, code: 'UPD-W', name: 'Warehouse two' }]);
    expect(second.pricelists).toEqual([{ id: first.pricelists[0]!.id, code: 'UPD-PL', name: 'Pricelist two', currency: 'SEK' }]);
    expect(second.markets[0]).toMatchObject({ id: first.markets[0]!.id, name: 'Market two' });
    expect(second.products[0]).toMatchObject({
      id: first.products[0]!.id, name: 'Product two', variants: [{ sku: 'UPD-SKU', name: 'Variant two' }],
    });
    const variant = await t.admin(VariantBySku, { sku: 'UPD-SKU' });
    expect(variant.variant).toMatchObject({ sku: 'UPD-SKU', name: 'Variant two', product: { code: 'UPD-P', name: 'Product two' } });
  });

  it('leaves alone what the import does not name', async () => {
    await importOk({
      warehouses: [{ code: 'KEEP-W1', name: 'Keep 1' }, { code: 'KEEP-W2', name: 'Keep 2' }],
      pricelists: [{ code: 'KEEP-PL', name: 'Keep', currency: 'EUR' }],
      products: [{
        code: 'KEEP-P', name: 'Keep product',
        variants: [
          {
            sku: 'KEEP-A', name: 'Keep A',
            prices: [{ pricelistCode: 'SEK', amount: '10.00' }, { pricelistCode: 'KEEP-PL', amount: '1.00' }],
            stock: [{ warehouseCode: 'KEEP-W1', quantity: 1 }, { warehouseCode: 'KEEP-W2', quantity: 2 }],
          },
          { sku: 'KEEP-B', name: 'Keep B', prices: [{ pricelistCode: 'SEK', amount: '20.00' }] },
        ],
      }],
    });
    const before = await databaseState();

    // Names one warehouse, one variant, one of its prices and one of its stock levels.
    await importOk({
      warehouses: [{ code: 'KEEP-W1', name: 'Keep 1 renamed' }],
      products: [{
        code: 'KEEP-P', name: 'Keep product',
        variants: [{
          sku: 'KEEP-A', name: 'Keep A',
          prices: [{ pricelistCode: 'SEK', amount: '12.00' }],
          stock: [{ warehouseCode: 'KEEP-W1', quantity: 7 }],
        }],
      }],
    });

    const after = await databaseState();
    expect(countsOf(after)).toEqual(countsOf(before));
    expect(after.Warehouse.find((w) => w.code === 'KEEP-W2')?.name).toBe('Keep 2');
    expect(after.Warehouse.find((w) => w.code === 'KEEP-W1')?.name).toBe('Keep 1 renamed');
    const keepProduct = after.Product.find((p) => p.code === 'KEEP-P')?.id;
    expect(after.Variant.filter((v) => v.productId === keepProduct).map((v) => v.sku).sort()).toEqual(['KEEP-A', 'KEEP-B']);
    expect(await priceOf('KEEP-A', 'SEK')).toBe(1200n);
    expect(await priceOf('KEEP-A', 'KEEP-PL')).toBe(100n);
    expect(await priceOf('KEEP-B', 'SEK')).toBe(2000n);
    expect(await stockOf('KEEP-A', 'KEEP-W1')).toBe(7);
    expect(await stockOf('KEEP-A', 'KEEP-W2')).toBe(2);
    // A variant named with no prices and no stock keeps both.
    await importOk({ products: [{ code: 'KEEP-P', name: 'Keep product', variants: [{ sku: 'KEEP-A', name: 'Keep A again' }] }] });
    expect(await priceOf('KEEP-A', 'SEK')).toBe(1200n);
    expect(await stockOf('KEEP-A', 'KEEP-W2')).toBe(2);
    // Other things are untouched throughout.
    const end = await databaseState();
    const { Warehouse: _w, Variant: _v, Price: _p, StockLevel: _s, ...rest } = end;
    const { Warehouse: _bw, Variant: _bv, Price: _bp, StockLevel: _bs, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    expect(countsOf(end)).toEqual(countsOf(before));
  });

  it('replaces a market\'s countries and its warehouse list, keeping the allocation order given', async () => {
    await importOk({
      markets: [{ code: 'REPL-M', name: 'Replace', countries: ['SE', 'NO'], warehouseCodes: ['W1', 'W2', 'NOISE-W'] }],
    });
    const replaced = await importOk({
      markets: [{ code: 'REPL-M', name: 'Replace', countries: ['DK'], warehouseCodes: ['NOISE-W', 'W1'] }],
    });
    expect(replaced.markets).toMatchObject([{ code: 'REPL-M', countries: ['DK'], warehouses: [{ code: 'NOISE-W' }, { code: 'W1' }] }]);

    const stored = await db().market.findUniqueOrThrow({
      where: { code: 'REPL-M' },
      select: { countries: true, warehouses: { select: { warehouse: { select: { code: true } } }, orderBy: { position: 'asc' } } },
    });
    expect(stored.countries).toEqual(['DK']);
    expect(stored.warehouses.map((w) => w.warehouse.code)).toEqual(['NOISE-W', 'W1']);

    // The countries of the import count from now on: the dropped NO cannot be given shipping.
    await expectRefused(
      { shipping: [{ marketCode: 'REPL-M', pricelistCode: 'SEK', countryCode: 'NO', amount: '1.00' }] },
      ['input', 'shipping', '0', 'countryCode'],
    );
    // Within one import, the market's new countries are the ones that count.
    await expectRefused(
      {
        markets: [{ code: 'REPL-M', name: 'Replace', countries: ['FI'], warehouseCodes: ['W1'] }],
        shipping: [{ marketCode: 'REPL-M', pricelistCode: 'SEK', countryCode: 'DK', amount: '1.00' }],
      },
      ['input', 'shipping', '0', 'countryCode'],
    );
    const single = await importOk({
      markets: [{ code: 'REPL-M', name: 'Replace', countries: ['FI'], warehouseCodes: ['W2'] }],
      shipping: [{ marketCode: 'REPL-M', pricelistCode: 'SEK', countryCode: 'FI', amount: '1.00' }],
    });
    expect(single.markets).toMatchObject([{ countries: ['FI'], warehouses: [{ code: 'W2' }] }]);
  });

  it('upserts prices and stock levels', async () => {
    await importOk({
      products: [product('PS-P', [{
        sku: 'PS-1', name: 'PS 1',
        prices: [{ pricelistCode: 'SEK', amount: '149.00' }, { pricelistCode: 'JPY', amount: '2000' }],
        stock: [{ warehouseCode: 'W1', quantity: 10 }],
      }])],
      shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'DK', amount: '79.00' }],
      taxRules: [{ countryCode: 'DK', rate: '25' }],
    });
    const counts = await rowCounts();
    await importOk({
      products: [product('PS-P', [{
        sku: 'PS-1', name: 'PS 1',
        prices: [{ pricelistCode: 'SEK', amount: '159.5' }, { pricelistCode: 'JPY', amount: '2100' }],
        stock: [{ warehouseCode: 'W1', quantity: 3 }],
      }])],
      shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'DK', amount: '89' }],
      taxRules: [{ countryCode: 'DK', rate: '12.5' }],
    });
    expect(await rowCounts()).toEqual(counts);
    expect(await priceOf('PS-1', 'SEK')).toBe(15950n);
    expect(await priceOf('PS-1', 'JPY')).toBe(2100n);
    expect(await stockOf('PS-1', 'W1')).toBe(3);
    const rate = await db().shippingRate.findFirst({ where: { market: { code: 'SE' }, pricelist: { code: 'SEK' }, countryCode: 'DK' } });
    expect(rate?.amount).toBe(8900n);
    expect((await db().taxRule.findUnique({ where: { countryCode: 'DK' } }))?.rate.toString()).toBe('12.5');
  });

  it('lists the imported entities in input order, created and updated alike', async () => {
    const result = await importOk({
      warehouses: [{ code: 'ORD-W-C', name: 'C' }, { code: 'W2', name: 'Gothenburg' }, { code: 'ORD-W-A', name: 'A' }],
      pricelists: [{ code: 'ORD-PL-Z', name: 'Z', currency: 'EUR' }, { code: 'SEK', name: 'Sweden retail', currency: 'SEK' }, { code: 'ORD-PL-B', name: 'B', currency: 'USD' }],
      markets: [
        { code: 'ORD-M-Z', name: 'Z', countries: ['DE'], warehouseCodes: ['ORD-W-A'] },
        { code: 'ORD-M-A', name: 'A', countries: ['FR'], warehouseCodes: ['ORD-W-C', 'ORD-W-A'] },
      ],
      products: [
        product('ORD-P-Z', [{ sku: 'ORD-Z-3', name: 'Z3' }, { sku: 'ORD-Z-1', name: 'Z1' }, { sku: 'ORD-Z-2', name: 'Z2' }]),
        product('MUG', [{ sku: 'MUG', name: 'Mug' }]),
        product('ORD-P-A', [{ sku: 'ORD-A-1', name: 'A1' }]),
      ],
    });
    expect(result.warehouses.map((w) => w.code)).toEqual(['ORD-W-C', 'W2', 'ORD-W-A']);
    expect(result.pricelists.map((p) => p.code)).toEqual(['ORD-PL-Z', 'SEK', 'ORD-PL-B']);
    expect(result.markets.map((m) => m.code)).toEqual(['ORD-M-Z', 'ORD-M-A']);
    expect(result.products.map((p) => p.code)).toEqual(['ORD-P-Z', 'MUG', 'ORD-P-A']);
    // Product.variants are by SKU.
    expect(result.products[0]!.variants.map((v) => v.sku)).toEqual(['ORD-Z-1', 'ORD-Z-2', 'ORD-Z-3']);
  });

  it('accepts the limits themselves', async () => {
    const name200 = 'N'.repeat(200);
    const code64 = `LIM-${'c'.repeat(60)}`;
    const result = await importOk({
      warehouses: [{ code: code64, name: name200 }],
      pricelists: [{ code: 'LIM-KWD', name: 'Kuwait', currency: 'KWD' }],
      products: [product('LIM-P', [{
        sku: 'LIM-1', name: name200,
        prices: [{ pricelistCode: 'LIM-KWD', amount: '1.001' }, { pricelistCode: 'JPY', amount: '1500' }, { pricelistCode: 'SEK', amount: '0' }],
        stock: [{ warehouseCode: code64, quantity: 1_000_000_000 }, { warehouseCode: 'W1', quantity: 0 }],
      }])],
      taxRules: [{ countryCode: 'IS', rate: '100' }, { countryCode: 'CH', rate: '8.1234' }, { countryCode: 'US', rate: '0' }],
    });
    expect(result.warehouses).toMatchObject([{ code: code64, name: name200 }]);
    expect(await priceOf('LIM-1', 'LIM-KWD')).toBe(1001n);
    expect(await priceOf('LIM-1', 'JPY')).toBe(1500n);
    expect(await priceOf('LIM-1', 'SEK')).toBe(0n);
    expect(await stockOf('LIM-1', code64)).toBe(1_000_000_000);
    expect((await db().taxRule.findUnique({ where: { countryCode: 'CH' } }))?.rate.toString()).toBe('8.1234');
    expect((await db().taxRule.findUnique({ where: { countryCode: 'IS' } }))?.rate.toString()).toBe('100');
  });
});

// ---------------------------------------------------------------- validation

const long201 = 'x'.repeat(201);
const code65 = 'C'.repeat(65);

describe('importCatalog refuses bad input with a ValidationError and writes nothing', () => {
  describe('references', () => {
    it.each<[string, ImportCatalogInput, string[]]>([
      [
        'an unknown warehouse in a market',
        { markets: [{ code: 'REF-M', name: 'Ref', countries: ['SE'], warehouseCodes: ['W1', 'NO-SUCH-W'] }] },
        ['input', 'markets', '0', 'warehouseCodes', '1'],
      ],
      [
        'an unknown warehouse in a later market',
        {
          markets: [
            { code: 'REF-M1', name: 'Ref', countries: ['SE'], warehouseCodes: ['W1'] },
            { code: 'REF-M2', name: 'Ref', countries: ['SE'], warehouseCodes: ['NO-SUCH-W', 'W2'] },
          ],
        },
        ['input', 'markets', '1', 'warehouseCodes', '0'],
      ],
      [
        'an unknown pricelist in a price',
        { products: [product('REF-P', [{ sku: 'REF-1', name: 'Ref', prices: [{ pricelistCode: 'SEK', amount: '1.00' }, { pricelistCode: 'NO-SUCH-PL', amount: '1.00' }] }])] },
        ['input', 'products', '0', 'variants', '0', 'prices', '1', 'pricelistCode'],
      ],
      [
        'an unknown warehouse in stock',
        { products: [product('REF-P', [variantWithStock('REF-1', 1), { sku: 'REF-2', name: 'Ref', stock: [{ warehouseCode: 'W1', quantity: 1 }, { warehouseCode: 'NO-SUCH-W', quantity: 1 }] }])] },
        ['input', 'products', '0', 'variants', '1', 'stock', '1', 'warehouseCode'],
      ],
      [
        'an unknown market in shipping',
        { shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', amount: '1.00' }, { marketCode: 'NO-SUCH-M', pricelistCode: 'SEK', countryCode: 'SE', amount: '1.00' }] },
        ['input', 'shipping', '1', 'marketCode'],
      ],
      [
        'an unknown pricelist in shipping',
        { shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', amount: '1.00' }, { marketCode: 'SE', pricelistCode: 'NO-SUCH-PL', countryCode: 'SE', amount: '1.00' }] },
        ['input', 'shipping', '1', 'pricelistCode'],
      ],
      [
        'a shipping country the market does not serve',
        { shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', amount: '1.00' }, { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'FI', amount: '1.00' }] },
        ['input', 'shipping', '1', 'countryCode'],
      ],
      [
        'a SKU that belongs to another product',
        { products: [product('MUG', [{ sku: 'MUG', name: 'Mug' }, { sku: 'TEE-S', name: 'Stolen' }])] },
        ['input', 'products', '0', 'variants', '1', 'sku'],
      ],
      [
        'a SKU that belongs to another product, named for a new product',
        { products: [product('REF-NEW-P', [{ sku: 'TEE-M', name: 'Stolen' }])] },
        ['input', 'products', '0', 'variants', '0', 'sku'],
      ],
      [
        'a change of a pricelist\'s currency',
        { pricelists: [{ code: 'JPY', name: 'Japan retail', currency: 'JPY' }, { code: 'SEK', name: 'Sweden retail', currency: 'EUR' }] },
        ['input', 'pricelists', '1', 'currency'],
      ],
    ])('%s', async (_name, input, path) => {
      await expectRefused(input, path);
    });

    it('keeps the pricelist\'s currency and name after a refused currency change', async () => {
      await expectRefused({ pricelists: [{ code: 'SEK', name: 'Renamed', currency: 'NOK' }] }, ['input', 'pricelists', '0', 'currency']);
      const page = await t.admin(PricelistPage, { first: 100 });
      expect(page.pricelists.edges.map((e) => e.node).find((p) => p.code === 'SEK')).toEqual({ code: 'SEK', name: 'Sweden retail', currency: 'SEK' });
    });
  });

  describe('duplicates in one input', () => {
    it.each<[string, ImportCatalogInput, string[]]>([
      ['a warehouse code', { warehouses: [{ code: 'DUP-W', name: 'A' }, { code: 'DUP-W-2', name: 'B' }, { code: 'DUP-W', name: 'C' }] }, ['input', 'warehouses', '2', 'code']],
      ['a pricelist code', { pricelists: [{ code: 'DUP-PL', name: 'A', currency: 'SEK' }, { code: 'DUP-PL', name: 'B', currency: 'SEK' }] }, ['input', 'pricelists', '1', 'code']],
      [
        'a market code',
        { markets: [{ code: 'DUP-M', name: 'A', countries: ['SE'], warehouseCodes: ['W1'] }, { code: 'DUP-M', name: 'B', countries: ['NO'], warehouseCodes: ['W2'] }] },
        ['input', 'markets', '1', 'code'],
      ],
      ['a product code', { products: [product('DUP-P', [{ sku: 'DUP-1', name: 'A' }]), product('DUP-P', [{ sku: 'DUP-2', name: 'B' }])] }, ['input', 'products', '1', 'code']],
      ['a SKU within one product', { products: [product('DUP-P', [{ sku: 'DUP-1', name: 'A' }, { sku: 'DUP-1', name: 'B' }])] }, ['input', 'products', '0', 'variants', '1', 'sku']],
      ['a SKU across two products', { products: [product('DUP-P', [{ sku: 'DUP-1', name: 'A' }]), product('DUP-Q', [{ sku: 'DUP-2', name: 'B' }, { sku: 'DUP-1', name: 'C' }])] }, ['input', 'products', '1', 'variants', '1', 'sku']],
      [
        'a warehouse in one market\'s list',
        { markets: [{ code: 'DUP-M', name: 'A', countries: ['SE'], warehouseCodes: ['W1', 'W1'] }] },
        ['input', 'markets', '0', 'warehouseCodes', '1'],
      ],
      [
        'a country in one market\'s list',
        { markets: [{ code: 'DUP-M', name: 'A', countries: ['SE', 'NO', 'SE'], warehouseCodes: ['W1'] }] },
        ['input', 'markets', '0', 'countries', '2'],
      ],
      [
        'a pricelist in one variant\'s prices',
        { products: [product('DUP-P', [{ sku: 'DUP-1', name: 'A', prices: [{ pricelistCode: 'SEK', amount: '1.00' }, { pricelistCode: 'SEK', amount: '2.00' }] }])] },
        ['input', 'products', '0', 'variants', '0', 'prices', '1', 'pricelistCode'],
      ],
      [
        'a warehouse in one variant\'s stock',
        { products: [product('DUP-P', [{ sku: 'DUP-1', name: 'A', stock: [{ warehouseCode: 'W1', quantity: 1 }, { warehouseCode: 'W1', quantity: 2 }] }])] },
        ['input', 'products', '0', 'variants', '0', 'stock', '1', 'warehouseCode'],
      ],
      [
        'a shipping entry',
        { shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', amount: '1.00' }, { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', amount: '2.00' }] },
        ['input', 'shipping', '1', 'countryCode'],
      ],
      ['a tax rule', { taxRules: [{ countryCode: 'SE', rate: '25' }, { countryCode: 'SE', rate: '12' }] }, ['input', 'taxRules', '1', 'countryCode']],
    ])('%s', async (_name, input, path) => {
      await expectRefused(input, path);
    });
  });

  describe('codes: currencies and countries', () => {
    it.each(['sek', 'XYZ', 'SEKK', 'SE', '', '€'])('currency %j', async (currency) => {
      await expectRefused(
        { pricelists: [{ code: 'CUR-OK', name: 'Ok', currency: 'EUR' }, { code: 'CUR-BAD', name: 'Bad', currency }] },
        ['input', 'pricelists', '1', 'currency'],
      );
    });

    it.each(['XX', 'se', 'SWE', 'EU', '', 'S'])('country %j in a market', async (country) => {
      await expectRefused(
        { markets: [{ code: 'CTRY-M', name: 'Countries', countries: ['SE', country], warehouseCodes: ['W1'] }] },
        ['input', 'markets', '0', 'countries', '1'],
      );
    });

    it.each(['XX', 'se', 'SWE'])('country %j in shipping', async (countryCode) => {
      await expectRefused(
        { shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode, amount: '1.00' }] },
        ['input', 'shipping', '0', 'countryCode'],
      );
    });

    it.each(['XX', 'se', 'SWE'])('country %j in a tax rule', async (countryCode) => {
      await expectRefused(
        { taxRules: [{ countryCode: 'DE', rate: '19' }, { countryCode, rate: '10' }] },
        ['input', 'taxRules', '1', 'countryCode'],
      );
    });
  });

  describe('amounts, quantities and rates', () => {
    const price = (pricelistCode: string, amount: string): ImportCatalogInput => ({
      products: [product('AMT-P', [variantWithPrice('AMT-0', 'SEK', '1.00'), variantWithPrice('AMT-1', pricelistCode, amount)])],
    });
    const pricePath = ['input', 'products', '0', 'variants', '1', 'prices', '0', 'amount'];

    it.each<[string, string]>([
      ['SEK', '1.001'],
      ['JPY', '1.5'],
      ['JPY', '1.0'],
      ['KWD', '1.0001'],
      ['SEK', '-1.00'],
      ['JPY', '-5'],
      ['SEK', '100000000000000000000'],
    ])('price in %s of %j', async (pricelistCode, amount) => {
      await expectRefused(price(pricelistCode, amount), pricePath);
    });

    it('too many fraction digits for a pricelist created in the same import', async () => {
      await expectRefused(
        {
          pricelists: [{ code: 'AMT-JPY', name: 'Yen', currency: 'JPY' }],
          products: [product('AMT-P', [variantWithPrice('AMT-1', 'AMT-JPY', '1.5')])],
        },
        ['input', 'products', '0', 'variants', '0', 'prices', '0', 'amount'],
      );
    });

    it.each<[string, string, string, string]>([
      ['KW', 'KWD', 'KW', '1.0001'],
      ['JP', 'JPY', 'JP', '500.5'],
      ['SE', 'SEK', 'SE', '-49.00'],
    ])('shipping in market %s, %s, of %j', async (marketCode, pricelistCode, countryCode, amount) => {
      await expectRefused({ shipping: [{ marketCode, pricelistCode, countryCode, amount }] }, ['input', 'shipping', '0', 'amount']);
    });

    it.each([-1, 1_000_000_001, 2_000_000_000])('stock quantity %d', async (quantity) => {
      await expectRefused(
        { products: [product('QTY-P', [variantWithStock('QTY-0', 1), variantWithStock('QTY-1', quantity)])] },
        ['input', 'products', '0', 'variants', '1', 'stock', '0', 'quantity'],
      );
    });

    it.each(['100.0001', '101', '12.12345', '-1', '1000'])('tax rate %j', async (rate) => {
      await expectRefused(
        { taxRules: [{ countryCode: 'DE', rate: '19' }, { countryCode: 'AT', rate }] },
        ['input', 'taxRules', '1', 'rate'],
      );
    });
  });

  describe('names and codes', () => {
    const nameCases = (name: string): [string, ImportCatalogInput, string[]][] => [
      ['warehouse', { warehouses: [{ code: 'NAME-W0', name: 'Ok' }, { code: 'NAME-W', name }] }, ['input', 'warehouses', '1', 'name']],
      ['pricelist', { pricelists: [{ code: 'NAME-PL', name, currency: 'SEK' }] }, ['input', 'pricelists', '0', 'name']],
      ['market', { markets: [{ code: 'NAME-M', name, countries: ['SE'], warehouseCodes: ['W1'] }] }, ['input', 'markets', '0', 'name']],
      ['product', { products: [{ code: 'NAME-P', name, variants: [{ sku: 'NAME-1', name: 'Ok' }] }] }, ['input', 'products', '0', 'name']],
      ['variant', { products: [product('NAME-P', [{ sku: 'NAME-0', name: 'Ok' }, { sku: 'NAME-1', name }])] }, ['input', 'products', '0', 'variants', '1', 'name']],
    ];

    it.each(nameCases(long201))('a 201-character %s name', async (_kind, input, path) => {
      await expectRefused(input, path);
    });

    it.each([
      ...nameCases('Bad\u0000name'),
      ...nameCases('Tab\there'),
      ...nameCases('Line\nbreak'),
      ...nameCases('Bell\u0007'),
      ...nameCases('C1\u0085control'),
      ...nameCases('Delete\u007f'),
    ])('control characters in a %s name', async (_kind, input, path) => {
      await expectRefused(input, path);
    });

    it.each(nameCases('   '))('a blank %s name', async (_kind, input, path) => {
      await expectRefused(input, path);
    });

    const codeCases = (code: string): [string, ImportCatalogInput, string[]][] => [
      ['warehouse code', { warehouses: [{ code, name: 'Long' }] }, ['input', 'warehouses', '0', 'code']],
      ['pricelist code', { pricelists: [{ code, name: 'Long', currency: 'SEK' }] }, ['input', 'pricelists', '0', 'code']],
      ['market code', { markets: [{ code, name: 'Long', countries: ['SE'], warehouseCodes: ['W1'] }] }, ['input', 'markets', '0', 'code']],
      ['product code', { products: [{ code, name: 'Long', variants: [{ sku: 'CODE-1', name: 'Ok' }] }] }, ['input', 'products', '0', 'code']],
      ['SKU', { products: [product('CODE-P', [{ sku: 'CODE-0', name: 'Ok' }, { sku: code, name: 'Long' }])] }, ['input', 'products', '0', 'variants', '1', 'sku']],
    ];

    it.each(codeCases(code65))('a 65-character %s', async (_kind, input, path) => {
      await expectRefused(input, path);
    });

    it.each([...codeCases(''), ...codeCases('has space'), ...codeCases('-leading'), ...codeCases('ÅÄÖ')])(
      'a malformed %s',
      async (_kind, input, path) => {
        await expectRefused(input, path);
      },
    );
  });

  describe('list sizes', () => {
    it.each<[string, () => ImportCatalogInput]>([
      ['warehouses', () => ({ warehouses: Array.from({ length: 1001 }, (_, i) => ({ code: `SIZE-W-${pad(i)}`, name: 'W' })) })],
      ['pricelists', () => ({ pricelists: Array.from({ length: 1001 }, (_, i) => ({ code: `SIZE-PL-${pad(i)}`, name: 'P', currency: 'SEK' })) })],
      ['markets', () => ({ markets: Array.from({ length: 1001 }, (_, i) => ({ code: `SIZE-M-${pad(i)}`, name: 'M', countries: ['SE'], warehouseCodes: ['W1'] })) })],
      ['products', () => ({ products: Array.from({ length: 1001 }, (_, i) => product(`SIZE-P-${pad(i)}`, [{ sku: `SIZE-${pad(i)}`, name: 'V' }])) })],
    ])('1,001 %s', async (list, input) => {
      await expectRefused(input(), ['input', list], runImportCodes);
    });

    it('201 variants in one product', async () => {
      await expectRefused(
        { products: [product('SIZE-P', Array.from({ length: 201 }, (_, i) => ({ sku: `SIZE-V-${pad(i)}`, name: 'V' })))] },
        ['input', 'products', '0', 'variants'],
      );
    });
  });

  it('writes nothing of a large import whose last entry is bad, and all of it once that is fixed', async () => {
    const big = (lastWarehouse: string): ImportCatalogInput => ({
      warehouses: [
        { code: 'W1', name: 'Stockholm renamed' },
        ...Array.from({ length: 999 }, (_, i) => ({ code: `BIG-W-${pad(i)}`, name: `Big ${i}` })),
      ],
      pricelists: [{ code: 'SEK', name: 'Sweden renamed', currency: 'SEK' }, { code: 'BIG-PL', name: 'Big', currency: 'EUR' }],
      markets: [{ code: 'SE', name: 'Nordics renamed', countries: ['SE'], warehouseCodes: ['BIG-W-0000'] }],
      products: Array.from({ length: 1000 }, (_, i) => product(`BIG-P-${pad(i)}`, [{
        sku: `BIG-${pad(i)}`, name: `Big ${i}`,
        prices: [{ pricelistCode: 'BIG-PL', amount: `${i}.99` }],
        stock: [{ warehouseCode: i === 999 ? lastWarehouse : `BIG-W-${pad(i % 999)}`, quantity: i }],
      }])),
      shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', amount: '1.00' }],
      taxRules: [{ countryCode: 'SE', rate: '6' }],
    });

    const before = await databaseState();
    const refused = await runImportCodes(big('NO-SUCH-W'));
    expect(refused).toMatchObject({
      __typename: 'ValidationError',
      code: 'VALIDATION',
      path: ['input', 'products', '999', 'variants', '0', 'stock', '0', 'warehouseCode'],
    });
    expect(await databaseState()).toEqual(before);

    const result = await runImportCodes(big('W2'));
    if (result.__typename !== 'ImportCatalogSuccess') throw new Error(`expected ImportCatalogSuccess, got ${JSON.stringify(result)}`);
    expect(result.warehouses).toHaveLength(1000);
    expect(result.warehouses.map((w) => w.code)).toEqual(['W1', ...Array.from({ length: 999 }, (_, i) => `BIG-W-${pad(i)}`)]);
    expect(result.products.map((p) => p.code)).toEqual(Array.from({ length: 1000 }, (_, i) => `BIG-P-${pad(i)}`));
    expect(await stockOf('BIG-0999', 'W2')).toBe(999);
    expect(await priceOf('BIG-0999', 'BIG-PL')).toBe(99999n);

    // Put the standard catalog back as it was for the other tests.
    await importOk({
      warehouses: [{ code: 'W1', name: 'Stockholm' }],
      pricelists: [{ code: 'SEK', name: 'Sweden retail', currency: 'SEK' }],
      markets: [{ code: 'SE', name: 'Nordics', countries: ['SE', 'NO', 'DK'], warehouseCodes: ['W1', 'W2'] }],
      shipping: [{ marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', amount: '49.00' }],
      taxRules: [{ countryCode: 'SE', rate: '25' }],
    });
  }, 120_000);
});

describe('malformed Decimal values are GraphQL errors', () => {
  it.each([
    ['price "12,50"', PriceLiteralComma],
    ['price "abc"', PriceLiteralWord],
    ['price 12.5 (a number)', PriceLiteralFloat],
    ['tax rate 19 (a number)', TaxLiteralFloat],
  ] as const)('literal %s', async (_name, document) => {
    await expectGraphQLError(/Decimal/, document);
  });

  it.each<[string, unknown]>([
    ['comma', '12,50'],
    ['word', 'abc'],
    ['number', 12.5],
    ['exponent', '1e3'],
    ['plus sign', '+1.00'],
    ['blank', ''],
    ['spaces', ' 12.50'],
    ['lone point', '12.'],
  ])('variable: %s', async (_name, amount) => {
    await expectGraphQLError(/Decimal/, ImportDoc, {
      input: { products: [product('VAR-P', [{ sku: 'VAR-1', name: 'Var', prices: [{ pricelistCode: 'SEK', amount: amount as string }] }])] },
    });
  });

  it('a tax rate given as a number', async () => {
    await expectGraphQLError(/Decimal/, ImportDoc, { input: { taxRules: [{ countryCode: 'DE', rate: 19 as unknown as string }] } });
  });

  it('a stock quantity past the GraphQL Int range', async () => {
    await expectGraphQLError(/Int/, ImportDoc, { input: { products: [product('VAR-P', [variantWithStock('VAR-1', 2 ** 31)])] } });
  });
});

// ---------------------------------------------------------------- setStock

describe('setStock', () => {
  async function setStock(input: SetStockInput) {
    return (await t.admin(SetStockDoc, { input })).setStock;
  }

  it('sets an absolute quantity, for that SKU and warehouse only', async () => {
    await importOk({ products: [product('SS-P', [{ sku: 'SS-1', name: 'SS', stock: [{ warehouseCode: 'W1', quantity: 10 }, { warehouseCode: 'W2', quantity: 5 }] }, variantWithStock('SS-2', 8)])] });

    expect(await setStock({ sku: 'SS-1', warehouseCode: 'W1', quantity: 3 })).toEqual({
      __typename: 'SetStockSuccess', sku: 'SS-1', warehouseCode: 'W1', quantity: 3,
    });
    expect(await stockOf('SS-1', 'W1')).toBe(3);
    // Absolute, not added: the same call again leaves 3.
    await setStock({ sku: 'SS-1', warehouseCode: 'W1', quantity: 3 });
    expect(await stockOf('SS-1', 'W1')).toBe(3);
    expect(await stockOf('SS-1', 'W2')).toBe(5);
    expect(await stockOf('SS-2', 'W1')).toBe(8);

    await setStock({ sku: 'SS-1', warehouseCode: 'W1', quantity: 0 });
    expect(await stockOf('SS-1', 'W1')).toBe(0);
    await setStock({ sku: 'SS-1', warehouseCode: 'W1', quantity: 1_000_000_000 });
    expect(await stockOf('SS-1', 'W1')).toBe(1_000_000_000);
  });

  it('creates the stock level of a SKU in a warehouse it had none in', async () => {
    await importOk({ products: [product('SS-P', [variantWithStock('SS-2', 8)])] });
    expect(await stockOf('SS-2', 'NOISE-W')).toBeNull();
    const counts = await rowCounts();
    expect(await setStock({ sku: 'SS-2', warehouseCode: 'NOISE-W', quantity: 12 })).toMatchObject({ __typename: 'SetStockSuccess', quantity: 12 });
    expect(await stockOf('SS-2', 'NOISE-W')).toBe(12);
    expect(await rowCounts()).toEqual({ ...counts, stockLevel: counts.stockLevel! + 1 });
    // A later import sees the quantity setStock wrote and replaces it.
    await importOk({ products: [product('SS-P', [{ sku: 'SS-2', name: 'Variant SS-2', stock: [{ warehouseCode: 'NOISE-W', quantity: 2 }] }])] });
    expect(await stockOf('SS-2', 'NOISE-W')).toBe(2);
  });

  it.each<[string, SetStockInput]>([
    ['an unknown SKU', { sku: 'NO-SUCH-SKU', warehouseCode: 'W1', quantity: 1 }],
    ['an unknown warehouse', { sku: 'MUG', warehouseCode: 'NO-SUCH-W', quantity: 1 }],
  ])('is NotFoundError for %s, writing nothing', async (_name, input) => {
    const before = await databaseState();
    expect(await setStock(input)).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(await databaseState()).toEqual(before);
  });

  it.each([-1, 1_000_000_001])('is ValidationError for quantity %d, writing nothing', async (quantity) => {
    const before = await databaseState();
    const result = await setStock({ sku: 'MUG', warehouseCode: 'W1', quantity });
    expect(result).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', path: ['input', 'quantity'] });
    expect(await databaseState()).toEqual(before);
    expect(await stockOf('MUG', 'W1')).toBe(100);
  });
});

// ---------------------------------------------------------------- admin reads

describe('admin catalog reads', () => {
  it('pages through warehouses by code with first/after', async () => {
    const codes = Array.from({ length: 25 }, (_, i) => `PG-W-${String(i + 1).padStart(2, '0')}`);
    // Imported out of order: the pages are by code, not by creation.
    await importOk({ warehouses: [...codes].reverse().map((code) => ({ code, name: `Paged ${code}` })) });
    const total = await db().warehouse.count();
    expect(total).toBeGreaterThan(25);

    const seen: string[] = [];
    let after: string | null | undefined;
    let pages = 0;
    for (;;) {
      const { warehouses } = await t.admin(WarehousePage, { first: 10, after });
      pages += 1;
      expect(warehouses.edges.length).toBeLessThanOrEqual(10);
      seen.push(...warehouses.edges.map((e) => e.node.code));
      if (!warehouses.pageInfo.hasNextPage) break;
      expect(warehouses.edges).toHaveLength(10);
      expect(warehouses.pageInfo.endCursor).toBe(warehouses.edges.at(-1)!.cursor);
      after = warehouses.pageInfo.endCursor;
      expect(pages).toBeLessThan(1000);
    }
    expect(pages).toBe(Math.ceil(total / 10));
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    // In the database's order of codes; the 25 (zero-padded) in their order.
    const stored = await db().warehouse.findMany({ orderBy: { code: 'asc' }, select: { code: true } });
    expect(seen).toEqual(stored.map((w) => w.code));
    expect(seen.filter((code) => code.startsWith('PG-W-'))).toEqual(codes);
  });

  it('pages exactly: a page that ends at the last row has no next page', async () => {
    const all = await db().pricelist.count();
    const { pricelists } = await t.admin(PricelistPage, { first: all });
    expect(pricelists.edges).toHaveLength(all);
    expect(pricelists.pageInfo.hasNextPage).toBe(false);
    const { pricelists: firstPage } = await t.admin(PricelistPage, { first: all - 1 });
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    const { pricelists: rest } = await t.admin(PricelistPage, { first: 10, after: firstPage.pageInfo.endCursor });
    expect(rest.edges.map((e) => e.node.code)).toEqual([pricelists.edges.at(-1)!.node.code]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it('caps `first` at 100', async () => {
    await importOk({ warehouses: Array.from({ length: 101 }, (_, i) => ({ code: `CAP-W-${pad(i)}`, name: 'Cap' })) });
    const response = await t.request(WarehousePage, { first: 101 }, asAdmin);
    // Observed behaviour: no error, at most 100 rows, and a next page.
    expect(response.errors).toBeUndefined();
    expect(response.data?.warehouses.edges).toHaveLength(100);
    expect(response.data?.warehouses.pageInfo.hasNextPage).toBe(true);
    const huge = await t.request(WarehousePage, { first: 1_000_000 }, asAdmin);
    expect(huge.errors).toBeUndefined();
    expect(huge.data?.warehouses.edges).toHaveLength(100);
  });

  it('refuses a negative `first`', async () => {
    const response = await t.request(WarehousePage, { first: -1 }, asAdmin);
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.[0]?.message).toMatch(/first/);
  });

  it('lists markets with countries and warehouses in allocation order', async () => {
    await importOk({
      warehouses: [{ code: 'ALLOC-A', name: 'A' }, { code: 'ALLOC-B', name: 'B' }, { code: 'ALLOC-C', name: 'C' }],
      markets: [{ code: 'ALLOC-M', name: 'Alloc', countries: ['DE', 'AT'], warehouseCodes: ['ALLOC-C', 'ALLOC-A', 'ALLOC-B'] }],
    });
    const markets: { code: string; countries: string[]; warehouses: { code: string }[] }[] = [];
    let after: string | null | undefined;
    for (;;) {
      const page = await t.admin(MarketPage, { first: 5, after });
      markets.push(...page.markets.edges.map((e) => e.node));
      if (!page.markets.pageInfo.hasNextPage) break;
      after = page.markets.pageInfo.endCursor;
    }
    expect(markets).toHaveLength(await db().market.count());
    expect(markets.find((m) => m.code === 'ALLOC-M')).toEqual({
      code: 'ALLOC-M', name: 'Alloc', countries: ['DE', 'AT'], warehouses: [{ code: 'ALLOC-C' }, { code: 'ALLOC-A' }, { code: 'ALLOC-B' }],
    });
    expect(markets.find((m) => m.code === 'SE')).toMatchObject({ countries: ['SE', 'NO', 'DK'], warehouses: [{ code: 'W1' }, { code: 'W2' }] });
  });

  it('lists products with their variants by SKU', async () => {
    await importOk({ products: [product('AAA-VARS', [{ sku: 'AAA-VARS-M', name: 'M' }, { sku: 'AAA-VARS-L', name: 'L' }, { sku: 'AAA-VARS-S', name: 'S' }])] });
    const seen = new Set<string>();
    let found: { code: string; variants: { sku: string }[] } | undefined;
    let after: string | null | undefined;
    for (;;) {
      const { products } = await t.admin(ProductPage, { first: 100, after });
      for (const { node } of products.edges) {
        expect(seen.has(node.code)).toBe(false);
        seen.add(node.code);
        if (node.code === 'AAA-VARS') found = node;
      }
      if (!products.pageInfo.hasNextPage) break;
      after = products.pageInfo.endCursor;
    }
    expect(seen.size).toBe(await db().product.count());
    expect(found?.variants.map((v) => v.sku)).toEqual(['AAA-VARS-L', 'AAA-VARS-M', 'AAA-VARS-S']);
    expect(seen.has('TEE')).toBe(true);
  });

  it('finds a variant by SKU, with its product', async () => {
    const { variant } = await t.admin(VariantBySku, { sku: 'TEE-M' });
    expect(variant).toMatchObject({
      sku: 'TEE-M', name: 'T-shirt M', product: { code: 'TEE', name: 'T-shirt', variants: [{ sku: 'TEE-M' }, { sku: 'TEE-S' }] },
    });
    expect((await t.admin(VariantBySku, { sku: 'NO-SUCH-SKU' })).variant).toBeNull();
  });
});

// ---------------------------------------------------------------- who may

describe('only admins may use the catalog', () => {
  const callers: [string, () => Promise<Record<string, string>>][] = [
    ['anonymous', async () => ({})],
    ['a storefront session', async () => (await handToSession(t, await createSelection(t))).headers],
  ];

  it.each(callers)('%s gets ForbiddenError from importCatalog and setStock, writing nothing', async (_name, headers) => {
    const h = await headers();
    const before = await databaseState();
    const imported = await t.request(ImportDoc, { input: withNoise({}) }, h);
    expect(imported.errors).toBeUndefined();
    expect(imported.data?.importCatalog).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const stocked = await t.request(SetStockDoc, { input: { sku: 'MUG', warehouseCode: 'W1', quantity: 1 } }, h);
    expect(stocked.errors).toBeUndefined();
    expect(stocked.data?.setStock).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect(await databaseState()).toEqual(before);
    expect(await stockOf('MUG', 'W1')).toBe(100);
  });

  it.each(callers)('%s gets a FORBIDDEN GraphQL error from the catalog reads', async (_name, headers) => {
    const h = await headers();
    for (const [document, field] of [
      [MarketPage, 'markets'], [PricelistPage, 'pricelists'], [WarehousePage, 'warehouses'], [ProductPage, 'products'],
    ] as const) {
      const response = await t.request(document as TypedDocumentNode<unknown, { first?: number | null }>, { first: 5 }, h);
      expect(response.data ?? null, field).toBeNull();
      expect(response.errors?.[0]?.extensions?.code, field).toBe('FORBIDDEN');
      expect(response.errors?.[0]?.path, field).toEqual([field]);
    }
    const variant = await t.request(VariantBySku, { sku: 'MUG' }, h);
    expect(variant.data?.variant ?? null).toBeNull();
    expect(variant.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it.each([
    ['a wrong admin key', { authorization: `Bearer ${ADMIN_KEY}x` }],
    ['a malformed authorization header', { authorization: ADMIN_KEY }],
  ])('%s is refused as UNAUTHENTICATED by the catalog writes and reads, writing nothing', async (_name, h) => {
    const before = await databaseState();
    const answers = [
      await t.request(ImportDoc, { input: withNoise({}) }, h),
      await t.request(SetStockDoc, { input: { sku: 'MUG', warehouseCode: 'W1', quantity: 1 } }, h),
      await t.request(MarketPage, { first: 5 }, h),
      await t.request(VariantBySku, { sku: 'MUG' }, h),
    ];
    for (const answer of answers) {
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors?.map((e) => [e.extensions?.code, e.extensions?.header])).toEqual([['UNAUTHENTICATED', 'Authorization']]);
    }
    expect(await databaseState()).toEqual(before);
    expect(await stockOf('MUG', 'W1')).toBe(100);
  });
});

// Last, since it applies the noise: it shows that the refused imports above, which carried
// it, would have changed the catalog had they been accepted.
it('the extra entries sent along with refused imports are a valid import that changes the catalog', async () => {
  const before = await databaseState();
  await importOk(withNoise({}));
  const after = await databaseState();
  expect(countsOf(after)).not.toEqual(countsOf(before));
  expect(after.Warehouse.find((w) => w.code === 'NOISE-W')?.name).toBe('Renamed');
  expect(await priceOf('NOISE-SKU', 'NOISE-PL')).toBe(1100n);
  expect(await stockOf('NOISE-SKU', 'NOISE-W')).toBe(11);
  // Read as JSON: the numeric(7,4) rate and the BigInt amount are JSON numbers.
  expect(after.TaxRule.find((r) => r.countryCode === 'FI')?.rate).toBe(25.5);
  const noiseMarket = after.Market.find((m) => m.code === 'NOISE-M')?.id;
  expect(after.ShippingRate.find((s) => s.marketId === noiseMarket)?.amount).toBe(600);
});
