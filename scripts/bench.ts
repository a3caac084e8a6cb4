// `npm run bench`: measures the server on PostgreSQL and writes bench/results.json. Load comes
// from this process (autocannon) against server processes on loopback; each throughput is
// shown against a ceiling measured in the same run:
// - read-selection: an admin reads a 50-item selection; ceiling: the same JSON from one
//   hand-written SQL query behind bare node:http; floorRatio: against `{ __typename }`.
// - claim: claims of one active link; ceiling: the same copy as one hand-written pg transaction.
// - place-order: orders from distinct claims; place-order-contention: 200 buyers, 10 units
//   (…-losers: the OUT_OF_STOCK answers alone); unitsSold read from the database afterwards.
// - place-order: its ceiling is the same writes as one hand-written pg transaction per order.
// - event-latency: commit-to-subscriber latency between two server processes via Redis.
// - outbox-throughput: LinkEvent rows committed per second while both server processes take
//   claims at once, and the share of their transactions' time spent waiting on the outbox lock.
// - deep-json-neighbour: `{ __typename }` latency of one client while 4 others send 800 KB bodies
//   nesting arrays 400,000 deep (each must be 400); rps: those bodies refused per second.
// - overload: 300 connections read the 50-item selection from a server of its own, twice, while
//   /healthz and placeOrder are timed beside them and the server's RSS is sampled; rps, p50 and
//   p99 are those of the 2xx answers, the 503s (back-pressure) are counted apart.
// - import-catalog: 10,000 new variants with prices and stock through importCatalog, in
//   requests of the most variants one import takes; rps: variants per second.
// queriesPerOp: the SQL statements one operation of the scenario sends, counted by an app in
// this process on the same database (the servers under load count nothing).
//
// DATABASE_URL: a PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres);
// the bench creates and drops its own database there. REDIS_URL default redis://127.0.0.1:6379.
// BENCH_ONLY=claim,read-selection runs only those scenarios; BENCH_PROFILE=1 starts the servers
// with --cpu-prof, writing one .cpuprofile per server into bench/profiles when they stop.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { LIMITS } from '../src/services/validate.js';

const root = resolve(import.meta.dirname, '..');
const serverUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const adminKey = randomBytes(24).toString('hex');
const EVENTS = Number(process.env.BENCH_EVENTS || 300);
const WARMUP = 30;
/** Seconds of load before a throughput is measured. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS || 5);
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 20);

interface Scenario {
  name: string;
  rps: number | null;
  p50Ms: number;
  p99Ms: number;
  ceilingRps: number | null;
  ratio: number | null;
  queriesPerOp: number | null;
  /** overload: answers refused with 503, the p99 of those, and whether each carried Retry-After. */
  rejected?: number;
  rejectedP99Ms?: number | null;
  rejectedWithRetryAfter?: boolean | null;
  /** overload: requests that ended neither 2xx nor 503 (other statuses, connection errors, timeouts). */
  failed?: number;
  /** overload: the most load connections, in one round, that got no answer at all (never accepted, or answered after the round). */
  unansweredConnections?: number;
  healthzP99Ms?: number | null;
  /** overload: /healthz on the operations port (METRICS_PORT), which has no client connections queued before it. */
  opsHealthzP99Ms?: number | null;
  placeOrderP99Ms?: number | null;
  /** overload: the server's resident memory before the load, at the peak of each round, 5 s after each. */
  rssMiB?: { before: number; peak1: number; after1: number; peak2: number; after2: number };
  /** Units taken from stock during the measured run (read from the database afterwards). */
  unitsSold?: number;
  /** read-selection: rps against `{ __typename }` on the same server (the old ceiling). */
  floorRatio?: number | null;
  /** outbox-throughput: waiting-on-the-outbox-lock samples over samples of backends in a transaction. */
  lockWaitShare?: number | null;
  /** import-catalog: seconds from the first request sent to the last one answered. */
  seconds?: number;
}

const log = (message: string) => console.error(`[bench] ${message}`);

async function withDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const name = `linkcart_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    return await work(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

async function startServer(databaseUrl: string, port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', resolve(root, 'bench/profiles')] : [];
  const child = spawn(process.execPath, [...profile, 'dist/server.js'], {
    cwd: root,
    // The throughput scenarios send more requests at once than the default bound admits (200
    // buyers of one link): they measure the work, so their servers take them all. overload
    // runs with the default (or MAX_CONCURRENT_REQUESTS as set for the bench).
    env: { ...process.env, MAX_CONCURRENT_REQUESTS: '10000', NODE_ENV: 'production', PORT: String(port), DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, ADMIN_API_KEY: adminKey, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null) throw new Error(`the server on port ${port} exited`);
    if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopServer(child);
  throw new Error(`the server on port ${port} did not start`);
}

/** SIGTERM, and SIGKILL if the server has not left 30 s later; returns once it has exited. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(kill);
}

async function gql(port: number, query: string, headers: Record<string, string> = { authorization: `Bearer ${adminKey}` }): Promise<Record<string, unknown>> {
  return postJson(port, JSON.stringify({ query }), headers);
}

async function postJson(port: number, request: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: request,
  });
  const body = (await response.json()) as { data: Record<string, unknown>; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

function percentile(sorted: number[], p: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2));
}

const SKUS = Array.from({ length: 50 }, (_, i) => `B-${String(i).padStart(2, '0')}`);

async function seedCatalog(port: number): Promise<void> {
  const variants = SKUS.map((sku) => `{ sku: "${sku}", name: "${sku}", prices: [{ pricelistCode: "P", amount: "10.00" }], stock: [{ warehouseCode: "W", quantity: 1000000 }] }`).join(' ');
  await gql(port, `mutation { importCatalog(input: {
    warehouses: [{ code: "W", name: "W" }], pricelists: [{ code: "P", name: "P", currency: "SEK" }],
    markets: [{ code: "M", name: "M", countries: ["SE"], warehouseCodes: ["W"] }],
    products: [{ code: "T", name: "T", variants: [${variants}] }],
    shipping: [{ marketCode: "M", pricelistCode: "P", countryCode: "SE", amount: "1.00" }],
    taxRules: [{ countryCode: "SE", rate: "25" }] }) { __typename } }`);
}

async function selectionOf(port: number, skus: string[]): Promise<string> {
  const created = await gql(port, 'mutation { createSelection(input: { marketCode: "M", pricelistCode: "P", countryCode: "SE", customerEmail: "bench@example.com" }) { ... on CreateSelectionSuccess { selection { id } } } }');
  const id = (created.createSelection as { selection: { id: string } }).selection.id;
  for (const sku of skus) await gql(port, `mutation { addSelectionItem(input: { selectionId: "${id}", sku: "${sku}", quantity: 1 }) { __typename } }`);
  return id;
}

async function issue(port: number, selectionId: string): Promise<{ linkId: string; hash1: string; hash2: string }> {
  const issued = await gql(port, `mutation { issueShareableLink(input: { selectionId: "${selectionId}", lockItems: false }) { ... on IssueShareableLinkSuccess { hash2 link { id hash1 } } } }`);
  const { hash2, link } = issued.issueShareableLink as { hash2: string; link: { id: string; hash1: string } };
  return { linkId: link.id, hash1: link.hash1, hash2 };
}

/** autocannon against one GraphQL request; `body` may vary per request. */
async function load(port: number, headers: Record<string, string>, body: () => string, connections = CONNECTIONS, seconds = SECONDS) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/graphql`,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
  });
  if (result.non2xx > 0 || result.errors > 0) log(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}

