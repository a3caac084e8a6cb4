// Request limits (src/limits.ts, src/app.ts) as a client sees them: every limit of
// REQUEST_LIMITS just at its value (accepted) and one past it (refused with a GraphQL error
// or HTTP status that names it, and nothing executed); one claimSelection per operation; no
// JSON batching; the body and WebSocket message size; GET and CSRF rules; bad bytes and
// content types as 4xx; introspection and suggestions off in production only; masked errors.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Lexer, Source, TokenKind, getIntrospectionQuery } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { db } from '../src/db/client.js';
import { CSRF_HEADER, REQUEST_LIMITS } from '../src/limits.js';
import { graphql } from './gql/index.js';
import { ADMIN_KEY, asAdmin, is, startTestApp } from './helpers/app.js';
import type { GraphQLResponse, TestApp } from './helpers/app.js';
import { AddItem, Claim, IssueLink } from './helpers/documents.js';
import { createSelection, rowCounts, seedCatalog } from './helpers/fixtures.js';

// ---------------------------------------------------------------- documents

const LimitLinkClaims = graphql(`
  query LimitLinkClaims($id: ID!) {
    shareableLink(id: $id) { status claims { id } }
  }
`);

const LimitStatic = graphql(`
  query LimitStatic($name: String!) {
    static(name: $name) { name content }
  }
`);

const LimitSelectionItems = graphql(`
  query LimitSelectionItems($id: ID!) {
    selection(id: $id) { items { sku quantity } }
  }
`);

// ---------------------------------------------------------------- helpers

/** Nothing of the failure underneath: no Prisma text, SQL, table names or stack frames. */
function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/prisma|invocation|does not exist|relation|node_modules|driver|adapter|postgres|pglite/i);
  expect(text).not.toMatch(/"Static"|Static_moved_away|public\.|SELECT|INSERT|ON CONFLICT|\n\s+at |\bat .*:\d+:\d+|\.ts:\d|"stack"/);
}

type Json = GraphQLResponse<Record<string, unknown>>;

