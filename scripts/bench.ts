// `npm run bench`: measures the server on PostgreSQL and writes bench/results.json.
// Scenario so far: event-latency — commit-to-subscriber latency of link events between two
// server processes sharing PostgreSQL and Redis. (The throughput scenarios come with issue #6.)
//
// DATABASE_URL: a PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres);
// the bench creates and drops its own database there. REDIS_URL default redis://127.0.0.1:6379.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';

const root = resolve(import.meta.dirname, '..');
const serverUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const adminKey = randomBytes(24).toString('hex');
const EVENTS = Number(process.env.BENCH_EVENTS || 300);
const WARMUP = 30;

interface Scenario {
  name: string;
  rps: number | null;
  p50Ms: number;
  p99Ms: number;
  ceilingRps: number | null;
  ratio: number | null;
  queriesPerOp: number | null;
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

async function startServer(databaseUrl: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, ADMIN_API_KEY: adminKey },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null) throw new Error(`the server on port ${port} exited`);
    if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server on port ${port} did not start`);
}

async function gql(port: number, query: string): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data: Record<string, unknown>; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

function percentile(sorted: number[], p: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2));
}

/** Issues links through B while A's subscriber timestamps each ISSUED event. */
async function eventLatency(databaseUrl: string): Promise<Scenario> {
  const [portA, portB] = [41_000 + Math.floor(Math.random() * 1000), 42_000 + Math.floor(Math.random() * 1000)];
  const servers = [await startServer(databaseUrl, portA), await startServer(databaseUrl, portB)];
  const client = createClient({ url: `ws://127.0.0.1:${portA}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${adminKey}` } });
  try {
    await gql(portB, `mutation { importCatalog(input: {
      warehouses: [{ code: "W", name: "W" }], pricelists: [{ code: "P", name: "P", currency: "SEK" }],
      markets: [{ code: "M", name: "M", countries: ["SE"], warehouseCodes: ["W"] }],
      products: [{ code: "T", name: "T", variants: [{ sku: "T-1", name: "T", prices: [{ pricelistCode: "P", amount: "10.00" }], stock: [{ warehouseCode: "W", quantity: 1000 }] }] }],
      shipping: [{ marketCode: "M", pricelistCode: "P", countryCode: "SE", amount: "1.00" }] }) { __typename } }`);
    const created = await gql(portB, 'mutation { createSelection(input: { marketCode: "M", pricelistCode: "P", countryCode: "SE" }) { ... on CreateSelectionSuccess { selection { id } } } }');
    const selectionId = (created.createSelection as { selection: { id: string } }).selection.id;
    await gql(portB, `mutation { addSelectionItem(input: { selectionId: "${selectionId}", sku: "T-1", quantity: 1 }) { __typename } }`);

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
    for (const server of servers) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  }
}

log(`PostgreSQL ${serverUrl.replace(/\/\/([^:@/]*):[^@]*@/, '//$1:***@')}, Redis ${redisUrl}`);
const scenarios = await withDatabase(async (url) => [await eventLatency(url)]);
mkdirSync(resolve(root, 'bench'), { recursive: true });
writeFileSync(resolve(root, 'bench/results.json'), `${JSON.stringify({ scenarios }, null, 2)}\n`);
console.table(scenarios);
log('wrote bench/results.json');
