// Catalog types, the admin catalog queries and the importCatalog / setStock mutations.
import { db } from '../db/client.js';
import { Forbidden, NotFound, ValidationFailed } from '../services/errors.js';
import { importCatalog, setStock } from '../services/catalog.js';
import { LIMITS } from '../services/validate.js';
import { adminOnly, builder, pageSize } from './builder.js';
import { resultErrors } from './errors.js';
import { Money } from './money.js';

export const Warehouse = builder.prismaObject('Warehouse', {
  description: 'A stock location.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id.' }),
    code: t.exposeString('code', { description: 'Unique code, used in imports.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
  }),
});

export const Pricelist = builder.prismaObject('Pricelist', {
  description: 'Prices of variants in one currency.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id.' }),
    code: t.exposeString('code', { description: 'Unique code, used in imports.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    currency: t.exposeString('currency', { description: 'ISO-4217 code of every price in the list.' }),
  }),
});

export const Market = builder.prismaObject('Market', {
  description: 'Where a selection sells: its countries and the warehouses whose stock it takes.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id.' }),
    code: t.exposeString('code', { description: 'Unique code, used in imports.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    countries: t.exposeStringList('countries', { description: 'ISO-3166 alpha-2 country codes served by this market.', extensions: { items: LIMITS.marketCountries } }),
    warehouses: t.field({
      type: [Warehouse],
      description: 'Warehouses whose stock this market sells, in allocation order. Admins only; empty for others.',
      extensions: { items: LIMITS.marketWarehouses },
      ...adminOnly,
      unauthorizedResolver: () => [],
      select: (_args, _ctx, nested) => ({
        warehouses: { orderBy: { position: 'asc' }, select: { warehouse: nested(true) } },
      }),
      resolve: (market) => market.warehouses.map((w) => w.warehouse),
    }),
  }),
});

export const Product = builder.prismaObject('Product', {
  select: { id: true },
  description: 'A product: one or more sellable variants.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id.' }),
    code: t.exposeString('code', { description: 'Unique code, used in imports.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    variants: t.relation('variants', {
      // A storefront never needs a product's other variants, and from a selection's lines they
      // would multiply its answer by 200: sessions and anonymous callers get none.
      ...adminOnly,
      unauthorizedResolver: () => [] as never,
      description: `The variants, by SKU: the first \`first\` of them (at most ${LIMITS.variantsPerProduct}, as many as a product has). Admins only; empty for others.`,
      extensions: { items: LIMITS.variantsPerProduct },
      args: {
        first: t.arg.int({ required: false, defaultValue: LIMITS.variantsPerProduct, description: `How many variants, at most ${LIMITS.variantsPerProduct}.` }),
      },
      query: ({ first }) => ({ orderBy: { sku: 'asc' }, take: pageSize(first, LIMITS.variantsPerProduct, LIMITS.variantsPerProduct) }),
    }),
  }),
});

export const Offer = builder.prismaObject('Price', {
  name: 'Offer',
  select: { variantId: true },
  description: 'A variant and its price in one pricelist: what a selection can add.',
  fields: (t) => ({
    variant: t.relation('variant', { description: 'The variant.' }),
    unitPrice: t.field({
      type: Money,
      description: 'Its price in the pricelist, net of tax.',
      select: { amount: true, pricelist: { select: { currency: true } } },
      resolve: (price) => ({ amount: price.amount, currency: price.pricelist.currency }),
    }),
  }),
});

export const Variant = builder.prismaObject('Variant', {
  select: { id: true },
  description: 'A sellable item, identified by its SKU.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id.' }),
    sku: t.exposeString('sku', { description: 'Unique stock-keeping unit.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    product: t.relation('product', { description: 'The product this is a variant of.' }),
  }),
});

// ---------------------------------------------------------------- admin reads

/** Names and descriptions of a paginated list's connection and edge types. */
const page = (noun: string) =>
  [
    { name: `${noun}Connection`, description: `A page of ${noun.toLowerCase()}s.` },
    { name: `${noun}Edge`, description: `One ${noun.toLowerCase()} and its cursor.` },
  ] as const;

