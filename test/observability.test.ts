// Logs and metrics (issue 14): a yoga of the real schema with the request log and the
// Prometheus plugin, its log lines captured, its metrics read as Prometheus would.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createCallerResolver } from '../src/auth/caller.js';
import { loadConfig } from '../src/config.js';
import type { Caller } from '../src/auth/caller.js';
import { memoryRateLimiter } from '../src/auth/rate-limit.js';
import type { RateLimiter } from '../src/auth/rate-limit.js';
import { createLogger, messageLog, requestIdFrom, useRequestLog } from '../src/observability/log.js';
import { countClaim, createMetrics, metricsHandler } from '../src/observability/metrics.js';
import type { AppMetrics, MetricsOptions } from '../src/observability/metrics.js';
import type { Database } from '../src/db/client.js';
import type { LinkEvents } from '../src/events/stream.js';
import type { Context } from '../src/schema/builder.js';
import { schema } from '../src/schema/index.js';
import { createLoaders } from '../src/schema/loaders.js';
import { LinkUnavailable, RateLimited } from '../src/services/errors.js';
import { placeOrder } from '../src/services/order.js';
import { createTestDatabase } from './helpers/app.js';
import { AddItem, CreateSelection, ImportCatalog, IssueLink } from './helpers/documents.js';
import { standardCatalog } from './helpers/fixtures.js';

const ADMIN_KEY = 'observability-admin-key-0123456789abcdef0123';
const asAdmin = { authorization: `Bearer ${ADMIN_KEY}` };

const CLAIM = `mutation ClaimLink($input: ClaimSelectionInput!) {
  claimSelection(input: $input) {
    __typename
    ... on Error { code }
    ... on ClaimSelectionSuccess { sessionToken selection { id } }
  }
}`;

