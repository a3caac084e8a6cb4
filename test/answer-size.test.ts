// Hardening round two, finding 1: one session must not be able to stall the server. Every list
// counts at its bound (src/answer-size.ts), an operation whose answer could hold more values
// than its caller's budget (REQUEST_LIMITS.answerValues) is refused before it executes, and a
// storefront cannot reach a product's other variants at all.
import { randomUUID } from 'node:crypto';
import { getNamedType, isInterfaceType, isListType, isNonNullType, isObjectType, isScalarType, parse } from 'graphql';
import type { GraphQLField, GraphQLNamedType, GraphQLObjectType, GraphQLOutputType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerSize, itemsBound } from '../src/answer-size.js';
import { REQUEST_LIMITS } from '../src/limits.js';
import { schema } from '../src/schema/index.js';
import { LIMITS } from '../src/services/validate.js';
import { asAdmin, asSession, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { seedCatalog } from './helpers/fixtures.js';

type Json = { data?: Record<string, unknown> | null; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] };
type Who = 'admin' | 'session';

let t: TestApp;
let session: Record<string, string>;
let sessionSelectionId: string;
let adminSelectionId: string;
let linkId: string;

async function raw(query: string, headers: Record<string, string>, variables?: Record<string, unknown>): Promise<Json> {
  const response = await t.app.yoga.fetch('http://linkcart.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Json;
}

async function ok(query: string, headers: Record<string, string> = asAdmin, variables?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await raw(query, headers, variables);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data!;
}

const headersOf = (who: Who) => (who === 'admin' ? asAdmin : session);

/** The values an answer holds, counted as answerSize counts them: each leaf and each object one. */
function valuesIn(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, entry) => sum + valuesIn(entry), 0);
  if (value !== null && typeof value === 'object') return 1 + Object.values(value).reduce((sum: number, entry) => sum + valuesIn(entry), 0);
  return 1;
}
const answerValues = (data: Record<string, unknown>) => valuesIn(data) - 1;

/**
 * Refused as too large before anything ran: no data, no field error, no SQL statement. With
 * `orCost`, graphql-armor's cost limit (checked first) may be the one that refuses it.
 */
async function expectRefusedUnrun(query: string, who: Who, orCost = false): Promise<void> {
  // The caller is resolved (and a session's token looked up once) before the limit is checked.
  await raw('{ __typename }', headersOf(who));
  const before = t.database.queryCount();
  const result = await raw(query, headersOf(who));
  expect(result.data ?? undefined, JSON.stringify(result).slice(0, 500)).toBeUndefined();
  const refusal = result.errors?.[0];
  if (!(orCost && refusal?.message.includes(`Cost limit of ${REQUEST_LIMITS.cost} exceeded`))) {
    expect(refusal?.extensions, `${query}: ${JSON.stringify(result.errors)}`).toMatchObject({ code: 'ANSWER_TOO_LARGE', limit: REQUEST_LIMITS.answerValues[who === 'admin' ? 'admin' : 'storefront'] });
  }
  expect(result.errors?.[0]?.path).toBeUndefined();
  expect(t.database.queryCount() - before).toBe(0);
}

const WIDE = Array.from({ length: LIMITS.variantsPerProduct }, (_, i) => `WIDE-${String(i).padStart(3, '0')}`);

beforeAll(async () => {
  t = await startTestApp();
  await seedCatalog(t);
  const variants = WIDE.map((sku) => ({ sku, name: sku, prices: [{ pricelistCode: 'SEK', amount: '10.00' }], stock: [{ warehouseCode: 'W1', quantity: 100 }] }));
  await ok('mutation Wide($input: ImportCatalogInput!) { importCatalog(input: $input) { __typename } }', asAdmin, { input: { products: [{ code: 'WIDE', name: 'Wide', variants }] } });
  const created = await ok(`mutation { createSelection(input: { marketCode: "SE", pricelistCode: "SEK", countryCode: "SE" }) { ... on CreateSelectionSuccess { selection { id } } } }`);
  adminSelectionId = (created.createSelection as { selection: { id: string } }).selection.id;
  await ok(`mutation { addSelectionItem(input: { selectionId: "${adminSelectionId}", sku: "WIDE-000", quantity: 1 }) { __typename } }`);
  const issued = (await ok(`mutation { issueShareableLink(input: { selectionId: "${adminSelectionId}", lockItems: false }) { ... on IssueShareableLinkSuccess { hash2 link { id hash1 } } } }`))
    .issueShareableLink as { hash2: string; link: { id: string; hash1: string } };
  linkId = issued.link.id;
  const claimed = (await ok(`mutation { claimSelection(input: { hash1: "${issued.link.hash1}", hash2: "${issued.hash2}" }) { ... on ClaimSelectionSuccess { sessionToken selection { id } } } }`, {}))
    .claimSelection as { sessionToken: string; selection: { id: string } };
  session = asSession(claimed.sessionToken);
  sessionSelectionId = claimed.selection.id;
});
afterAll(() => t?.stop());