function scenario(name: string, measured: { rps: number; p50Ms: number; p99Ms: number }, ceilingRps: number | null, queriesPerOp: number | null): Scenario {
  return { name, ...measured, ceilingRps, ratio: ceilingRps ? Number((measured.rps / ceilingRps).toFixed(2)) : null, queriesPerOp };
}

const admin = () => ({ authorization: `Bearer ${adminKey}` });

/** One statement on a connection of its own. */
async function sqlOnce<R extends pg.QueryResultRow>(databaseUrl: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Units in stock of these SKUs, all warehouses. */
async function stockOf(databaseUrl: string, skus: string[]): Promise<number> {
  const rows = await sqlOnce<{ units: string }>(databaseUrl, 'SELECT coalesce(sum(l.quantity), 0)::text AS units FROM "StockLevel" l JOIN "Variant" v ON v.id = l."variantId" WHERE v.sku = ANY($1::text[])', [skus]);
  return Number(rows[0]!.units);
}

/** Counts the SQL statements of one request, run in this process against the same database. */
interface StatementCounter {
  count(body: string, headers: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

async function openStatementCounter(databaseUrl: string): Promise<StatementCounter> {
  const database = await openDatabase({ databaseUrl, dataDir: 'unused', countQueries: true });
  const app = await buildApp(loadConfig({ ADMIN_API_KEY: adminKey, PORT: '0', CLAIM_RATE_LIMIT: '1000' }), { database });
  return {
    async count(body, headers) {
      const before = database.queryCount();
      const response = await app.yoga.fetch('http://bench/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      const answer = (await response.json()) as { errors?: unknown };
      if (answer.errors) throw new Error(`counting statements: ${JSON.stringify(answer.errors)}`);
      return database.queryCount() - before;
    },
    async close() {
      await app.stop();
      await database.close();
    },
  };
}

/** The request body of an admin's read of a selection with its lines, variants and totals. */
function readSelectionBody(selectionId: string): string {
  return JSON.stringify({ query: `{ selection(id: "${selectionId}") { id currency items { sku quantity priceLocked unitPrice { amount currency } lineTotal { amount } variant { sku name product { code } } } totals { subtotal { amount } shipping { amount } tax { amount } grandTotal { amount } } } }` });
}

/** An amount in minor units as the Money scalar prints it, for a currency of 2 fraction digits (the bench's SEK). */
const moneySql = (minor: string) => `to_char((${minor})::numeric / 100, 'FM999999999999990.00')`;

/**
 * The GraphQL answer of readSelectionBody() as one hand-written query: the lines in the order
 * the schema lists them (createdAt, id), the totals as computeTotals makes them (tax on the
 * taxable lines and shipping, rounded half away from zero).
 */
const READ_SELECTION_SQL = `
  WITH s AS (
    SELECT s.id, s."marketId", s."pricelistId", s."countryCode", s."ignoreShipping", s."ignoreTax", p.currency
    FROM "Selection" s JOIN "Pricelist" p ON p.id = s."pricelistId" WHERE s.id = $1::uuid
  ), lines AS (
    SELECT i.id, i."createdAt", i.quantity, i."priceLocked", i.taxable, i."unitPrice", i."unitPrice" * i.quantity AS "lineTotal",
           coalesce(v.sku, i.sku) AS sku, v.sku AS "variantSku", v.name AS "variantName", pr.code AS "productCode"
    FROM "SelectionItem" i LEFT JOIN "Variant" v ON v.id = i."variantId" LEFT JOIN "Product" pr ON pr.id = v."productId"
    WHERE i."selectionId" = $1::uuid
  ), sums AS (
    SELECT coalesce(sum(l."lineTotal"), 0) AS subtotal,
           coalesce(sum(l."lineTotal") FILTER (WHERE l.taxable), 0) AS taxable,
           CASE WHEN s."ignoreShipping" THEN 0 ELSE coalesce(r.amount, 0) END AS shipping,
           CASE WHEN s."ignoreTax" THEN NULL ELSE t.rate END AS rate
    FROM s LEFT JOIN lines l ON true
    LEFT JOIN "ShippingRate" r ON r."marketId" = s."marketId" AND r."pricelistId" = s."pricelistId" AND r."countryCode" = s."countryCode"
    LEFT JOIN "TaxRule" t ON t."countryCode" = s."countryCode"
    GROUP BY s."ignoreShipping", s."ignoreTax", r.amount, t.rate
  ), totals AS (
    SELECT subtotal, shipping, coalesce(round((taxable + shipping) * rate / 100), 0) AS tax FROM sums
  )
  SELECT json_build_object('data', json_build_object('selection', json_build_object(
    'id', s.id, 'currency', s.currency,
    'items', coalesce((SELECT json_agg(json_build_object(
        'sku', l.sku, 'quantity', l.quantity, 'priceLocked', l."priceLocked",
        'unitPrice', json_build_object('amount', ${moneySql('l."unitPrice"')}, 'currency', s.currency),
        'lineTotal', json_build_object('amount', ${moneySql('l."lineTotal"')}),
        'variant', CASE WHEN l."variantSku" IS NULL THEN NULL ELSE json_build_object('sku', l."variantSku", 'name', l."variantName", 'product', json_build_object('code', l."productCode")) END
      ) ORDER BY l."createdAt", l.id) FROM lines l), '[]'::json),
    'totals', json_build_object(
      'subtotal', json_build_object('amount', ${moneySql('t.subtotal')}), 'shipping', json_build_object('amount', ${moneySql('t.shipping')}),
      'tax', json_build_object('amount', ${moneySql('t.tax')}), 'grandTotal', json_build_object('amount', ${moneySql('t.subtotal + t.shipping + t.tax')}))
  ))) AS body
  FROM s, totals t`;

/**
 * The read's ceiling: a bare node:http server in this process answering every request with
 * READ_SELECTION_SQL's row, JSON.stringify'd, from a pool of CONNECTIONS (no auth, no parsing
 * of the request: the least any server must do to give this answer).
 */
async function startHandWrittenRead(databaseUrl: string, selectionId: string): Promise<{ port: number; close(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: CONNECTIONS });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      pool.query<{ body: unknown }>(READ_SELECTION_SQL, [selectionId]).then(
        ({ rows }) => {
          const text = JSON.stringify(rows[0]!.body);
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        },
        (error: unknown) => {
          log(`hand-written read: ${String(error)}`);
          res.writeHead(500).end();
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await pool.end();
    },
  };
}

async function readSelection(port: number, databaseUrl: string, counter: StatementCounter): Promise<Scenario> {
  const selectionId = await selectionOf(port, SKUS);
  const query = readSelectionBody(selectionId);
  const typename = JSON.stringify({ query: '{ __typename }' });
  const handWritten = await startHandWrittenRead(databaseUrl, selectionId);
  try {
    const [real, hand] = await Promise.all([
      fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...admin() }, body: query }).then((r) => r.text()),
      fetch(`http://127.0.0.1:${handWritten.port}/graphql`, { method: 'POST', body: query }).then((r) => r.text()),
    ]);
    const [realBytes, handBytes] = [Buffer.byteLength(real), Buffer.byteLength(hand)];
    log(`read-selection answer: GraphQL ${realBytes} bytes, hand-written ${handBytes} bytes`);
    if (Math.abs(realBytes - handBytes) > realBytes * 0.03) throw new Error(`read-selection: the hand-written answer is not the GraphQL one's size:\n${real.slice(0, 400)}\n${hand.slice(0, 400)}`);
    if (real !== hand) log('read-selection: the two answers differ (in bytes of the same size)');
    await load(port, admin(), () => query, CONNECTIONS, WARMUP_SECONDS);
    const floor = await load(port, admin(), () => typename);
    await load(handWritten.port, {}, () => query, CONNECTIONS, WARMUP_SECONDS);
    const ceiling = await load(handWritten.port, {}, () => query);
    const measured = await load(port, admin(), () => query);
    log(`read-selection: hand-written ${ceiling.rps}/s (p50 ${ceiling.p50Ms} ms, p99 ${ceiling.p99Ms} ms), { __typename } ${floor.rps}/s`);
    return { ...scenario('read-selection', measured, ceiling.rps, await counter.count(query, admin())), floorRatio: floor.rps ? Number((measured.rps / floor.rps).toFixed(2)) : null };
  } finally {
    await handWritten.close();
  }
}