interface ClaimAnswer {
  data?: { claimSelection: { __typename: string; code?: string; sessionToken?: string; selection?: { id: string } } };
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A logger whose lines are kept, parsed, for the test to read. */
function capturedLogger() {
  const chunks: string[] = [];
  const logger = createLogger({ level: 'info', stream: { write: (line: string) => void chunks.push(line) } });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

interface TestYogaOptions {
  logger: ReturnType<typeof createLogger>;
  metrics: AppMetrics;
  claimLimiter?: RateLimiter;
  now?: () => number;
}

/** Nothing in this file subscribes: the mutations announce their events to nobody. */
const events: LinkEvents = {
  announce() {},
  subscribe() {
    throw new Error('no subscriptions in this file');
  },
};

/** The real schema behind yoga, with the context app.ts builds: callers from the two headers. */
function testYoga({ logger, metrics, claimLimiter = memoryRateLimiter(100), now }: TestYogaOptions) {
  const callers = createCallerResolver(ADMIN_KEY);
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    logging: false,
    maskedErrors: { isDev: false },
    context: async ({ request }) => {
      const sessionToken = request.headers.get('x-session-token');
      const caller = await callers.resolve({ authorization: request.headers.get('authorization'), sessionToken });
      return {
        caller,
        sessionToken: caller.kind === 'session' ? sessionToken : null,
        publicUrl: 'http://linkcart.test',
        clientAddress: '192.0.2.7',
        claimLimiter,
        loaders: createLoaders(),
        metrics,
        events,
      };
    },
    plugins: [useRequestLog(logger, { now }), metrics.plugin],
  });
  async function send(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const response = await yoga.fetch('http://linkcart.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { response, body: (await response.json()) as Record<string, unknown> };
  }
  async function admin<T, V>(document: TypedDocumentNode<T, V>, variables: V): Promise<T> {
    const { body } = await send(print(document), variables as Record<string, unknown>, asAdmin);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return body.data as T;
  }
  async function claim(hashes: { hash1: string; hash2: string }, headers: Record<string, string> = {}) {
    const { response, body } = await send(CLAIM, { input: hashes }, headers);
    return { response, answer: body as ClaimAnswer };
  }
  return { yoga, send, admin, claim };
}

/** An admin selection of one `sku` for buyer@example.com, and the hashes of a link to it. */
async function issueLink(admin: ReturnType<typeof testYoga>['admin'], sku: string): Promise<{ hash1: string; hash2: string }> {
  const created = await admin(CreateSelection, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE', customerEmail: 'buyer@example.com' } });
  if (created.createSelection.__typename !== 'CreateSelectionSuccess') throw new Error(JSON.stringify(created));
  const selectionId = created.createSelection.selection.id;
  await admin(AddItem, { input: { selectionId, sku, quantity: 1 } });
  const issued = await admin(IssueLink, { input: { selectionId, lockItems: false } });
  if (issued.issueShareableLink.__typename !== 'IssueShareableLinkSuccess') throw new Error(JSON.stringify(issued));
  return { hash1: issued.issueShareableLink.link.hash1, hash2: issued.issueShareableLink.hash2 };
}

let drop: () => Promise<void>;
let database: Database;
/** The hashes of a link to a selection (one TEE-S, customer set), issued in beforeAll. */
let link: { hash1: string; hash2: string };

beforeAll(async () => {
  ({ drop, database } = await createTestDatabase());
  const { admin } = testYoga({ logger: createLogger({ level: 'silent' }), metrics: createMetrics() });
  await admin(ImportCatalog, { input: standardCatalog });
  link = await issueLink(admin, 'TEE-S');
});

afterAll(async () => {
  await drop();
});

describe('the request log', () => {
  it('writes one line per operation with its request id, operation, caller, duration and error codes, and no secret', async () => {
    const log = capturedLogger();
    // Each request reads the clock twice, when it arrives and when it is answered.
    let clock = 1_000;
    const { claim, send } = testYoga({ logger: log.logger, metrics: createMetrics(), now: () => (clock += 12.5) - 12.5 });

    const first = await claim(link, { 'x-request-id': 'trace-1' });
    const token = first.answer.data!.claimSelection.sessionToken!;
    expect(token).toBeTruthy();
    await claim(link, { 'x-session-token': token, 'x-request-id': 'trace-2' });
    await claim({ hash1: link.hash1, hash2: 'not-the-hash' }, { 'x-request-id': 'trace-3' });
    await send('query Markets { markets(first: 1) { edges { node { code } } } }', {}, { ...asAdmin, 'x-request-id': 'trace-4' });
    await send('query Broken { nope }', {}, { 'x-request-id': 'trace-5' });

    const byId = Object.fromEntries(log.lines().map((line) => [line.requestId, line]));
    expect(byId['trace-1']).toMatchObject({
      level: 'info',
      service: 'linkcart',
      operationName: 'ClaimLink',
      operationType: 'mutation',
      caller: 'anonymous',
      durationMs: 12.5,
      status: 200,
      errorCodes: [],
    });
    expect(byId['trace-2']).toMatchObject({ level: 'info', caller: 'session', errorCodes: [] });
    expect(byId['trace-3']).toMatchObject({ level: 'warn', caller: 'anonymous', errorCodes: ['LINK_NOT_FOUND'] });
    expect(byId['trace-4']).toMatchObject({ level: 'info', operationName: 'Markets', operationType: 'query', caller: 'admin' });
    expect(byId['trace-5']).toMatchObject({ level: 'warn', operationName: 'Broken', status: 400 });
    expect(log.lines()).toHaveLength(5);

    const text = log.text();
    for (const secret of [token, link.hash1, link.hash2, 'not-the-hash', ADMIN_KEY]) expect(text).not.toContain(secret);
  });

  it('logs an unexpected error at error level with its cause, which the client does not see', async () => {
    const log = capturedLogger();
    const broken: RateLimiter = {
      retryAfter: async () => {
        throw new Error('the limiter lost its counts');
      },
      fail: async () => {},
      close: async () => {},
    };
    const { claim } = testYoga({ logger: log.logger, metrics: createMetrics(), claimLimiter: broken });

    const { answer } = await claim(link, { 'x-request-id': 'trace-broken' });

    expect(answer.errors?.[0]?.message).toBe('Unexpected error.');
    expect(JSON.stringify(answer)).not.toContain('limiter');
    const [line] = log.lines();
    expect(line).toMatchObject({
      level: 'error',
      requestId: 'trace-broken',
      operationName: 'ClaimLink',
      errorCodes: ['INTERNAL_SERVER_ERROR'],
      err: { message: 'the limiter lost its counts' },
    });
    expect((line!.err as { stack: string }).stack).toContain('observability.test.ts');
  });

  it('logs the cause of a context that could not be built (a caller lookup failing on the database)', async () => {
    const log = capturedLogger();
    const yoga = createYoga({
      schema,
      logging: false,
      maskedErrors: { isDev: false },
      context: () => Promise.reject(new Error('connection terminated')),
      plugins: [useRequestLog(log.logger)],
    });

    const response = await yoga.fetch('http://linkcart.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-token': 'a-token-of-someone' },
      body: JSON.stringify({ query: 'query Markets { markets(first: 1) { edges { node { code } } } }' }),
    });

    expect(await response.text()).not.toContain('connection terminated');
    expect(log.lines()).toMatchObject([
      { level: 'error', operationName: 'Markets', caller: null, errorCodes: ['INTERNAL_SERVER_ERROR'], err: { message: 'connection terminated' } },
    ]);
    expect(log.text()).not.toContain('a-token-of-someone');
  });

  it('sends the request id back: the client\'s when it is a plausible one, a new one otherwise', async () => {
    const log = capturedLogger();
    const { send } = testYoga({ logger: log.logger, metrics: createMetrics() });

    const kept = await send('{ __typename }', {}, { 'x-request-id': 'edge-7f3a.b_c-1' });
    const tooLong = await send('{ __typename }', {}, { 'x-request-id': 'a'.repeat(65) });
    const injected = await send('{ __typename }', {}, { 'x-request-id': 'id" "level":"fatal"' });
    const none = await send('{ __typename }');

    expect(kept.response.headers.get('x-request-id')).toBe('edge-7f3a.b_c-1');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const { response } of [tooLong, injected, none]) expect(response.headers.get('x-request-id')).toMatch(uuid);
    expect(log.lines().map((line) => line.requestId)).toEqual(
      [kept, tooLong, injected, none].map(({ response }) => response.headers.get('x-request-id')),
    );
  });