builder.queryFields((t) => ({
  markets: t.prismaConnection({
    ...adminOnly,
    type: 'Market',
    cursor: 'code',
    description: 'Admin only. Markets by code, a page at a time (at most 100).',
    resolve: (query) => db().market.findMany({ ...query, orderBy: { code: 'asc' } }),
  }, ...page('Market')),
  pricelists: t.prismaConnection({
    ...adminOnly,
    type: 'Pricelist',
    cursor: 'code',
    description: 'Admin only. Pricelists by code, a page at a time (at most 100).',
    resolve: (query) => db().pricelist.findMany({ ...query, orderBy: { code: 'asc' } }),
  }, ...page('Pricelist')),
  warehouses: t.prismaConnection({
    ...adminOnly,
    type: 'Warehouse',
    cursor: 'code',
    description: 'Admin only. Warehouses by code, a page at a time (at most 100).',
    resolve: (query) => db().warehouse.findMany({ ...query, orderBy: { code: 'asc' } }),
  }, ...page('Warehouse')),
  products: t.prismaConnection({
    ...adminOnly,
    type: 'Product',
    cursor: 'code',
    description: 'Admin only. Products by code, a page at a time (at most 100).',
    resolve: (query) => db().product.findMany({ ...query, orderBy: { code: 'asc' } }),
  }, ...page('Product')),
  variant: t.prismaField({
    ...adminOnly,
    type: 'Variant',
    nullable: true,
    description: 'Admin only. The variant with this SKU, or null.',
    args: { sku: t.arg.string({ description: 'The SKU.' }) },
    resolve: (query, _root, { sku }) => db().variant.findUnique({ ...query, where: { sku } }),
  }),
}));

// ---------------------------------------------------------------- inputs

const WarehouseInput = builder.inputType('WarehouseInput', {
  description: 'A warehouse to create or rename, by code.',
  fields: (t) => ({
    code: t.string({ description: 'Unique code: 1–64 letters, digits, ".", "_" or "-".' }),
    name: t.string({ description: 'Display name (at most 200 characters).' }),
  }),
});

const PricelistInput = builder.inputType('PricelistInput', {
  description: 'A pricelist to create or rename, by code. Its currency cannot change once set.',
  fields: (t) => ({
    code: t.string({ description: 'Unique code.' }),
    name: t.string({ description: 'Display name.' }),
    currency: t.string({ description: 'ISO-4217 code, e.g. "SEK".' }),
  }),
});

const MarketInput = builder.inputType('MarketInput', {
  description: 'A market to create or replace, by code.',
  fields: (t) => ({
    code: t.string({ description: 'Unique code.' }),
    name: t.string({ description: 'Display name.' }),
    countries: t.stringList({ description: 'ISO-3166 alpha-2 country codes the market serves (replaces the stored list).' }),
    warehouseCodes: t.stringList({ description: 'Warehouse codes in allocation order (replaces the stored list).' }),
  }),
});

const PriceInput = builder.inputType('PriceInput', {
  description: 'A variant\'s price in one pricelist.',
  fields: (t) => ({
    pricelistCode: t.string({ description: 'The pricelist, from this import or stored.' }),
    amount: t.field({ type: 'Decimal', description: 'Unit price, net of tax, with at most the currency\'s fraction digits.' }),
  }),
});

const StockInput = builder.inputType('StockInput', {
  description: 'A variant\'s stock in one warehouse.',
  fields: (t) => ({
    warehouseCode: t.string({ description: 'The warehouse, from this import or stored.' }),
    quantity: t.int({ description: 'Units on hand (0 to 1,000,000,000); replaces the stored quantity.' }),
  }),
});

const VariantInput = builder.inputType('VariantInput', {
  description: 'A variant to create or update, by SKU.',
  fields: (t) => ({
    sku: t.string({ description: 'Unique SKU.' }),
    name: t.string({ description: 'Display name.' }),
    prices: t.field({ type: [PriceInput], required: false, description: 'Prices to set; others stay.' }),
    stock: t.field({ type: [StockInput], required: false, description: 'Stock levels to set; others stay.' }),
  }),
});

const ProductInput = builder.inputType('ProductInput', {
  description: 'A product to create or update, by code, with its variants.',
  fields: (t) => ({
    code: t.string({ description: 'Unique code.' }),
    name: t.string({ description: 'Display name.' }),
    variants: t.field({ type: [VariantInput], description: 'Variants to create or update (at most 200).' }),
  }),
});

const ShippingInput = builder.inputType('ShippingInput', {
  description: 'Shipping price for one country of one market, in one pricelist\'s currency.',
  fields: (t) => ({
    marketCode: t.string({ description: 'The market.' }),
    pricelistCode: t.string({ description: 'The pricelist whose currency the amount is in.' }),
    countryCode: t.string({ description: 'A country the market serves.' }),
    amount: t.field({ type: 'Decimal', description: 'Shipping price, net of tax.' }),
  }),
});

const TaxRuleInput = builder.inputType('TaxRuleInput', {
  description: 'Tax rate in percent for a shipping country, e.g. "25".',
  fields: (t) => ({
    countryCode: t.string({ description: 'ISO-3166 alpha-2 country code.' }),
    rate: t.field({ type: 'Decimal', description: 'Percent from 0 to 100, at most 4 fraction digits.' }),
  }),
});