// ---------------------------------------------------------------- the finding

describe('a link holder reading its selection through product variants', () => {
  const levels = (n: number, selectionId: () => string) => {
    let inner = 'id sku';
    for (let i = 0; i < n; i++) inner = `variants { ${i === 0 ? inner : `product { ${inner} }`} }`;
    return `query { selection(id: "${selectionId()}") { items { variant { product { ${inner} } } } } }`;
  };

  it('refuses the three-level query of the finding before it runs, for the session and for an admin', async () => {
    const query = `query { selection(id: "${sessionSelectionId}") { items { variant { product { variants { product { variants { product { variants { id sku } } } } } } } } } }`;
    await expectRefusedUnrun(query, 'session');
    await expectRefusedUnrun(query, 'admin');
  });

  it('refuses one level of variants from every line for the session, and two for an admin', async () => {
    await expectRefusedUnrun(levels(1, () => sessionSelectionId), 'session');
    await expectRefusedUnrun(levels(2, () => adminSelectionId), 'admin');
  });

  it('answers a session no variants of a product, so a storefront cannot reach them', async () => {
    const data = await ok(`query { selection(id: "${sessionSelectionId}") { items { variant { sku product { name variants(first: 2) { sku } } } } } }`, session);
    expect(data).toEqual({ selection: { items: [{ variant: { sku: 'WIDE-000', product: { name: 'Wide', variants: [] } } }] } });
  });

  it('lets an admin ask for a page of a product\'s variants from every line', async () => {
    const data = await ok(`query { selection(id: "${adminSelectionId}") { items { variant { product { variants(first: 3) { sku } } } } } }`);
    expect(data).toEqual({ selection: { items: [{ variant: { product: { variants: [{ sku: 'WIDE-000' }, { sku: 'WIDE-001' }, { sku: 'WIDE-002' }] } } }] } });
    const all = await ok(`query { variant(sku: "WIDE-000") { product { variants { sku } } } }`);
    expect((all.variant as { product: { variants: unknown[] } }).product.variants).toHaveLength(LIMITS.variantsPerProduct);
  });

  it('answers a storefront reading a whole selection, at the 500 lines a selection can hold', async () => {
    const query = `query { selection(id: "${sessionSelectionId}") {
      id status countryCode currency locked
      market { code name countries } pricelist { code currency }
      customer { email firstName lastName }
      items { id sku quantity priceLocked unitPrice { amount currency } lineTotal { amount currency } variant { id sku name product { id code name } } }
      totals { subtotal { amount currency } shipping { amount currency } tax { amount currency } grandTotal { amount currency } }
    } }`;
    expect(answerSize(schema, parse(query), undefined, {})).toBeLessThanOrEqual(REQUEST_LIMITS.answerValues.storefront);
    await ok(query, session);
  });
});

describe('budgets and variables', () => {
  it('gives an admin the answer a session is refused: between the two budgets', async () => {
    const query = `query { selection(id: "${adminSelectionId}") { items { variant { product { variants(first: 30) { sku } } } } } }`;
    const size = answerSize(schema, parse(query), undefined, {});
    expect(size).toBeGreaterThan(REQUEST_LIMITS.answerValues.storefront);
    expect(size).toBeLessThanOrEqual(REQUEST_LIMITS.answerValues.admin);
    const data = await ok(query);
    expect((data.selection as { items: { variant: { product: { variants: unknown[] } } }[] }).items[0]!.variant.product.variants).toHaveLength(30);
    await expectRefusedUnrun(query.replace(adminSelectionId, sessionSelectionId), 'session');
  });

  it('counts a page size from a variable\'s declared default when the variable is not sent', async () => {
    const query = 'query Pages($n: Int = 100) { products(first: $n) { edges { node { variants { product { variants { sku } } } } } } }';
    expect(answerSize(schema, parse(query), undefined, {})).toBe(answerSize(schema, parse(query), undefined, { n: 100 }));
    await expectRefusedUnrun(query, 'admin', true);
  });

  it('counts a single input object sent where a list is expected as the one-entry list it becomes', async () => {
    const query = 'mutation One($input: ImportCatalogInput!) { importCatalog(input: $input) { ... on ImportCatalogSuccess { products { variants { product { variants { product { variants { sku } } } } } } } } }';
    const single = { input: { products: { code: 'WIDE', name: 'Wide', variants: [] } } };
    expect(answerSize(schema, parse(query), undefined, single)).toBe(answerSize(schema, parse(query), undefined, { input: { products: [single.input.products] } }));
    await expectRefusedUnrun(query.replace('mutation One($input: ImportCatalogInput!)', 'mutation One($input: ImportCatalogInput! = { products: { code: "WIDE", name: "Wide", variants: [] } })'), 'admin');
  });
});