/** A raw GraphQL-over-HTTP POST through yoga in-process; the body is sent as given when a string. */
async function post(t: TestApp, body: unknown, headers: Record<string, string> = asAdmin): Promise<{ status: number; json: Json }> {
  const response = await t.app.yoga.fetch('http://linkcart.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Json };
}

/** Runs a raw document as the admin. */
async function run(t: TestApp, query: string, variables?: Record<string, unknown>, operationName?: string): Promise<Json> {
  return (await post(t, { query, variables, operationName })).json;
}

/** A refusal: one GraphQL error whose message contains `text`, and no data at all. */
function expectRefused(result: Json, text: string): void {
  expect(result.data, JSON.stringify(result)).toBeUndefined();
  expect(result.errors?.length, JSON.stringify(result)).toBeGreaterThan(0);
  expect(result.errors!.map((e) => e.message).join('\n')).toContain(text);
}

function expectAccepted(result: Json): Record<string, unknown> {
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  expect(result.data).toBeTruthy();
  return result.data!;
}

async function staticContent(t: TestApp, name: string): Promise<string | null> {
  return (await t.admin(LimitStatic, { name })).static?.content ?? null;
}

/** Significant lexical tokens of a document, as graphql-armor's max-tokens counts them. */
function tokenCount(document: string): number {
  const lexer = new Lexer(new Source(document));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count++;
  return count;
}

/**
 * `levels` nested levels of a Selection's fields, the leaf counted:
 * items { variant { product { variants { product … { sku } } } } }.
 */
function deepItems(levels: number): string {
  // One variant per product: every level deep, and an answer within the admin's answer size.
  const path = ['items', 'variant'];
  while (path.length < levels - 1) path.push(path.length % 2 === 0 ? 'product' : 'variants(first: 1)');
  const leaf = path[path.length - 1] === 'product' ? 'code' : 'sku';
  return path.reduceRight((inner, field) => `${field} { ${inner} }`, leaf);
}

/** A JSON text of exactly `bytes` bytes (trailing whitespace is valid JSON). */
function jsonOfSize(value: unknown, bytes: number): Buffer {
  const text = JSON.stringify(value);
  const padding = bytes - Buffer.byteLength(text);
  if (padding < 0) throw new Error(`${text.length} bytes do not fit in ${bytes}`);
  return Buffer.from(text + ' '.repeat(padding));
}

const setStaticMutation = (name: string) => `mutation { setStatic(input: { name: "${name}", content: "written" }) { __typename } }`;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One request over a real socket with node:http, so that bodies, lengths and bytes are exactly
 * as given. Settles on the response: a server that answers early (413) and closes the
 * connection while the body is still being written is what is tested, not an error.
 */
function send(url: string, options: { method?: string; path?: string; headers?: Record<string, string | number>; body?: Buffer | string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}${options.path ?? '/graphql'}`, { method: options.method ?? 'POST', headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    if (options.body !== undefined) request.write(options.body);
    request.end();
  });
}

/**
 * What a client that streams a body of `size` bytes in 64 KB pieces reads back over a raw
 * socket; 'error <code>' when writing failed (the server closed the connection under it).
 */
function uploadSlowly(url: string, size: number): Promise<string> {
  return new Promise((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
    socket.on('close', () => resolve(answer));
    socket.write(`POST /graphql HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`);
    const piece = Buffer.alloc(64 * 1024, 32);
    let sent = 0;
    const next = () => {
      if (sent >= size || socket.destroyed) return;
      sent += piece.length;
      socket.write(piece, () => setImmediate(next));
    };
    next();
  });
}

/** A POST with a JSON (or other) body of known length. */
function postRaw(url: string, body: Buffer | string, headers: Record<string, string | number> = {}): Promise<RawResponse> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return send(url, { body: bytes, headers: { 'content-type': 'application/json', 'content-length': bytes.length, ...asAdmin, ...headers } });
}

/** The server still answers a plain query after whatever came before. */
async function expectStillAnswering(url: string): Promise<void> {
  const response = await postRaw(url, JSON.stringify({ query: '{ __typename }' }));
  expect(response.status).toBe(200);
  expect(JSON.parse(response.text)).toEqual({ data: { __typename: 'Query' } });
}

/** A graphql-transport-ws socket, initialised as the admin. */
async function adminSocket(url: string) {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: { id?: string; type: string; payload?: unknown }[] = [];
  const waiters: (() => void)[] = [];
  let closedWith: { code: number; reason: string } | undefined;
  const wakeAll = () => {
    for (const wake of waiters.splice(0)) wake();
  };
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as (typeof messages)[number]);
    wakeAll();
  });
  const closed = new Promise<number>((resolve) =>
    socket.once('close', (code, reason) => {
      closedWith = { code, reason: String(reason) };
      wakeAll();
      resolve(code);
    }),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  /** The first message (already received or still to come) that matches; fails if the socket closes first. */
  const next = async (match: (message: (typeof messages)[number]) => boolean) => {
    for (;;) {
      const found = messages.find(match);
      if (found) return found;
      if (closedWith) throw new Error(`the socket was closed with ${closedWith.code} ${closedWith.reason}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ADMIN_KEY}` } }));
  await next((message) => message.type === 'connection_ack');
  return { socket, messages, next, closed };
}

// ================================================================ development

describe('development (NODE_ENV unset)', () => {
  let t: TestApp;
  let url: string;
  let selectionId: string;
  let link: { id: string; hash1: string; hash2: string };

  beforeAll(async () => {
    t = await startTestApp();
    url = await t.app.start();
    await seedCatalog(t);
    selectionId = await createSelection(t);
    const added = await t.admin(AddItem, { input: { selectionId, sku: 'MUG', quantity: 1 } });
    is(added.addSelectionItem, 'AddSelectionItemSuccess');
    // A second selection, shared through a link, for the claim tests.
    const shared = await createSelection(t);
    is((await t.admin(AddItem, { input: { selectionId: shared, sku: 'TEE-S', quantity: 1 } })).addSelectionItem, 'AddSelectionItemSuccess');
    const issued = is((await t.admin(IssueLink, { input: { selectionId: shared, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
    link = { id: issued.link.id, hash1: issued.link.hash1, hash2: issued.hash2 };
  });
  afterAll(() => t.stop());

  const mugQuantity = async () => (await t.admin(LimitSelectionItems, { id: selectionId })).selection!.items.find((item) => item.sku === 'MUG')!.quantity;

  describe('depth', () => {
    const query = (depth: number) => `query LimitDepth($id: ID!) { selection(id: $id) { ${deepItems(depth - 1)} } }`;

    it(`accepts a query ${REQUEST_LIMITS.depth} levels deep and refuses one ${REQUEST_LIMITS.depth + 1} deep`, async () => {
      const accepted = expectAccepted(await run(t, query(REQUEST_LIMITS.depth), { id: selectionId }));
      expect(JSON.stringify(accepted)).toContain('"sku":"MUG"');
      expectRefused(await run(t, query(REQUEST_LIMITS.depth + 1), { id: selectionId }), `depth limit of ${REQUEST_LIMITS.depth} exceeded, found ${REQUEST_LIMITS.depth + 1}`);
    });

    it('counts levels through fragments too', async () => {
      // The same shape, its middle moved into a named fragment and an inline fragment.
      const document = (depth: number) => `
        query LimitDepthFragments($id: ID!) { selection(id: $id) { ... on Selection { items { ...LimitDeepVariant } } } }
        fragment LimitDeepVariant on SelectionItem { ${deepItems(depth - 1).replace(/^items \{ /, '').replace(/ \}$/, '')} }`;
      expectAccepted(await run(t, document(REQUEST_LIMITS.depth), { id: selectionId }));
      expectRefused(await run(t, document(REQUEST_LIMITS.depth + 1), { id: selectionId }), `depth limit of ${REQUEST_LIMITS.depth} exceeded`);
    });

    it('runs a mutation at the limit and refuses one past it without writing', async () => {
      // addSelectionItem (1) > selection (2) > items (3) … leaf (depth).
      const mutation = (depth: number) => `mutation LimitDepthWrite($id: ID!) {
        addSelectionItem(input: { selectionId: $id, sku: "MUG", quantity: 1 }) {
          __typename ... on AddSelectionItemSuccess { selection { ${deepItems(depth - 2)} } }
        }
      }`;
      const before = await mugQuantity();
      expectRefused(await run(t, mutation(REQUEST_LIMITS.depth + 1), { id: selectionId }), `depth limit of ${REQUEST_LIMITS.depth} exceeded`);
      expect(await mugQuantity()).toBe(before);
      const accepted = expectAccepted(await run(t, mutation(REQUEST_LIMITS.depth), { id: selectionId }));
      expect((accepted.addSelectionItem as { __typename: string }).__typename).toBe('AddSelectionItemSuccess');
      expect(await mugQuantity()).toBe(before + 1);
    });
  });

  describe('aliases', () => {
    const mutation = (prefix: string, count: number) =>
      `mutation LimitAliases { ${Array.from({ length: count }, (_, i) => `a${i}: setStatic(input: { name: "${prefix}_${i}", content: "x" }) { __typename }`).join(' ')} }`;
    const written = (prefix: string) => db().static.count({ where: { name: { startsWith: `${prefix}_` } } });

    it(`runs ${REQUEST_LIMITS.aliases} aliased fields and refuses ${REQUEST_LIMITS.aliases + 1} without running any`, async () => {
      expectRefused(await run(t, mutation('limit_alias_over', REQUEST_LIMITS.aliases + 1)), `Aliases limit of ${REQUEST_LIMITS.aliases} exceeded, found ${REQUEST_LIMITS.aliases + 1}`);
      expect(await written('limit_alias_over')).toBe(0);
      const data = expectAccepted(await run(t, mutation('limit_alias_at', REQUEST_LIMITS.aliases)));
      expect(Object.keys(data)).toHaveLength(REQUEST_LIMITS.aliases);
      expect(await written('limit_alias_at')).toBe(REQUEST_LIMITS.aliases);
    });

    it('counts aliases inside fragments', async () => {
      const half = Math.ceil((REQUEST_LIMITS.aliases + 1) / 2);
      const fields = (from: number, count: number) => Array.from({ length: count }, (_, i) => `s${from + i}: static(name: "x") { name }`).join(' ');
      const document = `query LimitAliasFragments { ${fields(0, half)} ...LimitMoreAliases }
        fragment LimitMoreAliases on Query { ${fields(half, REQUEST_LIMITS.aliases + 1 - half)} }`;
      expectRefused(await run(t, document), `Aliases limit of ${REQUEST_LIMITS.aliases} exceeded`);
    });
  });

  describe('cost', () => {
    // graphql-armor's cost: a page of 100 `{ __typename }` costs (2 + 1.5 × 1) × 100 = 350, a
    // top-level __typename 1; so the document costs exactly `cost`.
    const page = 'warehouses(first: 100) { __typename }';
    const query = (cost: number) => {
      const pages = Math.floor(cost / 350);
      return `query LimitCost { ${`${page} `.repeat(pages)}${'__typename '.repeat(cost - pages * 350)}}`;
    };

    it(`accepts a query costing ${REQUEST_LIMITS.cost} and refuses one costing ${REQUEST_LIMITS.cost + 1}`, async () => {
      const data = expectAccepted(await run(t, query(REQUEST_LIMITS.cost)));
      expect(data.__typename).toBe('Query');
      expectRefused(await run(t, query(REQUEST_LIMITS.cost + 1)), `Cost limit of ${REQUEST_LIMITS.cost} exceeded, found ${REQUEST_LIMITS.cost + 1}`);
    });

    it('refuses the whole document when one operation is over the cost: its mutation writes nothing', async () => {
      const document = (cost: number, name: string) =>
        `${setStaticMutation(name).replace('mutation', 'mutation LimitCostWrite')} ${query(cost)}`;
      expectRefused(await run(t, document(REQUEST_LIMITS.cost + 1, 'limit_cost_over'), undefined, 'LimitCostWrite'), `Cost limit of ${REQUEST_LIMITS.cost} exceeded`);
      expect(await staticContent(t, 'limit_cost_over')).toBeNull();
      expectAccepted(await run(t, document(REQUEST_LIMITS.cost, 'limit_cost_at'), undefined, 'LimitCostWrite'));
      expect(await staticContent(t, 'limit_cost_at')).toBe('written');
    });

    it('costs a page size given as a variable like the same page size written in the document', async () => {
      // One page of 100 products, five lists deep: far over the limit with first: 100 …
      const selection = '{ edges { node { variants { product { variants { product { variants { sku } } } } } } } }';
      expectRefused(await run(t, `query LimitCostLiteral { products(first: 100) ${selection} }`), `Cost limit of ${REQUEST_LIMITS.cost} exceeded`);
      // … and exactly the same work when the 100 comes in a variable, as typed clients send it.
      expectRefused(
        await run(t, `query LimitCostVariable($first: Int) { products(first: $first) ${selection} }`, { first: 100 }),
        `Cost limit of ${REQUEST_LIMITS.cost} exceeded`,
      );
    });
  });

  describe('tokens', () => {
    // A mutation plus a query operation whose list literal pads the document to `tokens`
    // tokens; the mutation is the one run.
    const document = (tokens: number, name: string) => {
      const build = (entries: number) =>
        `${setStaticMutation(name).replace('mutation', 'mutation LimitTokensWrite')}
         query LimitTokensPad { linkEvents(first: 1, types: [${'CLAIMED '.repeat(entries)}]) { id } }`;
      const text = build(tokens - tokenCount(build(0)));
      expect(tokenCount(text)).toBe(tokens);
      return text;
    };

    it(`runs a document of ${REQUEST_LIMITS.tokens} tokens and refuses one of ${REQUEST_LIMITS.tokens + 1} without running it`, async () => {
      expectRefused(await run(t, document(REQUEST_LIMITS.tokens + 1, 'limit_tokens_over'), undefined, 'LimitTokensWrite'), `Token limit of ${REQUEST_LIMITS.tokens} exceeded`);
      expect(await staticContent(t, 'limit_tokens_over')).toBeNull();
      expectAccepted(await run(t, document(REQUEST_LIMITS.tokens, 'limit_tokens_at'), undefined, 'LimitTokensWrite'));
      expect(await staticContent(t, 'limit_tokens_at')).toBe('written');
      // The padding operation is a real query too.
      expect(expectAccepted(await run(t, document(REQUEST_LIMITS.tokens, 'unused'), undefined, 'LimitTokensPad')).linkEvents).toEqual(expect.any(Array));
    });
  });

  describe('directives', () => {
    const mutation = (count: number, name: string) => {
      const typenames = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? '__typename @include(if: true)' : '__typename @skip(if: false)'));
      return `mutation LimitDirectives { setStatic(input: { name: "${name}", content: "written" }) { ${typenames.join(' ')} } }`;
    };

    it(`runs ${REQUEST_LIMITS.directives} directives and refuses ${REQUEST_LIMITS.directives + 1} without running`, async () => {
      expectRefused(await run(t, mutation(REQUEST_LIMITS.directives + 1, 'limit_directives_over')), `Directives limit of ${REQUEST_LIMITS.directives} exceeded, found ${REQUEST_LIMITS.directives + 1}`);
      expect(await staticContent(t, 'limit_directives_over')).toBeNull();
      const data = expectAccepted(await run(t, mutation(REQUEST_LIMITS.directives, 'limit_directives_at')));
      expect(data.setStatic).toEqual({ __typename: 'SetStaticSuccess' });
      expect(await staticContent(t, 'limit_directives_at')).toBe('written');
    });
  });

  describe('one claimSelection per operation', () => {
    const claim = (alias = '') => `${alias}claimSelection(input: $input) { __typename ... on ClaimSelectionSuccess { sessionToken } }`;
    const batches: [string, string][] = [
      ['two aliases', `mutation LimitClaims($input: ClaimSelectionInput!) { a: ${claim()} b: ${claim()} }`],
      ['an alias and the plain field', `mutation LimitClaims($input: ClaimSelectionInput!) { ${claim()} again: ${claim()} }`],
      ['two named fragments', `mutation LimitClaims($input: ClaimSelectionInput!) { ...LimitClaimA ...LimitClaimB }
        fragment LimitClaimA on Mutation { a: ${claim()} }
        fragment LimitClaimB on Mutation { b: ${claim()} }`],
      ['a fragment within a fragment', `mutation LimitClaims($input: ClaimSelectionInput!) { a: ${claim()} ...LimitClaimOuter }
        fragment LimitClaimOuter on Mutation { ...LimitClaimInner }
        fragment LimitClaimInner on Mutation { b: ${claim()} }`],
      ['inline fragments', `mutation LimitClaims($input: ClaimSelectionInput!) { ... on Mutation { a: ${claim()} } ... { b: ${claim()} } }`],
      ['one of them skipped', `mutation LimitClaims($input: ClaimSelectionInput!) { a: ${claim()} b: ${claim().replace('(input: $input)', '(input: $input) @skip(if: true)')} }`],
    ];

    it.each(batches)('refuses two claims through %s, claiming nothing', async (_name, document) => {
      const before = await rowCounts();
      expectRefused(await run(t, document, { input: { hash1: link.hash1, hash2: link.hash2 } }), 'claimSelection may appear once per request');
      expect(await rowCounts()).toEqual(before);
      expect((await t.admin(LimitLinkClaims, { id: link.id })).shareableLink).toEqual({ status: 'ACTIVE', claims: [] });
    });

    it('refuses two guesses at a link\'s hash2 in one request', async () => {
      const document = `mutation LimitGuesses { a: claimSelection(input: { hash1: "${link.hash1}", hash2: "guess-1" }) { __typename }
        b: claimSelection(input: { hash1: "${link.hash1}", hash2: "guess-2" }) { __typename } }`;
      expectRefused(await run(t, document), 'claimSelection may appear once per request');
    });

    it('runs one claim', async () => {
      const result = await t.request(Claim, { input: { hash1: link.hash1, hash2: link.hash2 } });
      expect(result.errors).toBeUndefined();
      is(result.data!.claimSelection, 'ClaimSelectionSuccess');
      expect((await t.admin(LimitLinkClaims, { id: link.id })).shareableLink!.claims).toHaveLength(1);
    });
  });

  describe('batching', () => {
    it('refuses a JSON array of operations, running none of them', async () => {
      for (const batch of [
        [{ query: setStaticMutation('limit_batch_a') }, { query: setStaticMutation('limit_batch_b') }],
        [{ query: setStaticMutation('limit_batch_a') }],
      ]) {
        const { status, json } = await post(t, batch);
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
        expect(json.errors?.[0]?.message).toMatch(/batching/i);
      }
      expect(await staticContent(t, 'limit_batch_a')).toBeNull();
      expect(await staticContent(t, 'limit_batch_b')).toBeNull();
    });
  });

  describe('introspection and suggestions (on outside production)', () => {
    it('answers introspection, GraphiQL\'s full query included', async () => {
      const types = expectAccepted(await run(t, '{ __schema { types { name } } }')).__schema as { types: { name: string }[] };
      expect(types.types.map((type) => type.name)).toContain('ShareableLink');
      const full = expectAccepted(await run(t, getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true })));
      expect((full.__schema as { queryType: { name: string } }).queryType.name).toBe('Query');
    });

    it('suggests the field a misspelled one may have meant', async () => {
      const { json } = await post(t, { query: '{ statc(name: "x") { name } }' });
      expectRefused(json, 'Did you mean "static"?');
    });
  });

  describe('over HTTP', () => {
    it(`runs a POST body of exactly ${REQUEST_LIMITS.bodyBytes} bytes and refuses one byte more with 413, running nothing`, async () => {
      const over = await postRaw(url, jsonOfSize({ query: setStaticMutation('limit_body_over') }, REQUEST_LIMITS.bodyBytes + 1));
      expect(over.status).toBe(413);
      expect(await staticContent(t, 'limit_body_over')).toBeNull();
      const at = await postRaw(url, jsonOfSize({ query: setStaticMutation('limit_body_at') }, REQUEST_LIMITS.bodyBytes));
      expect(at.status).toBe(200);
      expect(JSON.parse(at.text)).toEqual({ data: { setStatic: { __typename: 'SetStaticSuccess' } } });
      expect(await staticContent(t, 'limit_body_at')).toBe('written');
      await expectStillAnswering(url);
    });

    it('lets ten clients still sending a 15 MB body read the 413, instead of a reset connection', async () => {
      // Each writes its body in 64 KB pieces, the next once the last was sent, as an upload
      // streams a file: a server that answered and closed at once left them with EPIPE (10 of 10).
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => uploadSlowly(url, 15 * 1024 * 1024)));
      expect(outcomes.map((outcome) => outcome.slice(0, 12))).toEqual(Array(10).fill('HTTP/1.1 413'));
      await expectStillAnswering(url);
    });

    it('refuses a POST without a length (chunked) with 411, running nothing', async () => {
      const response = await send(url, {
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...asAdmin },
        body: JSON.stringify({ query: setStaticMutation('limit_chunked') }),
      });
      expect(response.status).toBe(411);
      expect(await staticContent(t, 'limit_chunked')).toBeNull();
    });

    it('refuses a mutation over GET with 405, running nothing', async () => {
      const query = encodeURIComponent(setStaticMutation('limit_get_mutation'));
      const response = await fetch(`${url}/graphql?query=${query}`, { headers: { [CSRF_HEADER]: '1', ...asAdmin } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(((await response.json()) as Json).errors?.[0]?.message).toMatch(/mutation.*POST/);
      expect(await staticContent(t, 'limit_get_mutation')).toBeNull();
    });

    it(`answers a GET query without the ${CSRF_HEADER} header, as urql sends one by default`, async () => {
      // urql's GET: its accept header, no content type, no custom header.
      const accept = 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed';
      const response = await fetch(`${url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
      // A GET still cannot change anything, with or without the header.
      const mutation = await fetch(`${url}/graphql?query=${encodeURIComponent(setStaticMutation('limit_get_plain'))}`, { headers: { accept, ...asAdmin } });
      expect(mutation.status).toBe(405);
      expect(await staticContent(t, 'limit_get_plain')).toBeNull();
    });

    it.each(['text/plain', 'text/plain;charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
      'refuses a POST of content type %s (no CORS preflight) with 403, running nothing',
      async (contentType) => {
        const body = contentType.startsWith('application/x-www-form-urlencoded')
          ? `query=${encodeURIComponent(setStaticMutation('limit_csrf'))}`
          : JSON.stringify({ query: setStaticMutation('limit_csrf') });
        const response = await postRaw(url, body, { 'content-type': contentType });
        expect(response.status).toBe(403);
        expect(response.text).toContain('CSRF');
        expect(await staticContent(t, 'limit_csrf')).toBeNull();
      },
    );

    it('answers POSTs of application/json and application/graphql', async () => {
      const json = await postRaw(url, JSON.stringify({ query: setStaticMutation('limit_post_json') }));
      expect(json.status).toBe(200);
      expect(await staticContent(t, 'limit_post_json')).toBe('written');
      const document = await postRaw(url, setStaticMutation('limit_post_graphql'), { 'content-type': 'application/graphql' });
      expect(document.status).toBe(200);
      expect(JSON.parse(document.text)).toEqual({ data: { setStatic: { __typename: 'SetStaticSuccess' } } });
      expect(await staticContent(t, 'limit_post_graphql')).toBe('written');
    });

    it('refuses invalid UTF-8 in a JSON body with a 4xx, running nothing, and keeps answering', async () => {
      const body = Buffer.concat([
        Buffer.from('{"query":"mutation { setStatic(input: { name: \\"limit_utf8\\", content: \\"'),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
        Buffer.from('\\" }) { __typename } }"}'),
      ]);
      const response = await postRaw(url, body);
      expect(response.status, response.text).toBeGreaterThanOrEqual(400);
      expect(response.status, response.text).toBeLessThan(500);
      expect(await staticContent(t, 'limit_utf8')).toBeNull();
      await expectStillAnswering(url);
    });

    it('refuses a content type it does not read with a 4xx and keeps answering', async () => {
      for (const contentType of ['application/xml', 'image/png', 'application/json-patch+json']) {
        const response = await postRaw(url, JSON.stringify({ query: setStaticMutation('limit_content_type') }), { 'content-type': contentType });
        expect(response.status, `${contentType}: ${response.text}`).toBeGreaterThanOrEqual(400);
        expect(response.status, `${contentType}: ${response.text}`).toBeLessThan(500);
      }
      expect(await staticContent(t, 'limit_content_type')).toBeNull();
      await expectStillAnswering(url);
    });

    it('refuses malformed JSON in GET parameters with a 4xx, never a 5xx, and keeps answering', async () => {
      for (const parameter of ['variables', 'extensions']) {
        const response = await fetch(`${url}/graphql?query=${encodeURIComponent('{ __typename }')}&${parameter}=%7Bnot-json`, { headers: { [CSRF_HEADER]: '1' } });
        const text = await response.text();
        expect(response.status, `${parameter}: ${text}`).toBeGreaterThanOrEqual(400);
        expect(response.status, `${parameter}: ${text}`).toBeLessThan(500);
      }
      await expectStillAnswering(url);
    });
  });

  describe('JSON nesting', () => {
    const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    /** A body whose variables hold a value nesting `levels` arrays (unused by the query). */
    const body = (levels: number, tail = '') => `{"query":"query LimitNesting { __typename }","variables":{"deep":${nested(levels)}}${tail}}`;
    const refusal = `nests arrays and objects deeper than ${REQUEST_LIMITS.jsonDepth} levels`;

    it(`answers a body nesting ${REQUEST_LIMITS.jsonDepth} levels and refuses ${REQUEST_LIMITS.jsonDepth + 1} with 400, before parsing it`, async () => {
      // The variables object is one level, the body another.
      const at = await postRaw(url, body(REQUEST_LIMITS.jsonDepth - 2));
      expect(JSON.parse(at.text)).toEqual({ data: { __typename: 'Query' } });
      const over = await postRaw(url, body(REQUEST_LIMITS.jsonDepth - 1));
      expect(over.status).toBe(400);
      expect(over.text).toContain(`The body ${refusal}`);
      // Brackets inside strings are text, not nesting.
      const inString = await postRaw(url, JSON.stringify({ query: 'query LimitNesting { __typename }', variables: { text: '['.repeat(1000) } }));
      expect(JSON.parse(inString.text)).toEqual({ data: { __typename: 'Query' } });
      // Refused before it is parsed: a body that is also not JSON at its end gets the nesting answer.
      const broken = await postRaw(url, body(100_000, ', not json'));
      expect(broken.status).toBe(400);
      expect(broken.text).toContain(`The body ${refusal}`);
      await expectStillAnswering(url);
    });

    it('refuses an anonymous body nesting 400,000 arrays (800 KB) with 400 and keeps answering', async () => {
      const deep = await postRaw(url, body(400_000), { authorization: '' });
      expect(deep.status).toBe(400);
      expect(deep.text).toContain(refusal);
      await expectStillAnswering(url);
    });

    it('checks every content type that is read as JSON or as a form: lists, parameters, case', async () => {
      for (const contentType of ['application/json,x', 'application/json; charset=utf-8', 'Application/JSON', 'application/graphql+json, text/plain', ' application/json ']) {
        const deep = await postRaw(url, body(1000), { 'content-type': contentType });
        expect(deep.status, `${contentType}: ${deep.text.slice(0, 200)}`).toBe(400);
        expect(deep.text).toContain(`The body ${refusal}`);
      }
      const form = await postRaw(url, `query=${encodeURIComponent('{ __typename }')}&variables=${encodeURIComponent(`{"deep":${nested(1000)}}`)}`, {
        'content-type': 'application/x-www-form-urlencoded,x',
        [CSRF_HEADER]: '1',
      });
      expect(form.status, form.text.slice(0, 200)).toBe(400);
      await expectStillAnswering(url);
    });

    it('refuses a form body whose variables nest too deep with 400, and any multipart body with 415', async () => {
      const variables = `{"deep":${nested(REQUEST_LIMITS.jsonDepth)}}`;
      const form = await postRaw(url, `query=${encodeURIComponent('{ __typename }')}&variables=${encodeURIComponent(variables)}`, {
        'content-type': 'application/x-www-form-urlencoded',
        [CSRF_HEADER]: '1',
      });
      expect(form.status, form.text).toBe(400);
      expect(form.text).toContain(`The variables parameter ${refusal}`);
      const boundary = 'linkcart-boundary';
      const multipart = [`--${boundary}`, 'Content-Disposition: form-data; name="operations"', '', `{"query":"{ __typename }","variables":${variables}}`, `--${boundary}`, 'Content-Disposition: form-data; name="map"', '', '{}', `--${boundary}--`, ''].join('\r\n');
      const parts = await postRaw(url, multipart, { 'content-type': `multipart/form-data; boundary=${boundary}`, [CSRF_HEADER]: '1' });
      // No file uploads here: a multipart body is refused whatever it holds.
      expect(parts.status, parts.text).toBe(415);
      await expectStillAnswering(url);
    });

    it('refuses GET variables nesting too deep with 400', async () => {
      const response = await fetch(`${url}/graphql?query=${encodeURIComponent('{ __typename }')}&variables=${encodeURIComponent(`{"deep":${nested(REQUEST_LIMITS.jsonDepth)}}`)}`);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(`The variables parameter ${refusal}`);
    });

    it('closes a socket whose message nests too deep with 4400, connection_init before any key included', async () => {
      const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      const closed = new Promise<[number, string]>((resolve) => socket.once('close', (code, reason) => resolve([code, String(reason)])));
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(`{"type":"connection_init","payload":{"deep":${nested(400_000)}}}`);
      expect(await closed).toEqual([4400, `Invalid message: nests deeper than ${REQUEST_LIMITS.jsonDepth} levels`]);

      const { socket: admin, closed: adminClosed } = await adminSocket(url);
      admin.send(`{"id":"deep","type":"subscribe","payload":{"query":"{ __typename }","variables":{"deep":${nested(REQUEST_LIMITS.jsonDepth)}}}}`);
      expect(await adminClosed).toBe(4400);
      await expectStillAnswering(url);
    });
  });

  describe('over graphql-ws', () => {
    const typenameQuery = (id: string) => ({ id, type: 'subscribe', payload: { query: 'query LimitSocketTypename { __typename }' } });

    it(`runs a message of exactly ${REQUEST_LIMITS.socketMessageBytes} bytes and closes the socket with 1009 on one byte more`, async () => {
      const { socket, next, closed } = await adminSocket(url);
      socket.send(jsonOfSize(typenameQuery('at'), REQUEST_LIMITS.socketMessageBytes));
      expect(await next((message) => message.id === 'at' && message.type === 'next')).toMatchObject({ payload: { data: { __typename: 'Query' } } });
      await next((message) => message.id === 'at' && message.type === 'complete');

      socket.send(jsonOfSize(typenameQuery('over'), REQUEST_LIMITS.socketMessageBytes + 1));
      expect(await closed).toBe(1009);
      await expectStillAnswering(url);
    });

    // Each refusal is an `error` message for that operation: the socket stays open.
    const refusals: [string, () => string, Record<string, unknown> | undefined, string][] = [
      ['over the depth limit', () => `query LimitDepthSocket($id: ID!) { selection(id: $id) { ${deepItems(REQUEST_LIMITS.depth)} } }`, { id: '00000000-0000-0000-0000-000000000000' }, `depth limit of ${REQUEST_LIMITS.depth} exceeded`],
      ['over the aliases limit', () => `query LimitAliasesSocket { ${Array.from({ length: REQUEST_LIMITS.aliases + 1 }, (_, i) => `s${i}: static(name: "x") { name }`).join(' ')} }`, undefined, `Aliases limit of ${REQUEST_LIMITS.aliases} exceeded`],
      ['over the tokens limit', () => `query LimitTokensSocket { linkEvents(types: [${'CLAIMED '.repeat(REQUEST_LIMITS.tokens)}]) { id } }`, undefined, `Token limit of ${REQUEST_LIMITS.tokens} exceeded`],
      ['over the directives limit', () => `query LimitDirectivesSocket { ${'__typename @include(if: true) '.repeat(REQUEST_LIMITS.directives + 1)}}`, undefined, `Directives limit of ${REQUEST_LIMITS.directives} exceeded`],
      ['with a misspelled field', () => 'query LimitTypoSocket { statc(name: "x") { name } }', undefined, 'Cannot query field'],
      ['with a syntax error', () => 'query LimitSyntaxSocket { __typename', undefined, 'Syntax Error'],
      ['over the answer size', () => 'query LimitAnswerSocket($id: ID!) { selection(id: $id) { items { variant { product { variants { product { variants { sku } } } } } } } }', { id: '00000000-0000-0000-0000-000000000000' }, `Answer size limit of ${REQUEST_LIMITS.answerValues.admin} values exceeded`],
      ['over the cost limit', () => `query LimitCostSocket { ${'warehouses(first: 100) { __typename } '.repeat(15)} }`, undefined, `Cost limit of ${REQUEST_LIMITS.cost} exceeded`],
      ['over the cost limit through a page size in a variable', () => `query LimitCostSocketVariable($first: Int) { ${Array.from({ length: 15 }, (_, i) => `w${i}: warehouses(first: $first) { __typename }`).join(' ')} }`, { first: 100 }, `Cost limit of ${REQUEST_LIMITS.cost} exceeded`],
    ];

    it.each(refusals)('refuses a query %s with an error message and keeps the socket open', async (_name, query, variables, text) => {
      const { socket, next } = await adminSocket(url);
      try {
        socket.send(JSON.stringify({ id: 'refused', type: 'subscribe', payload: { query: query(), variables } }));
        const answer = await next((message) => message.id === 'refused' && (message.type === 'error' || message.type === 'next'));
        expect(answer.type).toBe('error');
        expect(JSON.stringify(answer.payload)).toContain(text);
        // The same socket goes on answering.
        socket.send(JSON.stringify(typenameQuery('after')));
        expect(await next((message) => message.id === 'after' && message.type === 'next')).toMatchObject({ payload: { data: { __typename: 'Query' } } });
      } finally {
        socket.close();
      }
    });

    it('keeps a running subscription when other operations on its socket are refused', async () => {
      const { socket, next, messages } = await adminSocket(url);
      try {
        socket.send(JSON.stringify({ id: 'live', type: 'subscribe', payload: { query: 'subscription LimitLive { linkEvents(types: [ISSUED]) { type link { id } } }' } }));
        for (const [, query, variables] of refusals.filter(([name]) => /cost|answer size|syntax/.test(name))) {
          const id = `refused-${messages.length}`;
          socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: query(), variables } }));
          expect((await next((message) => message.id === id)).type).toBe('error');
        }
        const selection = await createSelection(t);
        is((await t.admin(AddItem, { input: { selectionId: selection, sku: 'MUG', quantity: 1 } })).addSelectionItem, 'AddSelectionItemSuccess');
        const issued = is((await t.admin(IssueLink, { input: { selectionId: selection, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
        const event = await next((message) => message.id === 'live' && message.type === 'next' && JSON.stringify(message.payload).includes(issued.link.id));
        expect(event.payload).toEqual({ data: { linkEvents: { type: 'ISSUED', link: { id: issued.link.id } } } });
      } finally {
        socket.close();
      }
    });

    it('answers a mutation sent over the socket with a result or an error message, not a closed socket', async () => {
      const { socket, next } = await adminSocket(url);
      try {
        socket.send(JSON.stringify({ id: 'write', type: 'subscribe', payload: { query: setStaticMutation('limit_ws_mutation') } }));
        const answer = await next((message) => message.id === 'write' && (message.type === 'error' || message.type === 'next'));
        expect(['error', 'next']).toContain(answer.type);
      } finally {
        socket.close();
      }
    });
  });

  // Last: moves a table away to make the database fail underneath a resolver.
  describe('masked errors', () => {
    it('answers an unexpected failure with "Unexpected error." and no stack, SQL or Prisma text', async () => {
      await db().$executeRawUnsafe('ALTER TABLE "Static" RENAME TO "Static_moved_away"');
      try {
        for (const query of ['{ static(name: "payment_link") { name content } }', setStaticMutation('limit_masked')]) {
          const response = await t.app.yoga.fetch('http://linkcart.test/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...asAdmin },
            body: JSON.stringify({ query }),
          });
          expect(response.status).toBeLessThan(500);
          const text = await response.text();
          const json = JSON.parse(text) as Json;
          expect(json.errors?.map((error) => error.message)).toEqual(['Unexpected error.']);
          expect(json.errors?.[0]?.extensions ?? {}).not.toHaveProperty('originalError');
          expectNoLeak(text);
        }

        const client = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: asAdmin, retryAttempts: 0, lazy: true });
        try {
          const result = await new Promise<Json>((resolve, reject) => {
            let last: Json = {};
            client.subscribe({ query: '{ static(name: "payment_link") { name } }' }, { next: (value) => (last = value as Json), error: reject, complete: () => resolve(last) });
          });
          expect(result.errors?.map((error) => error.message)).toEqual(['Unexpected error.']);
          expectNoLeak(JSON.stringify(result));
        } finally {
          await client.dispose();
        }
      } finally {
        await db().$executeRawUnsafe('ALTER TABLE "Static_moved_away" RENAME TO "Static"');
      }
      await expectStillAnswering(url);
    });
  });
});

