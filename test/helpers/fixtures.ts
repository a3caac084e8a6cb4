// A small standard catalog and storefront sessions for tests.
import { newSessionToken } from '../../src/auth/session.js';
import { db } from '../../src/db/client.js';
import { Prisma } from '../../src/generated/prisma/client.js';
import { graphql } from '../gql/index.js';
import type { TestApp } from './app.js';

export const ImportCatalog = graphql(`
  mutation TestImportCatalog($input: ImportCatalogInput!) {
    importCatalog(input: $input) {
      __typename
      ... on Error { message code }
      ... on ValidationError { path }
      ... on ImportCatalogSuccess {
        markets { code countries warehouses { code } }
        pricelists { code currency }
        warehouses { code name }
        products { code name variants { sku name } }
      }
    }
  }
`);

export const CreateSelection = graphql(`
  mutation TestCreateSelection($input: CreateSelectionInput!) {
    createSelection(input: $input) {
      __typename
      ... on Error { message code }
      ... on ValidationError { path }
      ... on ShippingUnavailableError { countryCode }
      ... on CreateSelectionSuccess { selection { id currency countryCode status customer { email } } }
    }
  }
`);

export const AddItem = graphql(`
  mutation TestAddItem($input: AddSelectionItemInput!) {
    addSelectionItem(input: $input) {
      __typename
      ... on Error { message code }
      ... on AddSelectionItemSuccess { item { id } }
    }
  }
`);

export const IssueLink = graphql(`
  mutation TestIssueLink($input: IssueShareableLinkInput!) {
    issueShareableLink(input: $input) {
      __typename
      ... on Error { message code }
      ... on ValidationError { path }
      ... on ShippingUnavailableError { countryCode }
      ... on IssueShareableLinkSuccess { hash2 url link { id hash1 status lockItems ignoreShipping ignoreTax expiresAt } }
    }
  }
`);

/** What a claimant's storefront does at checkout: attach the buyer, place the order. */
export const Checkout = graphql(`
  mutation TestCheckout($selectionId: ID!, $key: String!, $email: String! = "buyer@example.com") {
    setCustomer(input: { selectionId: $selectionId, email: $email }) {
      __typename
      ... on Error { message code }
    }
    placeOrder(input: { selectionId: $selectionId, idempotencyKey: $key }) {
      __typename
      ... on Error { message code }
      ... on PlaceOrderSuccess { order { id number } }
    }
  }
`);

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

/**
 * Hands a selection to a new storefront session, as a claim will (issue #3), and returns the
 * session token. `locked` marks it as claimed from a lockItems link.
 */
export async function handToSession(selectionId: string, options: { locked?: boolean } = {}): Promise<string> {
  return db().$transaction(async (tx) => {
    const { token, tokenDigest } = newSessionToken();
    const session = await tx.storefrontSession.create({ data: { tokenDigest }, select: { id: true } });
    await tx.selection.update({ where: { id: selectionId }, data: { sessionId: session.id, locked: options.locked ?? false } });
    return token;
  });
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