// ---------------------------------------------------------------- every list

describe('every list field', () => {
  const isList = (type: GraphQLOutputType) => isListType(isNonNullType(type) ? type.ofType : type);
  const listFields: [string, GraphQLField<unknown, unknown>][] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) if (isList(field.type)) listFields.push([`${type.name}.${field.name}`, field]);
  }

  it.each(listFields)('%s declares how many entries it holds', (name, field) => {
    const bound = itemsBound(field);
    if (bound === 'page') expect(name).toMatch(/Connection\.edges$/);
    else if (typeof bound === 'object') expect(bound.max).toBeGreaterThan(0);
    else expect(bound).toBeGreaterThan(0);
  });

  // The generated family: for every list field reachable from Query, the query that reaches it
  // and then follows lists as deep as the depth limit allows. Each is refused before it runs
  // when over the caller's budget; otherwise it runs, and its answer holds no more values than
  // counted.
  const DUMMY_ID = '00000000-0000-0000-0000-000000000000';
  const argumentsFor = (owner: string, field: GraphQLField<unknown, unknown>): string | null => {
    const given: string[] = [];
    for (const arg of field.args) {
      if (arg.name === 'first') given.push('first: 100');
      if (!isNonNullType(arg.type) || arg.defaultValue !== undefined) continue;
      const named = getNamedType(arg.type);
      if (!isScalarType(named)) return null;
      const value = owner === 'Query' && field.name === 'selection' ? `"${sessionSelectionId}"`
        : owner === 'Query' && field.name === 'shareableLink' ? `"${linkId}"`
          : owner === 'Query' && field.name === 'variant' ? '"WIDE-000"'
            : named.name === 'Int' ? '1' : named.name === 'ID' ? `"${DUMMY_ID}"` : '"x"';
      given.push(`${arg.name}: ${value}`);
    }
    return given.length > 0 ? `(${given.join(', ')})` : '';
  };
  const objectFields = (type: GraphQLNamedType) =>
    isObjectType(type) ? Object.values(type.getFields()).filter((field) => !field.name.startsWith('__') && isObjectType(getNamedType(field.type))) : [];

  /** How many object fields away the nearest list of objects is, per type. */
  const toList = new Map<string, number>();
  for (let changed = true; changed;) {
    changed = false;
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      const steps = Math.min(...objectFields(type).map((field) => (isList(field.type) ? 0 : 1 + (toList.get(getNamedType(field.type).name) ?? Infinity))));
      if (steps < (toList.get(type.name) ?? Infinity)) {
        toList.set(type.name, steps);
        changed = true;
      }
    }
  }

  /** Fields from `type` on, as deep as `room` allows, always towards the largest list. */
  const chain = (type: GraphQLNamedType, room: number): string => {
    const next = objectFields(type)
      .map((field) => ({ field, args: argumentsFor(type.name, field) }))
      .filter((entry) => entry.args !== null)
      .sort((a, b) => (toList.get(getNamedType(a.field.type).name) ?? 99) - (toList.get(getNamedType(b.field.type).name) ?? 99)
        || Number(isList(b.field.type)) - Number(isList(a.field.type)))[0];
    if (room <= 1 || !next) return '__typename';
    return `__typename ${next.field.name}${next.args} { ${chain(getNamedType(next.field.type), room - 1)} }`;
  };

  /** For each list field reachable from Query: the path that reaches its type (breadth first). */
  const family = (): [string, string][] => {
    const paths = new Map<string, string[]>([['Query', []]]);
    const queue: GraphQLObjectType[] = [schema.getQueryType()!];
    while (queue.length > 0) {
      const type = queue.shift()!;
      for (const field of objectFields(type)) {
        const target = getNamedType(field.type) as GraphQLObjectType;
        const args = argumentsFor(type.name, field);
        if (args === null || paths.has(target.name)) continue;
        paths.set(target.name, [...paths.get(type.name)!, `${field.name}${args}`]);
        queue.push(target);
      }
    }
    const queries: [string, string][] = [];
    for (const [typeName, path] of paths) {
      const type = schema.getType(typeName) as GraphQLObjectType;
      for (const field of objectFields(type).filter((candidate) => isList(candidate.type))) {
        const room = REQUEST_LIMITS.depth - 1 - path.length;
        const args = argumentsFor(typeName, field) ?? '';
        const inner = `${field.name}${args} { ${chain(getNamedType(field.type), room - 1)} }`;
        queries.push([`${typeName}.${field.name}`, `query { ${path.reduceRight((body, step) => `${step} { ${body} }`, inner)} }`]);
      }
    }
    return queries;
  };

  it('covers every list of objects that a query can reach', () => {
    const covered = family().map(([name]) => name);
    expect(covered).toEqual(expect.arrayContaining(['Selection.items', 'Order.items', 'Product.variants', 'ShareableLink.claims', 'Market.warehouses', 'ProductConnection.edges', 'Query.linkEvents']));
  });

  for (const who of ['session', 'admin'] as const) {
    it(`refuses each one over the ${who}'s budget before it runs, and runs the rest within what it counted`, async () => {
      const budget = REQUEST_LIMITS.answerValues[who === 'admin' ? 'admin' : 'storefront'];
      let refused = 0;
      for (const [name, query] of family()) {
        const size = answerSize(schema, parse(query), undefined, {});
        if (size > budget) {
          await expectRefusedUnrun(query, who, true);
          refused++;
        } else {
          const result = await raw(query, headersOf(who));
          expect(result.errors?.find((error) => error.extensions?.code === 'ANSWER_TOO_LARGE'), name).toBeUndefined();
          if (result.data) expect(answerValues(result.data), name).toBeLessThanOrEqual(size);
        }
      }
      // The chains through nested lists are the amplification the limit is for.
      expect(refused).toBeGreaterThan(3);
    });
  }
});