// ================================================================ production

describe('production (NODE_ENV=production)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production' });
  });
  afterAll(() => t.stop());

  it('refuses introspection', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Query") { fields { name } } }', getIntrospectionQuery()]) {
      expectRefused(await run(t, query), 'introspection has been disabled');
    }
    // __typename is not introspection of the schema.
    expect(expectAccepted(await run(t, '{ __typename }'))).toEqual({ __typename: 'Query' });
  });

  it('gives no suggestion for a misspelled field, argument or type', async () => {
    for (const [query, hidden] of [
      ['{ statc(name: "x") { name } }', '"static"'],
      ['{ products(frist: 1) { edges { cursor } } }', '"first"'],
      ['mutation { claimSelection(input: { hash1: "a", hash2: "b" }) { ... on ClaimSelectionSucess { sessionToken } } }', '"ClaimSelectionSuccess"'],
      ['mutation { claimSelection(input: { hash1: "a", hash2: "b", hash3: "c" }) { __typename } }', '"hash1"'],
    ] as const) {
      const result = await run(t, query);
      expect(result.data).toBeUndefined();
      const messages = result.errors!.map((error) => error.message).join('\n');
      expect(messages).not.toContain('Did you mean');
      expect(messages).not.toContain(hidden);
    }
  });

  it('gives no suggestion for a misspelled enum value in the document', async () => {
    const result = await run(t, '{ shareableLinks(status: ACTIV) { edges { cursor } } }');
    expect(result.data).toBeUndefined();
    const messages = result.errors!.map((error) => error.message).join('\n');
    expect(messages).not.toContain('Did you mean');
    expect(messages).not.toContain('"ACTIVE"');
  });

  it('gives no suggestion for a misspelled input field or enum value in variables', async () => {
    for (const [query, variables, hidden] of [
      ['mutation LimitHidden($input: ClaimSelectionInput!) { claimSelection(input: $input) { __typename } }', { input: { hash1: 'a', hash2: 'b', hash3: 'c' } }, '"hash1"'],
      ['query LimitHidden($status: ShareableLinkStatus) { shareableLinks(status: $status) { edges { cursor } } }', { status: 'ACTIV' }, '"ACTIVE"'],
    ] as const) {
      const { json } = await post(t, { query, variables });
      expect(json.data ?? undefined).toBeUndefined();
      const messages = json.errors!.map((error) => error.message).join('\n');
      expect(messages).not.toContain('Did you mean');
      expect(messages).not.toContain(hidden);
    }
  });

  it('keeps the query limits', async () => {
    const document = `query LimitDepthProduction($id: ID!) { selection(id: $id) { ${deepItems(REQUEST_LIMITS.depth)} } }`;
    expectRefused(await run(t, document, { id: '00000000-0000-0000-0000-000000000000' }), `depth limit of ${REQUEST_LIMITS.depth} exceeded`);
    expectRefused(await run(t, `{ ${'__typename @include(if: true) '.repeat(REQUEST_LIMITS.directives + 1)}}`), `Directives limit of ${REQUEST_LIMITS.directives} exceeded`);
  });

  it('masks an unexpected failure: "Unexpected error." and nothing of the database', async () => {
    await db().$executeRawUnsafe('ALTER TABLE "Static" RENAME TO "Static_moved_away"');
    try {
      const response = await t.app.yoga.fetch('http://linkcart.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...asAdmin },
        body: JSON.stringify({ query: '{ static(name: "payment_link") { name } }' }),
      });
      const text = await response.text();
      const json = JSON.parse(text) as Json;
      expect(json.errors?.map((error) => error.message)).toEqual(['Unexpected error.']);
      expect(response.status).toBeLessThan(500);
      expectNoLeak(text);
    } finally {
      await db().$executeRawUnsafe('ALTER TABLE "Static_moved_away" RENAME TO "Static"');
    }
  });
});