const ImportCatalogInput = builder.inputType('ImportCatalogInput', {
  description: 'Upserts by code / sku; what is not named is left as it is. Each list holds at most 1,000 entries.',
  fields: (t) => ({
    warehouses: t.field({ type: [WarehouseInput], required: false, description: 'Warehouses to create or update.' }),
    pricelists: t.field({ type: [PricelistInput], required: false, description: 'Pricelists to create or update.' }),
    markets: t.field({ type: [MarketInput], required: false, description: 'Markets to create or replace.' }),
    products: t.field({ type: [ProductInput], required: false, description: 'Products with variants, prices and stock.' }),
    shipping: t.field({ type: [ShippingInput], required: false, description: 'Shipping prices to set.' }),
    taxRules: t.field({ type: [TaxRuleInput], required: false, description: 'Tax rates to set.' }),
  }),
});

const SetStockInput = builder.inputType('SetStockInput', {
  description: 'An absolute stock level for one SKU in one warehouse.',
  fields: (t) => ({
    sku: t.string({ description: 'The variant\'s SKU.' }),
    warehouseCode: t.string({ description: 'The warehouse.' }),
    quantity: t.int({ description: 'Units on hand (0 to 1,000,000,000).' }),
  }),
});

// ---------------------------------------------------------------- mutations

const ImportCatalogSuccess = builder
  .objectRef<{ warehouseIds: string[]; pricelistIds: string[]; marketIds: string[]; productIds: string[] }>('ImportCatalogSuccess')
  .implement({
    description: 'What the import created or updated, in input order.',
    fields: (t) => ({
      markets: t.prismaField({
        type: ['Market'],
        description: 'The imported markets.',
        extensions: { items: { argument: ['input', 'markets'], max: LIMITS.importList } },
        resolve: (query, r) => inOrder(r.marketIds, db().market.findMany({ ...query, where: { id: { in: r.marketIds } } })),
      }),
      pricelists: t.prismaField({
        type: ['Pricelist'],
        description: 'The imported pricelists.',
        extensions: { items: { argument: ['input', 'pricelists'], max: LIMITS.importList } },
        resolve: (query, r) => inOrder(r.pricelistIds, db().pricelist.findMany({ ...query, where: { id: { in: r.pricelistIds } } })),
      }),
      warehouses: t.prismaField({
        type: ['Warehouse'],
        description: 'The imported warehouses.',
        extensions: { items: { argument: ['input', 'warehouses'], max: LIMITS.importList } },
        resolve: (query, r) => inOrder(r.warehouseIds, db().warehouse.findMany({ ...query, where: { id: { in: r.warehouseIds } } })),
      }),
      products: t.prismaField({
        type: ['Product'],
        description: 'The imported products.',
        extensions: { items: { argument: ['input', 'products'], max: LIMITS.importList } },
        resolve: (query, r) => inOrder(r.productIds, db().product.findMany({ ...query, where: { id: { in: r.productIds } } })),
      }),
    }),
  });

async function inOrder<T extends { id: string }>(ids: string[], rows: Promise<T[]>): Promise<T[]> {
  const byId = new Map((await rows).map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

const SetStockSuccess = builder.objectRef<{ sku: string; warehouseCode: string; quantity: number }>('SetStockSuccess').implement({
  description: 'The stock level as now stored.',
  fields: (t) => ({
    sku: t.exposeString('sku', { description: 'The variant\'s SKU.' }),
    warehouseCode: t.exposeString('warehouseCode', { description: 'The warehouse.' }),
    quantity: t.exposeInt('quantity', { description: 'Units on hand.' }),
  }),
});

builder.mutationFields((t) => ({
  importCatalog: t.field({
    ...adminOnly,
    type: ImportCatalogSuccess,
    description: 'Admin. Creates or updates warehouses, pricelists, markets, products, shipping and tax in one transaction: a bad entry writes nothing.',
    errors: resultErrors('ImportCatalog', [ValidationFailed, Forbidden]),
    args: { input: t.arg({ type: ImportCatalogInput, description: 'What to create or update.' }) },
    resolve: (_root, { input }) => importCatalog(input),
  }),
  setStock: t.field({
    ...adminOnly,
    type: SetStockSuccess,
    description: 'Admin. Sets the stock of one SKU in one warehouse.',
    errors: resultErrors('SetStock', [ValidationFailed, NotFound, Forbidden]),
    args: { input: t.arg({ type: SetStockInput, description: 'The stock level.' }) },
    resolve: (_root, { input }) => setStock(input),
  }),
}));
