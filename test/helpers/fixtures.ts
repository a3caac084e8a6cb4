// A small standard catalog and storefront sessions for tests.
import { newSessionToken } from '../../src/auth/session.js';
import { db } from '../../src/db/client.js';
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
  input: { marketCode?: string; pricelistCode?: string; countryCode?: string; customerEmail?: string } = {},
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

/** Row counts of every table, to assert that a refused change wrote nothing. */
export async function rowCounts(): Promise<Record<string, number>> {
  const prisma = db();
  const entries = await Promise.all([
    ['warehouse', prisma.warehouse.count()],
    ['pricelist', prisma.pricelist.count()],
    ['market', prisma.market.count()],
    ['marketWarehouse', prisma.marketWarehouse.count()],
    ['product', prisma.product.count()],
    ['variant', prisma.variant.count()],
    ['price', prisma.price.count()],
    ['stockLevel', prisma.stockLevel.count()],
    ['shippingRate', prisma.shippingRate.count()],
    ['taxRule', prisma.taxRule.count()],
    ['customer', prisma.customer.count()],
    ['selection', prisma.selection.count()],
    ['selectionItem', prisma.selectionItem.count()],
  ].map(async ([name, count]) => [name, await count] as const));
  return Object.fromEntries(entries);
}