/** The same copy a claim makes, as one hand-written transaction per claim on a pg pool. */
async function claimCeiling(databaseUrl: string, hash1: string, seconds = SECONDS): Promise<{ rps: number; p50Ms: number; p99Ms: number }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    const client = await pool.connect();
    try {
      while (performance.now() < until) {
        const started = performance.now();
        await client.query('BEGIN');
        const link = (await client.query('SELECT id, "hash2Digest", "selectionId", "lockItems", "ignoreShipping", "ignoreTax" FROM "ShareableLink" WHERE hash1 = $1 FOR SHARE', [hash1])).rows[0];
        const session = (await client.query('INSERT INTO "StorefrontSession" (id, "tokenDigest") VALUES (gen_random_uuid(), $1) RETURNING id', [randomBytes(32)])).rows[0];
        const copy = (await client.query(
          `INSERT INTO "Selection" (id, "marketId", "pricelistId", "countryCode", "customerId", "customerFirstName", "customerLastName", "sessionId", locked, "ignoreShipping", "ignoreTax", "updatedAt")
           SELECT gen_random_uuid(), "marketId", "pricelistId", "countryCode", "customerId", "customerFirstName", "customerLastName", $2, $3, $4, $5, now() FROM "Selection" WHERE id = $1 RETURNING id`,
          [link.selectionId, session.id, link.lockItems, link.ignoreShipping, link.ignoreTax],
        )).rows[0];
        await client.query(
          `INSERT INTO "SelectionItem" (id, "selectionId", "variantId", quantity, "unitPrice", "priceLocked", "createdAt")
           SELECT gen_random_uuid(), $2, "variantId", quantity, "unitPrice", "priceLocked", "createdAt" FROM "SelectionItem" WHERE "selectionId" = $1`,
          [link.selectionId, copy.id],
        );
        const claim = (await client.query('INSERT INTO "Claim" (id, "linkId", "sessionId", "selectionId") VALUES (gen_random_uuid(), $1, $2, $3) RETURNING id', [link.id, session.id, copy.id])).rows[0];
        // Numbered at commit by the outbox's trigger, as the server's events are.
        await client.query('INSERT INTO "LinkEvent" (id, type, "linkId", "claimId") VALUES (gen_random_uuid(), \'CLAIMED\', $1, $2)', [link.id, claim.id]);
        await client.query('COMMIT');
        latencies.push(performance.now() - started);
      }
    } finally {
      client.release();
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  await pool.end();
  latencies.sort((a, b) => a - b);
  return { rps: Math.round(latencies.length / seconds), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

async function claim(port: number, databaseUrl: string, counter: StatementCounter): Promise<Scenario> {
  const link = await issue(port, await selectionOf(port, SKUS.slice(0, 5)));
  const body = JSON.stringify({ query: `mutation { claimSelection(input: { hash1: "${link.hash1}", hash2: "${link.hash2}" }) { __typename ... on ClaimSelectionSuccess { sessionToken selection { id } } } }` });
  await load(port, {}, () => body, CONNECTIONS, WARMUP_SECONDS);
  const measured = await load(port, {}, () => body);
  await claimCeiling(databaseUrl, link.hash1, WARMUP_SECONDS);
  const ceiling = await claimCeiling(databaseUrl, link.hash1);
  return scenario('claim', measured, ceiling.rps, await counter.count(body, {}));
}

async function claimsToBuy(port: number, count: number, skus: string[]): Promise<{ token: string; selectionId: string }[]> {
  const link = await issue(port, await selectionOf(port, skus));
  const claims = [];
  for (let i = 0; i < count; i++) {
    const answer = await gql(port, `mutation { claimSelection(input: { hash1: "${link.hash1}", hash2: "${link.hash2}" }) { ... on ClaimSelectionSuccess { sessionToken selection { id } } } }`, {});
    const { sessionToken, selection } = answer.claimSelection as { sessionToken: string; selection: { id: string } };
    claims.push({ token: sessionToken, selectionId: selection.id });
  }
  return claims;
}

type Buyer = { token: string; selectionId: string };

/**
 * placeOrder of a buyer's copy as a typed client sends it (one document, the values as
 * variables: parsed and validated once per server), and the header that proves the session.
 */
function order(buyer: Buyer, keyPrefix: string): { body: string; headers: Record<string, string> } {
  return {
    body: JSON.stringify({ query: PLACE_ORDER, variables: { input: { selectionId: buyer.selectionId, idempotencyKey: `${keyPrefix}-${buyer.selectionId}` } } }),
    headers: { 'x-session-token': buyer.token },
  };
}

const PLACE_ORDER = 'mutation PlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { __typename } }';

/** A claimed copy ready to be ordered by the hand-written transaction. */
interface Copy {
  selectionId: string;
  claimId: string;
}

/**
 * `count` claimed copies of `sourceId` (a copy claimed from `linkId`), written in bulk as a claim
 * writes them (session, selection, its lines, claim), each ready for one order of its own.
 */
async function copiesToOrder(databaseUrl: string, sourceId: string, linkId: string, count: number): Promise<Copy[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const ids = (n: number) => Array.from({ length: n }, () => randomUUID());
    const [sessions, selections, claims] = [ids(count), ids(count), ids(count)];
    await client.query('BEGIN');
    await client.query('INSERT INTO "StorefrontSession" (id, "tokenDigest") SELECT s, decode(md5(s::text), \'hex\') FROM unnest($1::uuid[]) AS s', [sessions]);
    await client.query(
      `INSERT INTO "Selection" (id, "marketId", "pricelistId", "countryCode", "customerId", "customerFirstName", "customerLastName", "sessionId", "ignoreShipping", "ignoreTax", "updatedAt")
       SELECT n.copy, s."marketId", s."pricelistId", s."countryCode", s."customerId", s."customerFirstName", s."customerLastName", n.session, s."ignoreShipping", s."ignoreTax", now()
       FROM unnest($2::uuid[], $3::uuid[]) AS n(copy, session), "Selection" s WHERE s.id = $1::uuid`,
      [sourceId, selections, sessions],
    );
    await client.query(
      `INSERT INTO "SelectionItem" (id, "selectionId", "variantId", quantity, "unitPrice", "priceLocked", "createdAt")
       SELECT gen_random_uuid(), n.copy, i."variantId", i.quantity, i."unitPrice", i."priceLocked", i."createdAt"
       FROM unnest($2::uuid[]) AS n(copy), "SelectionItem" i WHERE i."selectionId" = $1::uuid`,
      [sourceId, selections],
    );
    await client.query(
      'INSERT INTO "Claim" (id, "linkId", "sessionId", "selectionId") SELECT n.claim, $1::uuid, n.session, n.copy FROM unnest($2::uuid[], $3::uuid[], $4::uuid[]) AS n(claim, session, copy)',
      [linkId, claims, sessions, selections],
    );
    await client.query('COMMIT');
    return selections.map((selectionId, i) => ({ selectionId, claimId: claims[i]! }));
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

/** How many claimed copies the hand-written orders may use up in SECONDS (they stop early if all are ordered). */
const CEILING_COPIES = Number(process.env.BENCH_CEILING_COPIES || 30_000);

/**
 * The writes of one placeOrder of a claimed copy of a link already consumed (as all but the
 * first of the place-order scenario are), as one hand-written transaction per order on a pg
 * pool of CONNECTIONS: lock the copy (with its customer), read its lines, mark it ORDERED,
 * take the stock by a conditional decrement, insert the order, its lines and the idempotency
 * key, and the ORDER_PLACED event (numbered at commit by the outbox's trigger). Shipping and
 * the tax rate are read once beforehand (placeOrder reads them with the copy).
 */
async function placeOrderCeiling(databaseUrl: string, linkId: string, copies: Copy[], seconds = SECONDS): Promise<{ rps: number; p50Ms: number; p99Ms: number }> {
  const [facts] = await sqlOnce<{ shipping: string; rate: string; currency: string; warehouseIds: string[] }>(databaseUrl,
    `SELECT r.amount::text AS shipping, t.rate::text AS rate, p.currency, array_agg(mw."warehouseId") AS "warehouseIds"
     FROM "Selection" s JOIN "Pricelist" p ON p.id = s."pricelistId"
     JOIN "ShippingRate" r ON r."marketId" = s."marketId" AND r."pricelistId" = s."pricelistId" AND r."countryCode" = s."countryCode"
     JOIN "TaxRule" t ON t."countryCode" = s."countryCode" JOIN "MarketWarehouse" mw ON mw."marketId" = s."marketId"
     WHERE s.id = $1::uuid GROUP BY r.amount, t.rate, p.currency`, [copies[0]!.selectionId]);
  if (!facts || facts.warehouseIds.length !== 1) throw new Error('place-order ceiling: expected one warehouse, a shipping rate and a tax rule');
  const shipping = BigInt(facts.shipping);
  const rateBasisPoints = BigInt(Math.round(Number(facts.rate) * 100));
  const warehouseId = facts.warehouseIds[0]!;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: CONNECTIONS });
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const worker = async () => {
    const client = await pool.connect();
    try {
      while (performance.now() < until && next < copies.length) {
        const copy = copies[next++]!;
        const begun = performance.now();
        try {
          await client.query('BEGIN');
          const selection = (await client.query(
            `SELECT s.id, s."customerId", c.email, s."customerFirstName", s."customerLastName", s."sessionId", s."countryCode", s."relatedOrderId"
             FROM "Selection" s JOIN "Customer" c ON c.id = s."customerId" WHERE s.id = $1::uuid FOR UPDATE OF s`, [copy.selectionId])).rows[0];
          const lines = (await client.query<{ variantId: string; sku: string; name: string; quantity: number; unitPrice: string; taxable: boolean }>(
            `SELECT i."variantId", v.sku, v.name, i.quantity, i."unitPrice"::text AS "unitPrice", i.taxable
             FROM "SelectionItem" i JOIN "Variant" v ON v.id = i."variantId" WHERE i."selectionId" = $1::uuid ORDER BY i."createdAt", i.id`, [copy.selectionId])).rows;
          // The link is consumed already: nothing settles it, and nothing locks it.
          await client.query(`UPDATE "Selection" SET status = 'ORDERED', "updatedAt" = now() WHERE id = $1::uuid`, [copy.selectionId]);
          const takes = [...lines].sort((a, b) => a.variantId.localeCompare(b.variantId));
          // The rows are locked in one order first: the UPDATE alone locks them in its join's
          // order, and orders of the same SKUs deadlock.
          const taken = await client.query(
            `WITH locked AS (
               SELECT "variantId" FROM "StockLevel" WHERE "variantId" = ANY($1::uuid[]) AND "warehouseId" = $3::uuid ORDER BY "variantId" FOR UPDATE
             )
             UPDATE "StockLevel" AS level SET quantity = level.quantity - take.quantity, "updatedAt" = now()
             FROM unnest($1::uuid[], $2::int[]) AS take("variantId", quantity)
             WHERE level."variantId" = take."variantId" AND level."warehouseId" = $3::uuid AND level.quantity >= take.quantity
               AND (SELECT count(*) FROM locked) = cardinality($1::uuid[])`,
            [takes.map((l) => l.variantId), takes.map((l) => l.quantity), warehouseId]);
          if (taken.rowCount !== takes.length) throw new Error('place-order ceiling: out of stock');
          const lineTotals = lines.map((l) => BigInt(l.unitPrice) * BigInt(l.quantity));
          const subtotal = lineTotals.reduce((a, b) => a + b, 0n);
          const taxable = lineTotals.filter((_, i) => lines[i]!.taxable).reduce((a, b) => a + b, 0n);
          const tax = ((taxable + shipping) * rateBasisPoints + 5_000n) / 10_000n;
          const placed = (await client.query(
            `INSERT INTO "Order" (id, "selectionId", "customerId", "customerEmail", "customerFirstName", "customerLastName", "sessionId", "claimId", "linkId",
                                  "relatedOrderId", "countryCode", currency, subtotal, shipping, tax, "grandTotal")
             VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
            [copy.selectionId, selection.customerId, selection.email, selection.customerFirstName, selection.customerLastName, selection.sessionId, copy.claimId, linkId,
              selection.relatedOrderId, selection.countryCode, facts.currency, subtotal.toString(), shipping.toString(), tax.toString(), (subtotal + shipping + tax).toString()])).rows[0];
          await client.query(
            `WITH lines AS (
               INSERT INTO "OrderItem" (id, "orderId", position, "variantId", sku, name, taxable, quantity, "unitPrice", "lineTotal")
               SELECT gen_random_uuid(), $1::uuid, line.position - 1, line."variantId", line.sku, line.name, line.taxable, line.quantity, line."unitPrice", line."lineTotal"
               FROM unnest($2::uuid[], $3::text[], $4::text[], $5::boolean[], $6::int[], $7::bigint[], $8::bigint[])
                 WITH ORDINALITY AS line("variantId", sku, name, taxable, quantity, "unitPrice", "lineTotal", position)
             )
             INSERT INTO "IdempotencyKey" (scope, key, "selectionId", "orderId") VALUES ($9, $10, $11::uuid, $1::uuid)`,
            [placed.id, lines.map((l) => l.variantId), lines.map((l) => l.sku), lines.map((l) => l.name), lines.map((l) => l.taxable), lines.map((l) => l.quantity),
              lines.map((l) => l.unitPrice), lineTotals.map(String), `session:${selection.sessionId}`, `ceiling-${copy.selectionId}`, copy.selectionId]);
          await client.query(
            `INSERT INTO "LinkEvent" (id, type, "linkId", "claimId", "orderId")
             VALUES (gen_random_uuid(), 'ORDER_PLACED', $1::uuid, $2::uuid, $3::uuid)`,
            [linkId, copy.claimId, placed.id]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
        latencies.push(performance.now() - begun);
      }
    } finally {
      client.release();
    }
  };
  try {
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  } finally {
    await pool.end();
  }
  const elapsed = (performance.now() - started) / 1000;
  if (next >= copies.length) log(`place-order ceiling: all ${copies.length} copies ordered after ${elapsed.toFixed(1)} s (BENCH_CEILING_COPIES)`);
  latencies.sort((a, b) => a - b);
  return { rps: Math.round(latencies.length / elapsed), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

async function placeOrders(port: number, databaseUrl: string, counter: StatementCounter): Promise<Scenario> {
  const skus = SKUS.slice(0, 3);
  const claims = await claimsToBuy(port, 4000, skus);
  const countedBuyer = claims.pop()!;
  const counted = order(countedBuyer, 'count');
  const stockBefore = await stockOf(databaseUrl, skus);
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/graphql`,
    connections: CONNECTIONS,
    amount: claims.length,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{
      setupRequest: (request) => {
        const { body, headers } = order(claims[next++ % claims.length]!, 'bench');
        return { ...request, headers: { ...request.headers, ...headers }, body };
      },
    }],
  });
  if (result.non2xx > 0 || result.errors > 0) log(`place-order: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  const unitsSold = stockBefore - (await stockOf(databaseUrl, skus));
  if (unitsSold !== claims.length * skus.length) log(`place-order: ${unitsSold} units sold by ${claims.length} orders of ${skus.length}`);
  const statements = await counter.count(counted.body, counted.headers);
  // The copies the ceiling orders are claimed from the same link, now consumed.
  const [source] = await sqlOnce<{ linkId: string }>(databaseUrl, 'SELECT "linkId" FROM "Claim" WHERE "selectionId" = $1::uuid', [countedBuyer.selectionId]);
  const copies = await copiesToOrder(databaseUrl, countedBuyer.selectionId, source!.linkId, CEILING_COPIES);
  const ceiling = await placeOrderCeiling(databaseUrl, source!.linkId, copies);
  log(`place-order: hand-written ${ceiling.rps}/s (p50 ${ceiling.p50Ms} ms, p99 ${ceiling.p99Ms} ms)`);
  return { ...scenario('place-order', { rps: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99 }, ceiling.rps, statements), unitsSold };
}

/**
 * 200 buyers of one SKU with 10 units, all at once: how long until every one has an answer.
 * Its statements per operation are those of a buyer who comes after the stock ran out.
 */
async function placeOrderContention(port: number, databaseUrl: string, counter: StatementCounter): Promise<Scenario[]> {
  await gql(port, 'mutation { importCatalog(input: { products: [{ code: "HOT", name: "Drop", variants: [{ sku: "HOT-1", name: "Drop", prices: [{ pricelistCode: "P", amount: "99.00" }], stock: [{ warehouseCode: "W", quantity: 10 }] }] }] }) { __typename } }');
  const claims = await claimsToBuy(port, 201, ['HOT-1']);
  const late = order(claims.pop()!, 'late');
  const latencies: number[] = [];
  const losers: number[] = [];
  const started = performance.now();
  const answers = await Promise.all(claims.map(async (claim) => {
    const begun = performance.now();
    const { body, headers } = order(claim, 'hot');
    const answer = await postJson(port, body, headers);
    const typename = (answer.placeOrder as { __typename: string }).__typename;
    latencies.push(performance.now() - begun);
    if (typename === 'OutOfStockError') losers.push(performance.now() - begun);
    return typename;
  }));
  const seconds = (performance.now() - started) / 1000;
  const sold = answers.filter((a) => a === 'PlaceOrderSuccess').length;
  if (sold !== 10) throw new Error(`contention: ${sold} orders for 10 units`);
  if (losers.length !== claims.length - sold) log(`contention: ${claims.length - sold - losers.length} answers neither an order nor OUT_OF_STOCK`);
  const [units] = await sqlOnce<{ units: string }>(databaseUrl, 'SELECT coalesce(sum(quantity), 0)::text AS units FROM "OrderItem" WHERE sku = \'HOT-1\'');
  const unitsSold = Number(units!.units);
  if (unitsSold !== 10) throw new Error(`contention: ${unitsSold} units sold of 10`);
  latencies.sort((a, b) => a - b);
  losers.sort((a, b) => a - b);
  const statements = await counter.count(late.body, late.headers);
  return [
    { ...scenario('place-order-contention', { rps: Math.round(claims.length / seconds), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) }, null, statements), unitsSold },
    { name: 'place-order-contention-losers', rps: null, p50Ms: percentile(losers, 50), p99Ms: percentile(losers, 99), ceilingRps: null, ratio: null, queriesPerOp: statements },
  ];
}

/** Issues links through B while A's subscriber timestamps each ISSUED event. */
async function eventLatency(portA: number, portB: number): Promise<Scenario> {
  const client = createClient({ url: `ws://127.0.0.1:${portA}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${adminKey}` } });
  try {
    const selectionId = await selectionOf(portB, SKUS.slice(0, 1));

    const arrivals = new Map<string, number>();
    let wake: () => void = () => {};
    client.subscribe<{ linkEvents: { type: string; link: { id: string } } }>(
      { query: 'subscription { linkEvents(types: [ISSUED]) { type link { id } } }' },
      { next: ({ data }) => { if (data) arrivals.set(data.linkEvents.link.id, performance.now()); wake(); }, error: (e) => log(String(e)), complete: () => {} },
    );
    await new Promise((r) => setTimeout(r, 500)); // the subscription is registered

    const latencies: number[] = [];
    for (let i = 0; i < WARMUP + EVENTS; i++) {
      // Each issue revokes the previous link of the selection: one ISSUED (and one REVOKED) per call.
      const issued = await gql(portB, `mutation { issueShareableLink(input: { selectionId: "${selectionId}", lockItems: true }) { ... on IssueShareableLinkSuccess { link { id } } } }`);
      const committedAt = performance.now(); // the answer comes after the commit
      const linkId = (issued.issueShareableLink as { link: { id: string } }).link.id;
      const deadline = committedAt + 5_000;
      while (!arrivals.has(linkId) && performance.now() < deadline) await new Promise<void>((r) => { wake = r; setTimeout(r, 50); });
      const arrived = arrivals.get(linkId);
      if (arrived === undefined) throw new Error(`event of link ${linkId} did not arrive within 5 s`);
      if (i >= WARMUP) latencies.push(Math.max(0, arrived - committedAt));
    }
    latencies.sort((a, b) => a - b);
    return { name: 'event-latency', rps: null, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), ceilingRps: null, ratio: null, queriesPerOp: null };
  } finally {
    await client.dispose();
  }
}

/** autocannon of one constant body for `seconds`, keeping each answer's latency (for percentiles over several at once). */
async function loadKeeping(port: number, body: string, seconds: number): Promise<{ latencies: number[]; failed: number }> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: `http://127.0.0.1:${port}/graphql`, connections: CONNECTIONS, duration: seconds, method: 'POST', headers: { 'content-type': 'application/json' }, body },
      (error: unknown, done) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  return { latencies, failed: result.non2xx + result.errors };
}

/** The outbox lock's key (the trigger of migration outbox_commit_order, taken while a transaction with events commits). */
const OUTBOX_LOCK = 7_305_001;
const LOCK_SAMPLE_MS = 20;

/**
 * Every LOCK_SAMPLE_MS, the bench database's backends in a transaction (active or idle in one)
 * and how many of them wait for an advisory lock (only the outbox takes one).
 */
async function sampleOutboxLock(databaseUrl: string): Promise<{ stop(): Promise<{ samples: number; busy: number; waiting: number }> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const totals = { samples: 0, busy: 0, waiting: 0 };
  let inFlight: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (inFlight) return; // the last sample is still being read: skip this one rather than queue
    inFlight = client.query<{ busy: number; waiting: number }>(
      `SELECT count(*) FILTER (WHERE state IN ('active', 'idle in transaction'))::int AS busy,
              count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory')::int AS waiting
       FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    ).then(({ rows }) => {
      totals.samples++;
      totals.busy += rows[0]!.busy;
      totals.waiting += rows[0]!.waiting;
    }, (error: unknown) => log(`lock sample: ${String(error)}`)).finally(() => { inFlight = null; });
  }, LOCK_SAMPLE_MS);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
      await client.end();
      return totals;
    },
  };
}

/**
 * Both server processes take claims at once (CONNECTIONS each, of a link of their own) for
 * SECONDS: rps is the LinkEvent rows committed per second in that window (one CLAIMED each),
 * p50/p99 those of the claims, and lockWaitShare the share of in-transaction backend samples
 * that were waiting for the outbox's advisory lock (taken at commit, while events are numbered).
 */
async function outboxThroughput(portA: number, portB: number, databaseUrl: string): Promise<Scenario> {
  const claimBody = async (port: number) => {
    const link = await issue(port, await selectionOf(port, SKUS.slice(0, 5)));
    return JSON.stringify({ query: `mutation { claimSelection(input: { hash1: "${link.hash1}", hash2: "${link.hash2}" }) { __typename } }` });
  };
  const [bodyA, bodyB] = [await claimBody(portA), await claimBody(portB)];
  await Promise.all([loadKeeping(portA, bodyA, WARMUP_SECONDS), loadKeeping(portB, bodyB, WARMUP_SECONDS)]);
  const lastSequence = async () => BigInt((await sqlOnce<{ last: string }>(databaseUrl, 'SELECT coalesce(max(sequence), 0)::text AS last FROM "LinkEvent"'))[0]!.last);
  const before = await lastSequence();
  const sampler = await sampleOutboxLock(databaseUrl);
  const started = performance.now();
  let runs: { latencies: number[]; failed: number }[];
  let locks: { samples: number; busy: number; waiting: number };
  try {
    runs = await Promise.all([loadKeeping(portA, bodyA, SECONDS), loadKeeping(portB, bodyB, SECONDS)]);
  } finally {
    locks = await sampler.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const [events] = await sqlOnce<{ count: string }>(databaseUrl, 'SELECT count(*)::text AS count FROM "LinkEvent" WHERE sequence > $1', [before.toString()]);
  const committed = Number(events!.count);
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const failed = runs.reduce((sum, r) => sum + r.failed, 0);
  if (failed > 0) log(`outbox-throughput: ${failed} claims not answered 2xx`);
  log(`outbox-throughput: ${committed} events in ${seconds.toFixed(1)} s for ${latencies.length} claims (A ${runs[0]!.latencies.length}, B ${runs[1]!.latencies.length}); `
    + `${locks.samples} lock samples, ${locks.busy} backends in a transaction, ${locks.waiting} of them waiting for lock ${OUTBOX_LOCK}`);
  return {
    name: 'outbox-throughput',
    rps: Math.round(committed / seconds),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    ceilingRps: null,
    ratio: null,
    queriesPerOp: null,
    lockWaitShare: locks.busy > 0 ? Number((locks.waiting / locks.busy).toFixed(2)) : null,
  };
}

/** One POST /graphql of `body` over `agent` (keep-alive): the status and text of the answer. */
function post(port: number, agent: Agent, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      { host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        response.on('error', reject);
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

const DEEP_LEVELS = 400_000;
const DEEP_SENDERS = 4;
const NEIGHBOUR_REQUESTS = 200;
/** The flooded measurement ends after this long even if fewer requests were answered (without the guard each waits behind parses). */
const NEIGHBOUR_SECONDS = 10;

/**
 * One anonymous client's sequential `{ __typename }`, first alone, then while DEEP_SENDERS other
 * connections send, as fast as they are answered, an 800 KB body whose variables nest arrays
 * DEEP_LEVELS deep: each must be refused with 400 before it is parsed, without holding up the
 * neighbour. rps: deep bodies refused per second during the flooded measurement.
 */
async function deepJsonNeighbour(port: number): Promise<Scenario> {
  const typename = Buffer.from(JSON.stringify({ query: '{ __typename }' }));
  const deep = Buffer.from(`{"query":"{ __typename }","variables":{"deep":${'['.repeat(DEEP_LEVELS)}${']'.repeat(DEEP_LEVELS)}}}`);
  const neighbourAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const floodAgent = new Agent({ keepAlive: true, maxSockets: DEEP_SENDERS });
  const timeTypename = async (count: number, until = Infinity): Promise<number[]> => {
    const latencies: number[] = [];
    while (latencies.length < count && performance.now() < until) {
      const started = performance.now();
      const { status, text } = await post(port, neighbourAgent, typename);
      const elapsed = performance.now() - started;
      if (status !== 200 || !text.includes('"__typename":"Query"')) throw new Error(`deep-json-neighbour: { __typename } answered ${status} ${text.slice(0, 200)}`);
      latencies.push(elapsed);
    }
    return latencies.sort((a, b) => a - b);
  };

  let stopped = false;
  let refused = 0;
  const unexpected = new Map<string, number>();
  let firstUnexpected: string | undefined;
  const flood = async () => {
    while (!stopped) {
      try {
        const { status, text } = await post(port, floodAgent, deep);
        if (status === 400) {
          refused++;
          continue;
        }
        unexpected.set(String(status), (unexpected.get(String(status)) ?? 0) + 1);
        firstUnexpected ??= `${status} ${text.slice(0, 200)}`;
      } catch (error) {
        // The connection failed (the server is gone?): no point in going on.
        unexpected.set('network error', (unexpected.get('network error') ?? 0) + 1);
        firstUnexpected ??= String(error);
        stopped = true;
      }
    }
  };

  try {
    await timeTypename(WARMUP);
    const alone = await timeTypename(NEIGHBOUR_REQUESTS);
    const senders = Array.from({ length: DEEP_SENDERS }, flood);
    let beside: number[];
    let refusedPerSecond: number;
    try {
      await new Promise((r) => setTimeout(r, 1_000)); // the flood is under way
      const refusedBefore = refused;
      const started = performance.now();
      beside = await timeTypename(NEIGHBOUR_REQUESTS, started + NEIGHBOUR_SECONDS * 1000);
      refusedPerSecond = Math.round((refused - refusedBefore) / ((performance.now() - started) / 1000));
    } finally {
      stopped = true;
      await Promise.all(senders);
    }
    log(`typename p99 alone ${percentile(alone, 99)} ms, beside deep bodies ${percentile(beside, 99)} ms (p50 ${percentile(alone, 50)} → ${percentile(beside, 50)} ms, ${beside.length} requests); ${refusedPerSecond} deep bodies refused/s`);
    if (unexpected.size > 0) {
      throw new Error(`deep-json-neighbour: deep bodies not refused with 400: ${JSON.stringify(Object.fromEntries(unexpected))}; first: ${firstUnexpected}`);
    }
    return { name: 'deep-json-neighbour', rps: refusedPerSecond, p50Ms: percentile(beside, 50), p99Ms: percentile(beside, 99), ceilingRps: null, ratio: null, queriesPerOp: null };
  } finally {
    neighbourAgent.destroy();
    floodAgent.destroy();
  }
}

const OVERLOAD_CONNECTIONS = 300;
const HEALTHZ_EVERY_MS = 100;
const ORDER_EVERY_MS = 500;
/** How long after the load the server's memory is read again. */
const SETTLE_SECONDS = 5;
/** The longest wait for one answer: autocannon's default (10 s) would drop the slowest queued answers from the measure. */
const ANSWER_TIMEOUT_SECONDS = 30;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The resident memory of a process, in MiB (Linux's /proc). */
function rssMiB(pid: number): number {
  const kB = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kB === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Math.round(Number(kB) / 1024);
}

const countOf = (counts: Map<string, number>, key: string, by = 1) => counts.set(key, (counts.get(key) ?? 0) + by);

interface Probed {
  /** Latencies of the answers that were `ok`, sorted. */
  latencies: number[];
  /** How many ended otherwise, by what `send` or the failure said. */
  failures: Map<string, number>;
}

/** Starts `send` every `everyMs`, each without waiting for earlier answers, and times those that end 'ok'. */
function probe(everyMs: number, send: (signal: AbortSignal) => Promise<string>): { stop(): Promise<Probed> } {
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const started = performance.now();
    const sent: Promise<void> = send(AbortSignal.timeout(ANSWER_TIMEOUT_SECONDS * 1000))
      .catch((error: unknown) => (error instanceof Error ? error.name : String(error)))
      .then((outcome) => {
        if (outcome === 'ok') latencies.push(performance.now() - started);
        else countOf(failures, outcome);
        pending.delete(sent);
      });
    pending.add(sent);
  }, everyMs);
  return {
    /** Starts no more; resolves when every request sent has ended. */
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return { latencies: latencies.sort((a, b) => a - b), failures };
    },
  };
}

interface OverloadRound {
  seconds: number;
  /** Latencies of the 2xx and of the 503 answers. */
  ok: number[];
  rejected: number[];
  rejectedWithoutRetryAfter: number;
  /** 2xx answers whose body has GraphQL errors (in `ok` too). */
  okWithErrors: number;
  /** Requests that ended neither 2xx nor 503: other statuses, connection errors, timeouts. */
  failures: Map<string, number>;
  /** Load connections that got no answer during the round. */
  unansweredConnections: number;
  healthz: Probed;
  opsHealthz: Probed;
  orders: Probed;
  peakMiB: number;
}

/**
 * SECONDS of OVERLOAD_CONNECTIONS connections each sending `body` as soon as the last one is
 * answered, while /healthz is timed every HEALTHZ_EVERY_MS, a placeOrder every ORDER_EVERY_MS,
 * and the server's RSS sampled every 100 ms until the last of those is answered.
 */
async function overloadRound(port: number, server: ChildProcess, body: string, nextOrder: () => { body: string; headers: Record<string, string> }): Promise<OverloadRound> {
  const pid = server.pid!;
  const ok: number[] = [];
  const rejected: number[] = [];
  let rejectedWithoutRetryAfter = 0;
  let okWithErrors = 0;
  const failures = new Map<string, number>();
  const answeredConnections = new Set<unknown>();
  let peakMiB = rssMiB(pid);
  const sampler = setInterval(() => {
    try {
      peakMiB = Math.max(peakMiB, rssMiB(pid));
    } catch {
      // The server is gone: the round fails below.
    }
  }, 100);
  // On a new connection each time, as an orchestrator's probe comes: a busy event loop accepts
  // one connection per turn (libuv), so this also times the wait for the accept.
  const healthAt = (healthPort: number) => probe(HEALTHZ_EVERY_MS, (signal) => new Promise<string>((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port: healthPort, path: '/healthz', agent: false, signal }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200 ? 'ok' : `HTTP ${response.statusCode}`));
      response.on('error', reject);
    });
    sent.on('error', reject);
    sent.end();
  }));
  const healthz = healthAt(port);
  const opsHealthz = healthAt(opsPortOf(port));
  const orders = probe(ORDER_EVERY_MS, async (signal) => {
    const { body: orderBody, headers } = nextOrder();
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: orderBody, signal });
    const text = await response.text();
    if (!response.ok) return `HTTP ${response.status}`;
    const typename = /"__typename":"(\w+)"/.exec(text)?.[1];
    return typename === 'PlaceOrderSuccess' ? 'ok' : (typename ?? text.slice(0, 120));
  });
  let result: autocannon.Result;
  let probed: [Probed, Probed, Probed];
  try {
    result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: `http://127.0.0.1:${port}/graphql`,
          connections: OVERLOAD_CONNECTIONS,
          duration: SECONDS,
          timeout: ANSWER_TIMEOUT_SECONDS,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...admin() },
          body,
          requests: [{
            onResponse: (status, text, _context, headers) => {
              if (status === 503 && !Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'retry-after')) rejectedWithoutRetryAfter++;
              if (status >= 200 && status < 300 && text.includes('"errors"')) okWithErrors++;
            },
          }],
        },
        (error: unknown, answered) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(answered)),
      );
      instance.on('response', (client, status, _bytes, ms) => {
        answeredConnections.add(client);
        if (status >= 200 && status < 300) ok.push(ms);
        else if (status === 503) rejected.push(ms);
        else countOf(failures, `HTTP ${status}`);
      });
    });
  } finally {
    probed = await Promise.all([healthz.stop(), opsHealthz.stop(), orders.stop()]);
    clearInterval(sampler);
  }
  if (server.exitCode !== null || server.signalCode !== null) throw new Error(`overload: the server left (${server.exitCode ?? server.signalCode})`);
  if (result.timeouts > 0) countOf(failures, 'timeout', result.timeouts);
  if (result.errors > result.timeouts) countOf(failures, 'connection error', result.errors - result.timeouts);
  return {
    seconds: result.duration,
    ok: ok.sort((a, b) => a - b),
    rejected: rejected.sort((a, b) => a - b),
    rejectedWithoutRetryAfter,
    okWithErrors,
    failures,
    unansweredConnections: OVERLOAD_CONNECTIONS - answeredConnections.size,
    healthz: probed[0],
    opsHealthz: probed[1],
    orders: probed[2],
    peakMiB,
  };
}

