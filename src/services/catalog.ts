// The catalog: warehouses, pricelists, markets, products with variants, prices and stock,
// shipping rates and tax rules. importCatalog upserts by code / SKU in one transaction, in the
// steps of import.ts.
import { TRANSACTION, db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import { NotFound } from './errors.js';
import { parseImport, readStored, resolveImport, writeImport } from './import.js';
import type { ImportCatalogInput, ImportCatalogResult } from './import.js';
import { LIMITS, checkCode, checkQuantity } from './validate.js';

/**
 * Checks the whole input, including every reference, before anything is written; then
 * writes it in one transaction. A bad entry is a ValidationFailed naming it.
 */
export async function importCatalog(input: ImportCatalogInput): Promise<ImportCatalogResult> {
  const parsed = parseImport(input);
  return db().$transaction(async (tx) => writeImport(tx, resolveImport(parsed, await readStored(tx, parsed))), TRANSACTION.import);
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