// ---------------------------------------------------------------- bounds that hold

describe('the bounds the answer size counts on', () => {
  it('keeps a product at 200 variants however many imports add to it: the 201st is a ValidationError and writes nothing', async () => {
    const extra = `{ sku: "WIDE-EXTRA-${randomUUID().slice(0, 8)}", name: "One too many" }`;
    const result = await ok(`mutation { importCatalog(input: { products: [{ code: "WIDE", name: "Wide", variants: [${extra}] }] }) { __typename ... on ValidationError { code path message } } }`);
    expect(result.importCatalog).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', path: ['input', 'products', '0', 'variants'] });
    const all = await ok(`query { variant(sku: "WIDE-000") { product { variants { sku } } } }`);
    expect((all.variant as { product: { variants: unknown[] } }).product.variants).toHaveLength(LIMITS.variantsPerProduct);
  });

  it('answers a link\'s claims a page at a time, with claimCount counting them all', async () => {
    const data = await ok(`query { shareableLink(id: "${linkId}") { claimCount claims(first: 0) { id } all: claims { id } } }`);
    expect(data.shareableLink).toEqual({ claimCount: 1, claims: [], all: [{ id: expect.any(String) }] });
  });

  it('counts a mutation\'s answer by the entries it was given: an import of 2 products may ask for their variants', async () => {
    const query = 'mutation Import($input: ImportCatalogInput!) { importCatalog(input: $input) { ... on ImportCatalogSuccess { products { code variants { sku name } } } } }';
    const products = (n: number) => ({ input: { products: Array.from({ length: n }, (_, i) => ({ code: `COUNTED-${i}`, name: 'Counted', variants: [{ sku: `COUNTED-${i}`, name: 'Counted' }] })) } });
    expect(answerSize(schema, parse(query), undefined, products(2))).toBeLessThanOrEqual(REQUEST_LIMITS.answerValues.admin);
    expect(answerSize(schema, parse(query), undefined, products(1000))).toBeGreaterThan(REQUEST_LIMITS.answerValues.admin);
    const data = await ok(query, asAdmin, products(2));
    expect(data.importCatalog).toEqual({ products: [{ code: 'COUNTED-0', variants: [{ sku: 'COUNTED-0', name: 'Counted' }] }, { code: 'COUNTED-1', variants: [{ sku: 'COUNTED-1', name: 'Counted' }] }] });
  });
});

describe('subscriptions', () => {
  it('refuses a subscription over server-sent events whose every event could be too large, before it starts', async () => {
    const response = await t.app.yoga.fetch('http://linkcart.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...asAdmin },
      body: JSON.stringify({ query: 'subscription { linkEvents { sequence link { claims { selection { items { sku quantity } } } } } }' }),
    });
    const text = await response.text();
    expect(text).toContain('Answer size limit of 100000 values exceeded');
    expect(text).toContain('event: complete');
  });
});
