// The bad day, in one process: which errors mean "the database is away", the wait for it at
// start, the answers while it is not open yet, the bound on requests in flight, and the drain
// of a stop. Faults of real servers (restarts, terminated backends, Redis killed) are in
// faults.test.ts.
import { print } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { db, isDatabaseUnavailable, waitForDatabase } from '../src/db/client.js';
import type { Database } from '../src/db/client.js';
import { createLogger } from '../src/observability/log.js';
import { ADMIN_KEY, asAdmin, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem } from './helpers/documents.js';
import { createSelection, seedCatalog } from './helpers/fixtures.js';

describe('isDatabaseUnavailable', () => {
  const pgError = (code: string) => Object.assign(new Error('server says no'), { code, severity: 'FATAL' });
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a server shut down by its administrator (57P01)', pgError('57P01')],
    ['a server starting up (57P03)', pgError('57P03')],
    ['a connection failure (class 08)', pgError('08006')],
    ['too many connections (53300)', pgError('53300')],
    ['the pg pool finding no connection in time', new Error('timeout exceeded when trying to connect')],
    ['a connection ended under a query', new Error('Connection terminated unexpectedly')],
    ['a transaction that could not start in time (P2028)', Object.assign(new Error('Unable to start a transaction in the given time.'), { code: 'P2028' })],
    ['Prisma cannot reach the server (P1001)', Object.assign(new Error('Can\u2019t reach database server'), { code: 'P1001' })],
    ['a driver adapter error, as Prisma wraps it', Object.assign(new Error('raw query failed'), { code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } } })],
    ['a cause two levels down', new Error('outer', { cause: new Error('middle', { cause: pgError('57P01') }) })],
    ['the original error of a GraphQL error', { message: 'wrapped', originalError: pgError('57P02') }],
  ])('is true for %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('Unique constraint failed'), { code: 'P2002' })],
    ['a serialization failure', pgError('40001')],
    ['a syntax error', pgError('42601')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['nothing at all', undefined],
  ])('is false for %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('does not loop on an error that is its own cause', () => {
    const error: Error & { cause?: unknown } = new Error('loop');
    error.cause = error;
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('waitForDatabase', () => {
  it('tries again with doubling pauses (at most 5 s), logging each, and gives up after the wait with the reason', async () => {
    let clock = 0;
    const pauses: number[] = [];
    const messages: string[] = [];
    const waiting = waitForDatabase({
      // Nothing listens on port 1: every try is refused at once.
      databaseUrl: 'postgresql://postgres@127.0.0.1:1/linkcart',
      dataDir: 'unused',
      waitSeconds: 20,
      log: (message) => messages.push(message),
      now: () => clock,
      sleep: async (ms) => {
        pauses.push(ms);
        clock += ms;
      },
    });
    await expect(waiting).rejects.toThrow(/^gave up waiting for the database after 20 s \(9 tries\): .*ECONNREFUSED/);
    expect(pauses).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000, 2_250]);
    expect(messages).toHaveLength(8);
    expect(messages[0]).toMatch(/^the database does not answer yet \(.*ECONNREFUSED.*\); try 2 in 0\.25 s, waiting at most 20 s more$/);
  });

  it('with a wait of 0 tries once', async () => {
    const messages: string[] = [];
    await expect(waitForDatabase({ databaseUrl: 'postgresql://postgres@127.0.0.1:1/x', dataDir: 'unused', waitSeconds: 0, log: (m) => messages.push(m) }))
      .rejects.toThrow(/after 0 s \(1 tries\)/);
    expect(messages).toEqual([]);
  });

  it.runIf(process.env.TEST_DATABASE_URL)('does not wait on a failure that waiting cannot mend (a database that does not exist)', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = '/linkcart_no_such_database';
    const messages: string[] = [];
    await expect(waitForDatabase({ databaseUrl: url.toString(), dataDir: 'unused', waitSeconds: 60, log: (m) => messages.push(m), sleep: () => Promise.reject(new Error('waited')) }))
      .rejects.toThrow(/linkcart_no_such_database/);
    expect(messages).toEqual([]);
  });
});

const TYPENAME = JSON.stringify({ query: '{ __typename }' });
const post = (url: string, body = TYPENAME, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...asAdmin, ...headers }, body, signal });