/** The overload server's operations port (METRICS_PORT). */
const opsPortOf = (port: number) => port + 1_000;

const p99OrNull = (sorted: number[]) => (sorted.length > 0 ? percentile(sorted, 99) : null);
const counted = (counts: Map<string, number>) => (counts.size > 0 ? ` ${JSON.stringify(Object.fromEntries(counts))}` : '');

/**
 * 300 clients reading the 50-item selection, on a server of its own so that its memory is this
 * scenario's: two rounds of SECONDS, each followed by SETTLE_SECONDS of quiet. Back-pressure
 * should keep the 2xx p99, /healthz and placeOrder bounded, answer the excess with a fast 503
 * and Retry-After, and the second round's peak RSS should be about the first's.
 */
async function overload(databaseUrl: string): Promise<Scenario> {
  const port = 43_000 + Math.floor(Math.random() * 1000);
  const server = await startServer(databaseUrl, port, { METRICS_PORT: String(opsPortOf(port)), MAX_CONCURRENT_REQUESTS: process.env.MAX_CONCURRENT_REQUESTS ?? '' });
  try {
    const pid = server.pid!;
    const body = readSelectionBody(await selectionOf(port, SKUS));
    // An order per ORDER_EVERY_MS while a round lasts, with room for the timer's slack.
    const buyers = await claimsToBuy(port, 2 * (Math.ceil((SECONDS * 1000) / ORDER_EVERY_MS) + 10), SKUS.slice(0, 3));
    const nextOrder = () => {
      const buyer = buyers.pop();
      if (!buyer) throw new Error('no buyer left');
      return order(buyer, 'overload');
    };
    await load(port, admin(), () => body, CONNECTIONS, WARMUP_SECONDS);
    await sleep(SETTLE_SECONDS * 1000);
    const before = rssMiB(pid);
    const rounds: OverloadRound[] = [];
    const afterMiB: number[] = [];
    for (const round of [1, 2]) {
      const measured = await overloadRound(port, server, body, nextOrder);
      await sleep(SETTLE_SECONDS * 1000);
      afterMiB.push(rssMiB(pid));
      rounds.push(measured);
      const { ok, rejected, healthz, opsHealthz, orders } = measured;
      log(`overload round ${round}: 2xx ${ok.length} (${Math.round(ok.length / measured.seconds)}/s, p50 ${percentile(ok, 50)} ms, p99 ${percentile(ok, 99)} ms${measured.okWithErrors > 0 ? `, ${measured.okWithErrors} with GraphQL errors` : ''}), `
        + `503 ${rejected.length} (p99 ${p99OrNull(rejected) ?? '-'} ms, ${measured.rejectedWithoutRetryAfter} without Retry-After), other${counted(measured.failures) || ' none'}, `
        + `${measured.unansweredConnections} of ${OVERLOAD_CONNECTIONS} connections never answered; `
        + `/healthz p99 ${p99OrNull(healthz.latencies) ?? '-'} ms (${healthz.latencies.length} ok${counted(healthz.failures)}), `
        + `on METRICS_PORT ${p99OrNull(opsHealthz.latencies) ?? '-'} ms (${opsHealthz.latencies.length} ok${counted(opsHealthz.failures)}); `
        + `placeOrder p99 ${p99OrNull(orders.latencies) ?? '-'} ms (${orders.latencies.length} ok${counted(orders.failures)}); RSS peak ${measured.peakMiB} MiB, ${SETTLE_SECONDS} s later ${afterMiB.at(-1)} MiB`);
    }
    const all = (pick: (round: OverloadRound) => number[]) => rounds.flatMap(pick).sort((a, b) => a - b);
    const ok = all((r) => r.ok);
    const rejected = all((r) => r.rejected);
    const rssMiBs = { before, peak1: rounds[0]!.peakMiB, after1: afterMiB[0]!, peak2: rounds[1]!.peakMiB, after2: afterMiB[1]! };
    log(`overload RSS MiB: before ${rssMiBs.before}, round 1 peak ${rssMiBs.peak1} → ${rssMiBs.after1}, round 2 peak ${rssMiBs.peak2} → ${rssMiBs.after2}`);
    return {
      name: 'overload',
      rps: Math.round(ok.length / rounds.reduce((sum, r) => sum + r.seconds, 0)),
      p50Ms: percentile(ok, 50),
      p99Ms: percentile(ok, 99),
      ceilingRps: null,
      ratio: null,
      queriesPerOp: null,
      rejected: rejected.length,
      rejectedP99Ms: p99OrNull(rejected),
      rejectedWithRetryAfter: rejected.length > 0 ? rounds.every((r) => r.rejectedWithoutRetryAfter === 0) : null,
      failed: rounds.reduce((sum, r) => sum + [...r.failures.values()].reduce((a, b) => a + b, 0), 0),
      unansweredConnections: Math.max(...rounds.map((r) => r.unansweredConnections)),
      healthzP99Ms: p99OrNull(all((r) => r.healthz.latencies)),
      opsHealthzP99Ms: p99OrNull(all((r) => r.opsHealthz.latencies)),
      placeOrderP99Ms: p99OrNull(all((r) => r.orders.latencies)),
      rssMiB: rssMiBs,
    };
  } finally {
    await stopServer(server);
  }
}

