// A small standard catalog and storefront sessions for tests.
import { db } from '../../src/db/client.js';
import { Prisma } from '../../src/generated/prisma/client.js';
import { asSession, is } from './app.js';
import type { TestApp } from './app.js';
import { AddItem, Claim, CreateSelection, ImportCatalog, IssueLink, RemoveItem } from './documents.js';

/**
 * Warehouses W1, W2; pricelists SEK (SEK, 2 digits), JPY (JPY, 0 digits), KWD (KWD, 3 digits);
 * market SE (SE, NO, DK; W1 then W2) with shipping in SEK to SE (49.00) and NO (99.00), none
 * to DK; market JP (JP) with JPY shipping 500 and KW (KW) with KWD shipping 1.250; tax SE 25 %,
 * NO 25 %, JP 10 %, KW 0 %. Variants TEE-S, TEE-M (SEK 149.00, JPY 2000, KWD 4.125), MUG
 * (SEK 89.50, no other prices), stock TEE-S 10 + 5, TEE-M 3, MUG 100.
 */
export const standardCatalog = {
  warehouses: [
    { code: 'W1', name: 'Stockholm' },
    { code: 'W2', name: 'Gothenburg' },
  ],
  pricelists: [
    { code: 'SEK', name: 'Sweden retail', currency: 'SEK' },
    { code: 'JPY', name: 'Japan retail', currency: 'JPY' },
    { code: 'KWD', name: 'Kuwait retail', currency: 'KWD' },
  ],
  markets: [
    { code: 'SE', name: 'Nordics', countries: ['SE', 'NO', 'DK'], warehouseCodes: ['W1', 'W2'] },
    { code: 'JP', name: 'Japan', countries: ['JP'], warehouseCodes: ['W1'] },
    { code: 'KW', name: 'Kuwait', countries: ['KW'], warehouseCodes: ['W2'] },
  ],
  products: [
    {
      code: 'TEE',
      name: 'T-shirt',
      variants: [
        {
          sku: 'TEE-S', name: 'T-shirt S',
          prices: [{ pricelistCode: 'SEK', amount: '149.00' }, { pricelistCode: 'JPY', amount: '2000' }, { pricelistCode: 'KWD', amount: '4.125' }],
          stock: [{ warehouseCode: 'W1', quantity: 10 }, { warehouseCode: 'W2', quantity: 5 }],
        },
        {
          sku: 'TEE-M', name: 'T-shirt M',
          prices: [{ pricelistCode: 'SEK', amount: '149.00' }, { pricelistCode: 'JPY', amount: '2000' }, { pricelistCode: 'KWD', amount: '4.125' }],
          stock: [{ warehouseCode: 'W1', quantity: 3 }],
        },
      ],
    },
    {
      code: 'MUG',
      name: 'Mug',
      variants: [{ sku: 'MUG', name: 'Mug', prices: [{ pricelistCode: 'SEK', amount: '89.50' }], stock: [{ warehouseCode: 'W1', quantity: 100 }] }],
    },
  ],
  shipping: [
    { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', amount: '49.00' },
    { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'NO', amount: '99.00' },
    { marketCode: 'JP', pricelistCode: 'JPY', countryCode: 'JP', amount: '500' },
    { marketCode: 'KW', pricelistCode: 'KWD', countryCode: 'KW', amount: '1.250' },
  ],
  taxRules: [
    { countryCode: 'SE', rate: '25' },
    { countryCode: 'NO', rate: '25' },
    { countryCode: 'JP', rate: '10' },
    { countryCode: 'KW', rate: '0' },
  ],
};

export async function seedCatalog(t: TestApp): Promise<void> {
  const result = await t.admin(ImportCatalog, { input: standardCatalog });
  if (result.importCatalog.__typename !== 'ImportCatalogSuccess') {
    throw new Error(`seeding the catalog failed: ${JSON.stringify(result.importCatalog)}`);
  }
}

/** Creates an admin selection and returns its id. */
export async function createSelection(
  t: TestApp,
  input: { marketCode?: string; pricelistCode?: string; countryCode?: string; customerEmail?: string; relatedOrderId?: string } = {},
): Promise<string> {
  const result = await t.admin(CreateSelection, {
    input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', ...input },
  });
  if (result.createSelection.__typename !== 'CreateSelectionSuccess') {
    throw new Error(`createSelection failed: ${JSON.stringify(result.createSelection)}`);
  }
  return result.createSelection.selection.id;
}

/** An admin selection (createSelection's input) with one mug in it; returns its id. */
export async function mugSelection(t: TestApp, input: Parameters<typeof createSelection>[1] = {}): Promise<string> {
  const selectionId = await createSelection(t, input);
  is((await t.admin(AddItem, { input: { selectionId, sku: 'MUG', quantity: 1 } })).addSelectionItem, 'AddSelectionItemSuccess');
  return selectionId;
}

/** An admin selection with one mug in it (mugSelection), and an ACTIVE link to it. */
export async function mugLink(t: TestApp, input: Parameters<typeof createSelection>[1] = {}) {
  const selectionId = await mugSelection(t, input);
  const issued = is((await t.admin(IssueLink, { input: { selectionId, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
  return { selectionId, linkId: issued.link.id, hash1: issued.link.hash1, hash2: issued.hash2 };
}

/** A storefront session's claimed copy of an admin selection. */
export interface Held {
  token: string;
  /** The session's headers: X-Session-Token. */
  headers: Record<string, string>;
  /** The copy's id. */
  selectionId: string;
  /** The copy's lines, in the order of the original's. */
  itemIds: string[];
}

/**
 * Hands an admin selection to a new storefront session the way a storefront gets one: a link
 * issued (with `locked`, as lockItems) and claimed. The session holds the claim's copy. A link
 * is not issued for an empty selection, so an empty one is shared with a mug that the session
 * then removes from its copy.
 */
export async function handToSession(t: TestApp, selectionId: string, { locked = false }: { locked?: boolean } = {}): Promise<Held> {
  const issue = () => t.admin(IssueLink, { input: { selectionId, lockItems: locked } });
  let issued = (await issue()).issueShareableLink;
  const empty = issued.__typename === 'SelectionStateError' && issued.code === 'SELECTION_EMPTY' && !locked;
  if (empty) {
    is((await t.admin(AddItem, { input: { selectionId, sku: 'MUG', quantity: 1 } })).addSelectionItem, 'AddSelectionItemSuccess');
    issued = (await issue()).issueShareableLink;
  }
  const link = is(issued, 'IssueShareableLinkSuccess');
  const claimed = is((await t.request(Claim, { input: { hash1: link.link.hash1, hash2: link.hash2 } })).data!.claimSelection, 'ClaimSelectionSuccess');
  const held = { token: claimed.sessionToken, headers: asSession(claimed.sessionToken), selectionId: claimed.selection.id, itemIds: claimed.selection.items.map((item) => item.id) };
  if (empty) {
    const removed = await t.data(RemoveItem, { input: { selectionId: held.selectionId, itemId: held.itemIds[0]! } }, held.headers);
    is(removed.removeSelectionItem, 'RemoveSelectionItemSuccess');
    held.itemIds = [];
  }
  return held;
}

/** A table of the schema: each Prisma model is a table of the same name (the schema maps none). */
export type Table = Prisma.ModelName;
const everyTable: readonly Table[] = Object.values(Prisma.ModelName);

/**
 * A row as PostgreSQL's row_to_json writes it: BigInt and Decimal columns are JSON numbers
 * (exact up to 2^53), DateTime an ISO string, Bytes a "\x…" hex string.
 */
export type Row = Record<string, unknown>;

const quoted = (table: Table) => `"${table}"`;

/** Runs ONE statement that builds a JSON object from `[key, SQL expression]` pairs. */
async function selectJson<T>(entries: [key: string, sql: string][]): Promise<T> {
  const pairs = entries.map(([key, sql]) => `'${key}', (${sql})`).join(',\n');
  const [result] = await db().$queryRawUnsafe<{ state: T }[]>(`SELECT json_build_object(${pairs}) AS state`);
  return result!.state;
}

/**
 * Every row of `tables` (by default every table of the schema), read in one statement: a
 * before/after pair of these catches any row changed, added or removed. Each table's rows are
 * in the order of their text form, so equal contents always compare equal.
 */
export async function databaseState<T extends Table = Table>(tables: readonly T[] = everyTable as readonly T[]): Promise<Record<T, Row[]>> {
  return selectJson(tables.map((table) => [table, `SELECT coalesce(json_agg(t ORDER BY t::text), '[]') FROM ${quoted(table)} t`]));
}

/** The number of rows of each of `state`'s tables. */
export function countsOf<T extends Table>(state: Record<T, Row[]>): Record<T, number> {
  return Object.fromEntries(Object.entries<Row[]>(state).map(([table, rows]) => [table, rows.length])) as Record<T, number>;
}

const countedTables: readonly Table[] = [
  'Warehouse', 'Pricelist', 'Market', 'MarketWarehouse', 'Product', 'Variant', 'Price', 'StockLevel', 'ShippingRate', 'TaxRule',
  'Customer', 'Selection', 'SelectionItem',
];

/**
 * Row counts of the catalog and selection tables, keyed by model (`stockLevel`, …), in one
 * statement: to assert that a refused change wrote nothing, or only the rows it should.
 */
export async function rowCounts(): Promise<Record<string, number>> {
  return selectJson(countedTables.map((table) => [table[0]!.toLowerCase() + table.slice(1), `SELECT count(*) FROM ${quoted(table)}`]));
}