  it('takes a request id for HTTP answers outside yoga by the same rule', () => {
    expect(requestIdFrom('abc-123')).toBe('abc-123');
    expect(requestIdFrom(['abc', 'def'])).not.toBe('abc');
    expect(requestIdFrom(undefined)).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFrom('has space')).not.toBe('has space');
  });

  it('redacts secrets a log call is given, and keeps a message callback\'s text as msg', () => {
    const log = capturedLogger();
    log.logger.info({ headers: { authorization: 'Bearer k', 'x-session-token': 't' }, input: { hash1: 'h1', hash2: 'h2' }, adminKey: 'a', password: 'p' }, 'hello');
    messageLog(log.logger)('rate limits fall back to this process');

    const [object, message] = log.lines();
    expect(object).toMatchObject({
      msg: 'hello',
      headers: { authorization: '[redacted]', 'x-session-token': '[redacted]' },
      input: { hash1: '[redacted]', hash2: '[redacted]' },
      adminKey: '[redacted]',
      password: '[redacted]',
    });
    expect(message).toMatchObject({ level: 'info', service: 'linkcart', msg: 'rate limits fall back to this process' });
  });
});

/** A metrics handler on a port of its own, as METRICS_PORT would have it. */
async function serve(handler: ReturnType<typeof metricsHandler>): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** The value of one sample line, `name{labels} value`, or undefined when there is none. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('metrics', () => {
  it('serves the operation histograms, errors and the business counters at /metrics', async () => {
    const metrics = createMetrics();
    const { send, claim } = testYoga({ logger: createLogger({ level: 'silent' }), metrics });
    await claim({ hash1: link.hash1, hash2: 'wrong' });
    await send('query Markets { markets(first: 1) { edges { node { code } } } }', {}, asAdmin);
    await send('query Markets { markets(first: 1) { edges { node { code } } } }');
    metrics.httpRejected.inc({ reason: 'overloaded' });

    const { url, server } = await serve(metricsHandler(metrics));
    try {
      const response = await fetch(`${url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
      const text = await response.text();
      expect(sample(text, 'graphql_envelop_request_duration_count{operationName="ClaimLink",operationType="mutation"}')).toBe(1);
      expect(sample(text, 'graphql_envelop_request_duration_count{operationName="Markets",operationType="query"}')).toBe(2);
      expect(text).toMatch(/^graphql_envelop_request_duration_bucket\{le="0\.005",operationName="Markets",operationType="query"\} \d+$/m);
      expect(sample(text, 'graphql_yoga_http_duration_count{operationName="Markets",operationType="query",method="POST",statusCode="200"}')).toBe(2);
      // The anonymous read of markets is refused with a GraphQL error (FORBIDDEN).
      expect(sample(text, 'graphql_envelop_error_result{operationName="Markets",operationType="query",phase="execute"}')).toBe(1);
      expect(sample(text, 'linkcart_http_rejected_total{reason="overloaded"}')).toBe(1);
      for (const name of ['linkcart_claims_total', 'linkcart_claims_rate_limited_total', 'linkcart_orders_total', 'linkcart_links_consumed_total']) {
        expect(text).toContain(`# TYPE ${name} counter`);
      }
      expect(sample(text, 'linkcart_process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(text).not.toMatch(/^graphql_envelop_(phase_|request_time_summary|request )/m);
    } finally {
      await close(server);
    }
  });

  it('refuses /metrics with 401 when authorize refuses, and answers when it accepts', async () => {
    const metrics = createMetrics();
    const { url, server } = await serve(metricsHandler(metrics, async (req) => req.headers.authorization === `Bearer ${ADMIN_KEY}`));
    try {
      const refused = await fetch(`${url}/metrics`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="linkcart"');
      expect(await refused.text()).not.toContain('linkcart_');
      const wrongKey = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer guess' } });
      expect(wrongKey.status).toBe(401);
      const accepted = await fetch(`${url}/metrics`, { headers: asAdmin });
      expect(accepted.status).toBe(200);
      expect(await accepted.text()).toContain('# TYPE linkcart_orders_total counter');
      expect((await fetch(`${url}/metrics`, { method: 'POST', headers: asAdmin })).status).toBe(405);
      expect((await fetch(`${url}/other`, { headers: asAdmin })).status).toBe(404);
    } finally {
      await close(server);
    }
  });

  it('gives each app a registry of its own: two in one process neither share nor collide', async () => {
    const first = createMetrics();
    const second = createMetrics();
    first.orders.inc();
    first.orders.inc();
    second.orders.inc();
    await testYoga({ logger: createLogger({ level: 'silent' }), metrics: first }).send('query OnlyFirst { __typename }');

    const [one, two] = await Promise.all([first.registry.metrics(), second.registry.metrics()]);
    expect(sample(one, 'linkcart_orders_total')).toBe(2);
    expect(sample(two, 'linkcart_orders_total')).toBe(1);
    expect(one).toContain('operationName="OnlyFirst"');
    expect(two).not.toContain('OnlyFirst');
  });

  it('reads the gauges when scraped, and leaves out what has no value', async () => {
    const sources: Required<MetricsOptions> = {
      poolStats: () => ({ total: 7, idle: 2, waiting: 3 }),
      outboxLag: async () => 4,
      redisUp: () => false,
      inFlight: () => 9,
    };
    const text = await createMetrics(sources).registry.metrics();
    expect(sample(text, 'linkcart_db_pool_connections{state="in_use"}')).toBe(5);
    expect(sample(text, 'linkcart_db_pool_connections{state="idle"}')).toBe(2);
    expect(sample(text, 'linkcart_db_pool_connections{state="waiting"}')).toBe(3);
    expect(sample(text, 'linkcart_outbox_lag_events')).toBe(4);
    expect(sample(text, 'linkcart_redis_up')).toBe(0);
    expect(sample(text, 'linkcart_requests_in_flight')).toBe(9);

    // The embedded database has no pool, Redis is not configured, the database does not answer.
    const empty = await createMetrics({
      poolStats: () => null,
      outboxLag: () => Promise.reject(new Error('database unavailable')),
      redisUp: () => null,
      inFlight: () => 0,
    }).registry.metrics();
    expect(empty).not.toMatch(/^linkcart_(db_pool_connections|outbox_lag_events|redis_up)[ {]/m);
    expect(empty).toContain('# TYPE linkcart_outbox_lag_events gauge');
    expect(sample(empty, 'linkcart_requests_in_flight')).toBe(0);
  });

  it('bounds the operation names it labels: past 200 distinct ones, and for odd ones, "other"', async () => {
    const metrics = createMetrics();
    const { send } = testYoga({ logger: createLogger({ level: 'silent' }), metrics });
    for (let i = 0; i < 205; i++) await send(`query Name${i} { __typename }`);
    await send('query Name0 { __typename }');
    await send(`query ${'Long'.repeat(17)} { __typename }`);

    const text = await metrics.registry.metrics();
    const names = new Set([...text.matchAll(/^graphql_envelop_request_duration_count\{operationName="([^"]+)"/gm)].map((m) => m[1]));
    expect(names.size).toBe(201);
    expect(sample(text, 'graphql_envelop_request_duration_count{operationName="other",operationType="query"}')).toBe(6);
    expect(sample(text, 'graphql_envelop_request_duration_count{operationName="Name0",operationType="query"}')).toBe(2);
  });

  it('counts each claim outcome by its code, and rate-limited claims apart', async () => {
    const metrics = createMetrics();
    await countClaim(metrics, Promise.resolve('copy'));
    await expect(countClaim(metrics, Promise.reject(new LinkUnavailable('LINK_NOT_FOUND', 'no')))).rejects.toThrow('no');
    await expect(countClaim(metrics, Promise.reject(new RateLimited(30)))).rejects.toBeInstanceOf(RateLimited);
    await expect(countClaim(metrics, Promise.reject(new Error('bug')))).rejects.toThrow('bug');

    const text = await metrics.registry.metrics();
    expect(sample(text, 'linkcart_claims_total{result="claimed"}')).toBe(1);
    expect(sample(text, 'linkcart_claims_total{result="link_not_found"}')).toBe(1);
    expect(sample(text, 'linkcart_claims_total{result="rate_limited"}')).toBe(1);
    expect(sample(text, 'linkcart_claims_total{result="unexpected"}')).toBe(1);
    expect(sample(text, 'linkcart_claims_rate_limited_total')).toBe(1);
  });
});

describe('placeOrder says what it did, for the counters', () => {
  it('an order consumes the link once; a replay of its idempotency key places nothing', async () => {
    const { admin, claim } = testYoga({ logger: createLogger({ level: 'silent' }), metrics: createMetrics() });
    // A link of its own: the one of beforeAll stays unconsumed for the other tests.
    const hashes = await issueLink(admin, 'MUG');

    const callers = createCallerResolver(ADMIN_KEY);
    const claimant = async () => {
      const { answer } = await claim(hashes);
      const success = answer.data!.claimSelection;
      const caller: Caller = await callers.resolve({ sessionToken: success.sessionToken! });
      return { caller, selectionId: success.selection!.id };
    };
    const first = await claimant();
    const second = await claimant();

    const placed = await placeOrder(events, first.caller, { selectionId: first.selectionId, idempotencyKey: 'first' });
    expect(placed).toMatchObject({ replayed: false, linkConsumed: true });
    expect(await placeOrder(events, first.caller, { selectionId: first.selectionId, idempotencyKey: 'first' })).toEqual({
      orderId: placed.orderId,
      replayed: true,
      linkConsumed: false,
    });
    // An earlier claimant may still buy: an order, but the link was consumed already.
    expect(await placeOrder(events, second.caller, { selectionId: second.selectionId, idempotencyKey: 'second' })).toMatchObject({
      replayed: false,
      linkConsumed: false,
    });
  });
});

describe('the schema counts', () => {
  it('claims by outcome, orders placed and links consumed, where each outcome is known', async () => {
    const metrics = createMetrics();
    // One failed claim per client, then every claim from it is RATE_LIMITED.
    const { admin, claim, send } = testYoga({ logger: createLogger({ level: 'silent' }), metrics, claimLimiter: memoryRateLimiter(1) });
    const hashes = await issueLink(admin, 'MUG');
    const BUY = `mutation Buy($input: PlaceOrderInput!) { placeOrder(input: $input) { __typename ... on Error { code } } }`;

    const { answer } = await claim(hashes);
    const { sessionToken, selection } = answer.data!.claimSelection;
    const buy = () => send(BUY, { input: { selectionId: selection!.id, idempotencyKey: 'once' } }, { 'x-session-token': sessionToken! });
    expect((await buy()).body).toEqual({ data: { placeOrder: { __typename: 'PlaceOrderSuccess' } } });
    expect((await buy()).body).toEqual({ data: { placeOrder: { __typename: 'PlaceOrderSuccess' } } });
    expect((await claim(hashes)).answer.data!.claimSelection.code).toBe('LINK_USED');
    expect((await claim({ hash1: hashes.hash1, hash2: 'guess' })).answer.data!.claimSelection.code).toBe('LINK_NOT_FOUND');
    expect((await claim(link)).answer.data!.claimSelection.code).toBe('RATE_LIMITED');

    const text = await metrics.registry.metrics();
    expect(sample(text, 'linkcart_claims_total{result="claimed"}')).toBe(1);
    expect(sample(text, 'linkcart_claims_total{result="link_used"}')).toBe(1);
    expect(sample(text, 'linkcart_claims_total{result="link_not_found"}')).toBe(1);
    expect(sample(text, 'linkcart_claims_total{result="rate_limited"}')).toBe(1);
    expect(sample(text, 'linkcart_claims_rate_limited_total')).toBe(1);
    expect(sample(text, 'linkcart_orders_total')).toBe(1);
    expect(sample(text, 'linkcart_links_consumed_total')).toBe(1);
  });
});

describe('in the app', () => {
  it('serves /metrics on the main port to admins only, and counts requests it refuses before GraphQL', async () => {
    const log = capturedLogger();
    const app = await buildApp(loadConfig({ PORT: '0', ADMIN_API_KEY: ADMIN_KEY }), { database, logger: log.logger });
    try {
      const url = await app.start();
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer lc_admin_not-a-key' } })).status).toBe(401);
      const tooLarge = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...asAdmin }, body: 'x'.repeat(2 * 1024 * 1024) });
      expect(tooLarge.status).toBe(413);
      const answer = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'probe-1', ...asAdmin },
        body: JSON.stringify({ query: 'query Probe { __typename }' }),
      });
      expect(answer.headers.get('x-request-id')).toBe('probe-1');
      const scrape = await fetch(`${url}/metrics`, { headers: asAdmin });
      expect(scrape.status).toBe(200);
      const text = await scrape.text();
      expect(sample(text, 'graphql_envelop_request_duration_count{operationName="Probe",operationType="query"}')).toBe(1);
      expect(sample(text, 'linkcart_http_rejected_total{reason="body_too_large"}')).toBe(1);
      expect(log.lines().find((line) => line.requestId === 'probe-1')).toMatchObject({ operationName: 'Probe', caller: 'admin', status: 200 });
    } finally {
      await app.stop();
    }
  });

  it('with METRICS_PORT, serves /metrics (to whoever reaches it) and the health checks there, and /metrics not on the GraphQL port', async () => {
    const metricsPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const app = await buildApp(loadConfig({ PORT: '0', ADMIN_API_KEY: ADMIN_KEY, METRICS_PORT: String(metricsPort) }), { database });
    try {
      const url = await app.start();
      const open = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(open.status).toBe(200);
      expect(await open.text()).toContain('# TYPE linkcart_orders_total counter');
      expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(200);
      expect((await fetch(`${url}/metrics`, { headers: asAdmin })).status).toBe(404);
    } finally {
      await app.stop();
    }
  });
});