/** Variants imported by import-catalog, and per request: the most one import takes (services/validate.ts LIMITS.importVariants). */
const IMPORT_VARIANTS = 10_000;
const IMPORT_PER_REQUEST = LIMITS.importVariants;

const IMPORT_CATALOG = 'mutation ImportCatalog($input: ImportCatalogInput!) { importCatalog(input: $input) { __typename ... on Error { message } } }';

/**
 * Request `index` of import-catalog: IMPORT_PER_REQUEST new variants, each with a price and a
 * stock level, in products of LIMITS.variantsPerProduct; the first request also creates the
 * warehouse and the pricelist the others refer to.
 */
function importRequest(index: number): string {
  const perProduct = LIMITS.variantsPerProduct;
  const products = Array.from({ length: IMPORT_PER_REQUEST / perProduct }, (_, p) => {
    const code = `IMP-${index}-${p}`;
    const variants = Array.from({ length: perProduct }, (_, v) => ({
      sku: `${code}-${v}`,
      name: `Variant ${v} of ${code}`,
      prices: [{ pricelistCode: 'IMP-P', amount: `${(v % 90) + 10}.95` }],
      stock: [{ warehouseCode: 'IMP-W', quantity: 100 + v }],
    }));
    return { code, name: `Product ${code}`, variants };
  });
  const input = index === 0
    ? { warehouses: [{ code: 'IMP-W', name: 'Import warehouse' }], pricelists: [{ code: 'IMP-P', name: 'Import prices', currency: 'SEK' }], products }
    : { products };
  return JSON.stringify({ query: IMPORT_CATALOG, variables: { input } });
}