async function expectUnavailable(response: Response, reason: string) {
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('1');
  const body = (await response.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
  expect(body.errors[0]!.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', reason, retryAfterSeconds: 1 });
  expect(body.errors[0]!.message).toMatch(/try again/);
}

describe('an app whose database is not open yet', () => {
  it('is alive but not ready, answers GraphQL with 503 SERVICE_UNAVAILABLE, and serves once the database opens', async () => {
    const t = await startTestApp();
    let open: (database: Database) => void = () => {};
    const opening = new Promise<Database>((resolve) => (open = resolve));
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    const app = await buildApp(loadConfig({ PORT: '0', ADMIN_API_KEY: ADMIN_KEY }), { database: opening, logger });
    try {
      const url = await app.start();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      for (let i = 0; i < 3; i++) await expectUnavailable(await post(url), 'starting');
      // The refusals are counted in a line a second, not written one line each (on a slow
      // machine the three may fall in two seconds).
      const counted = () => lines.filter((line) => line.status === 503).map((line) => (line.refused as { starting?: number }).starting ?? 0);
      await vi.waitFor(() => expect(counted().reduce((sum, n) => sum + n, 0)).toBe(3), { timeout: 60_000 });
      expect(counted().length).toBeLessThan(3);

      open(t.database);
      await app.ready;
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const answer = await post(url);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ data: { __typename: 'Query' } });
    } finally {
      await app.stop();
      await t.stop();
    }
  });
});

// Requests surely in flight: a second connection holds the selection's row lock, so each
// addSelectionItem waits in its transaction until it is released.
describe.runIf(process.env.TEST_DATABASE_URL)('requests in flight (PostgreSQL)', () => {
  let t: TestApp;
  let holder: pg.Client;
  beforeAll(async () => {
    t = await startTestApp({ MAX_CONCURRENT_REQUESTS: '3' });
    await seedCatalog(t);
    holder = new pg.Client({ connectionString: t.databaseUrl! });
    await holder.connect();
  });
  afterAll(async () => {
    await holder.end();
    await t.stop();
  });

  /** Starts `count` additions to a selection whose row is locked; resolves once all wait on the lock. */
  async function heldAdditions(url: string, count: number, headersOf: (index: number) => Record<string, string> = () => ({})) {
    const selectionId = await createSelection(t);
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM "Selection" WHERE id = $1 FOR UPDATE', [selectionId]);
    const body = JSON.stringify({ query: print(AddItem), variables: { input: { selectionId, sku: 'TEE-S', quantity: 1 } } });
    const answers = Array.from({ length: count }, (_, index) => post(url, body, headersOf(index)));
    const waiting = async () =>
      (await holder.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0]!.n;
    while ((await waiting()) < count) await new Promise((resolve) => setTimeout(resolve, 20));
    return { selectionId, answers, release: () => holder.query('COMMIT') };
  }

  it('refuses a request past MAX_CONCURRENT_REQUESTS at once with 503 and Retry-After, answers health meanwhile, and takes requests again after', async () => {
    const url = await t.app.start();
    const held = await heldAdditions(url, 3);
    await expectUnavailable(await post(url), 'overloaded');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    await held.release();
    for (const answer of await Promise.all(held.answers)) {
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ data: { addSelectionItem: { __typename: 'AddSelectionItemSuccess' } } });
    }
    expect((await post(url)).status).toBe(200);
    expect(await db().selectionItem.count({ where: { selectionId: held.selectionId } })).toBe(1);
  });

  it('counts an operation sent as server-sent events against the bound, and lets subscriptions out of it', async () => {
    const app = await buildApp(loadConfig({ PORT: '0', ADMIN_API_KEY: ADMIN_KEY, MAX_CONCURRENT_REQUESTS: '3' }), { database: t.database });
    const listening: AbortController[] = [];
    try {
      const url = await app.start();
      // Three live subscriptions: none of them holds a place.
      for (let i = 0; i < 3; i++) {
        const listener = new AbortController();
        listening.push(listener);
        const stream = await post(url, JSON.stringify({ query: 'subscription { linkEvents { sequence } }' }), { accept: 'text/event-stream' }, listener.signal);
        expect(stream.status).toBe(200);
      }
      // Three additions held on a lock, one of them asking for an event stream: the bound is full.
      const held = await heldAdditions(url, 3, (index): Record<string, string> => (index === 0 ? { accept: 'text/event-stream' } : {}));
      await expectUnavailable(await post(url), 'overloaded');
      await held.release();
      const answers = await Promise.all(held.answers);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
      expect(await answers[0]!.text()).toContain('AddSelectionItemSuccess');
      expect((await post(url)).status).toBe(200);
    } finally {
      for (const listener of listening) listener.abort();
      await app.stop();
    }
  });

  it('on stop, takes no new connection and answers every accepted request, with Connection: close, before it resolves', async () => {
    const app = await buildApp(loadConfig({ PORT: '0', ADMIN_API_KEY: ADMIN_KEY }), { database: t.database });
    const url = await app.start();
    const held = await heldAdditions(url, 3);
    let stopped = false;
    const stopping = app.stop().then(() => (stopped = true));
    // The listening socket is closed: a new connection is refused, and readiness is gone.
    await expect(fetch(`${url}/healthz`, { headers: { connection: 'close' } })).rejects.toThrow();
    expect(stopped).toBe(false);

    await held.release();
    const answers = await Promise.all(held.answers);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('connection')).toBe('close');
      expect(await answer.json()).toMatchObject({ data: { addSelectionItem: { __typename: 'AddSelectionItemSuccess' } } });
    }
    await stopping;
  });
});