/**
 * IMPORT_VARIANTS new variants with prices and stock through importCatalog, in requests of
 * IMPORT_PER_REQUEST sent one after another (each one transaction). rps: variants imported per
 * second; p50/p99: of the requests; queriesPerOp: the statements of the first request sent
 * again (an update of the same rows: the same statements).
 */
async function importCatalogScenario(port: number, counter: StatementCounter): Promise<Scenario> {
  const bodies = Array.from({ length: IMPORT_VARIANTS / IMPORT_PER_REQUEST }, (_, i) => importRequest(i));
  log(`import-catalog: ${bodies.length} requests of ${IMPORT_PER_REQUEST} variants, ${bodies.map((b) => Buffer.byteLength(b)).join(' and ')} bytes`);
  const latencies: number[] = [];
  const started = performance.now();
  for (const body of bodies) {
    const begun = performance.now();
    const { importCatalog } = (await postJson(port, body, admin())) as { importCatalog: { __typename: string; message?: string } };
    if (importCatalog.__typename !== 'ImportCatalogSuccess') throw new Error(`import-catalog: ${importCatalog.__typename} ${importCatalog.message ?? ''}`);
    latencies.push(performance.now() - begun);
  }
  const seconds = (performance.now() - started) / 1000;
  log(`import-catalog: ${IMPORT_VARIANTS} variants in ${seconds.toFixed(2)} s (requests ${latencies.map((ms) => Math.round(ms)).join(', ')} ms)`);
  latencies.sort((a, b) => a - b);
  return {
    ...scenario('import-catalog', { rps: Math.round(IMPORT_VARIANTS / seconds), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) }, null, await counter.count(bodies[0]!, admin())),
    seconds: Number(seconds.toFixed(2)),
  };
}

const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
log(`PostgreSQL ${serverUrl.replace(/\/\/([^:@/]*):[^@]*@/, '//$1:***@')}, Redis ${redisUrl}`);
const scenarios = await withDatabase(async (url) => {
  const [portA, portB] = [41_000 + Math.floor(Math.random() * 1000), 42_000 + Math.floor(Math.random() * 1000)];
  const servers: ChildProcess[] = [];
  try {
    servers.push(await startServer(url, portA));
    servers.push(await startServer(url, portB));
    const counter = await openStatementCounter(url);
    try {
      await seedCatalog(portA);
      const results: Scenario[] = [];
      for (const [name, run] of [
        ['read-selection', () => readSelection(portA, url, counter)],
        ['claim', () => claim(portA, url, counter)],
        ['place-order', () => placeOrders(portA, url, counter)],
        ['place-order-contention', () => placeOrderContention(portA, url, counter)],
        ['event-latency', () => eventLatency(portA, portB)],
        ['outbox-throughput', () => outboxThroughput(portA, portB, url)],
        ['deep-json-neighbour', () => deepJsonNeighbour(portA)],
        ['overload', () => overload(url)],
        ['import-catalog', () => importCatalogScenario(portA, counter)],
      ] as const) {
        if (only && !only.includes(name)) continue;
        log(`${name}…`);
        const started = performance.now();
        results.push(...[await run()].flat());
        log(`${name} took ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
      return results;
    } finally {
      await counter.close();
    }
  } finally {
    for (const server of servers) await stopServer(server);
  }
});
mkdirSync(resolve(root, 'bench'), { recursive: true });
writeFileSync(resolve(root, 'bench/results.json'), `${JSON.stringify({ scenarios }, null, 2)}\n`);
console.table(scenarios);
log('wrote bench/results.json');
