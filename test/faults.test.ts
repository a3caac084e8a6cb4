// The bad day (issue 14), as an operator would meet it: a PostgreSQL of this file's own
// (test/helpers/services.ts) restarted, its backends ended, down at start-up and down while
// serving; a SIGTERM during orders in flight; a Redis killed. Two instances of the built server
// (dist/server.js) each time, on a fresh database, under a load of buyers who retry with the same
// idempotency key until they get an answer. What must hold: the processes stay up and answer
// again once PostgreSQL is back, clients are told to retry (503, SERVICE_UNAVAILABLE,
// Retry-After) rather than shown a bug, and the data invariants (stock never below zero, one
// order per idempotency key, a link consumed once, every order a buyer was told of exists).
// The times printed (recovery after PostgreSQL is back, claim latency without Redis) are for the
// README; nothing here asserts a wall-clock time.
import { execFile } from 'node:child_process';
import { request as httpRequest, Agent } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { promisify } from 'node:util';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { asAdmin, asSession } from './helpers/app.js';
import { AddItem, Checkout, Claim, CreateSelection, ImportCatalog, IssueLink } from './helpers/documents.js';
import { standardCatalog } from './helpers/fixtures.js';
import { freePort, startInstance, startPrivatePostgres, startPrivateRedis } from './helpers/services.js';
import type { Instance, PrivatePostgres, PrivateRedis } from './helpers/services.js';

const FaultsRead = graphql(`
  query FaultsRead {
    markets(first: 5) { edges { node { code } } }
  }
`);

const TEST_TIMEOUT = 120_000;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Waits until `check` is true, polling; fails with `what` after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(everyMs);
  }
}

describe.runIf(process.env.TEST_DATABASE_URL)('PostgreSQL and Redis faults', () => {
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  /** The instances the running test started; stopped after it. */
  let instances: Instance[] = [];
  let databases = 0;
  /** Loads a failed test left running. */
  const loads = new Set<{ stop(graceMs?: number): Promise<unknown> }>();

  beforeAll(async () => {
    const started = performance.now();
    [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    console.log(`private PostgreSQL (initdb + start) and Redis ready in ${seconds(performance.now() - started)}`);
    // One migrated template, as `npm run db:migrate` makes it; each test copies it.
    await postgres.query('CREATE DATABASE linkcart_template');
    await promisify(execFile)(process.execPath, ['dist/migrate.js'], {
      cwd: `${import.meta.dirname}/..`,
      env: { ...process.env, DATABASE_URL: postgres.urlOf('linkcart_template') },
      timeout: 60_000,
    });
  }, TEST_TIMEOUT);

  afterEach(async () => {
    for (const load of loads) await load.stop(0);
    for (const instance of instances) await instance.stop('SIGKILL');
    instances = [];
    if (postgres && !postgres.running()) await postgres.start();
  }, TEST_TIMEOUT);

  afterAll(async () => {
    await redis?.close();
    await postgres?.close();
  }, TEST_TIMEOUT);

  /** A fresh database copied from the template: its name and URL. */
  async function freshDatabase(): Promise<{ name: string; url: string }> {
    const name = `faults_${++databases}`;
    await postgres.query(`CREATE DATABASE ${name} TEMPLATE linkcart_template`);
    return { name, url: postgres.urlOf(name) };
  }

  async function launch(env: Record<string, string>): Promise<Instance> {
    const instance = await startInstance(env);
    instances.push(instance);
    return instance;
  }

  /** Two instances on `url` (and this file's Redis), both ready, with the standard catalog. */
  async function twoInstances(url: string, env: Record<string, string> = {}): Promise<[Instance, Instance]> {
    const settings = { DATABASE_URL: url, REDIS_URL: redis.url, CLAIM_RATE_LIMIT: '1000000', ...env };
    const pair = await Promise.all([launch(settings), launch(settings)]);
    await Promise.all(pair.map((instance) => instance.ready()));
    await admin(pair[0], ImportCatalog, { input: standardCatalog });
    return pair;
  }

  /** One SQL statement on a test database. */
  const sql = <R extends pg.QueryResultRow>(database: string, text: string, params: unknown[] = []) => postgres.query<R>(text, params, database);

  /** Fails the test, with the instance's output (the stack of a crash), unless it still runs. */
  function expectAlive(instance: Instance): void {
    expect(instance.alive(), `the instance exited (${instance.child.exitCode ?? instance.child.signalCode}); its output:\n${instance.output()}`).toBe(true);
  }

  // ------------------------------------------------------------ load

  /** What a failed answer says: its first error's code, or its message. */
  const failureOf = (body: { errors?: { message: string; extensions?: Record<string, unknown> }[] }) =>
    String(body.errors?.[0]?.extensions?.code ?? body.errors?.[0]?.message ?? 'no data');

  /** An admin request that must succeed: HTTP 200, no GraphQL errors. */
  async function admin<T, V>(instance: Instance, document: TypedDocumentNode<T, V>, variables: V): Promise<T> {
    const { status, body } = await instance.request(document, variables, asAdmin);
    if (status !== 200 || body.errors || !body.data) throw new Error(`HTTP ${status} ${failureOf(body)}`);
    return body.data;
  }

  interface Load {
    /** placeOrder successes so far. */
    successes(): number;
    /** Stops starting new purchases, lets those under way retry for up to `graceMs`, and reports. */
    stop(graceMs?: number): Promise<LoadReport>;
  }

  interface LoadReport {
    /** Every order id a buyer was answered, per idempotency key. */
    answered: Map<string, Set<string>>;
    /** Typed refusals by code (OUT_OF_STOCK, …). */
    refused: Map<string, number>;
    /** Failed attempts (no answer, HTTP errors, GraphQL errors), each retried. */
    failures: Map<string, number>;
    /** Purchases given up (no answer within the deadline after the load stopped). */
    abandoned: number;
  }

  /**
   * `buyers` concurrent loops, until stopped: an admin builds a one-line selection (MUG, or TEE-S
   * whose 15 units run out) and issues a link; two claimants claim it, one through each
   * instance, and check out at once, each with an idempotency key of its own, retried with the
   * same key until placeOrder answers; a read in between. More buyers than the pool has
   * connections (10), so that connections change hands with requests queued for them: that is
   * when an instance died of an unheard client 'error' (issue 14). With 6 buyers the code before
   * b106322 survived every run here; with 24 it died in 4 of 4 pg_terminate_backend runs and 1 of
   * 2 fast restarts.
   */
  function startLoad(pair: [Instance, Instance], buyers = 24): Load {
    let stopping = false;
    let giveUpAt = Infinity;
    let successes = 0;
    const report: LoadReport = { answered: new Map(), refused: new Map(), failures: new Map(), abandoned: 0 };
    const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

    /** Runs `step` until it gives a value; undefined when the load stopped before it did. */
    async function retry<T>(what: string, step: () => Promise<T | undefined>, finish: boolean): Promise<T | undefined> {
      for (;;) {
        if ((stopping && !finish) || Date.now() > giveUpAt) return undefined;
        try {
          const value = await step();
          if (value !== undefined) return value;
          count(report.failures, what);
        } catch (error) {
          count(report.failures, `${what}: ${(error as Error).message.slice(0, 80)}`);
        }
        await sleep(100);
      }
    }

    async function buy(via: Instance, selectionId: string, headers: Record<string, string>, key: string): Promise<void> {
      const result = await retry('checkout', async () => {
        const { status, body } = await via.request(Checkout, { selectionId, key, email: `${key}@example.com` }, headers);
        if (body.errors || !body.data) throw new Error(`HTTP ${status} ${failureOf(body)}`);
        return body.data.placeOrder;
      }, true);
      if (!result) {
        report.abandoned++;
        return;
      }
      if (result.__typename === 'PlaceOrderSuccess') {
        successes++;
        report.answered.set(key, (report.answered.get(key) ?? new Set()).add(result.order.id));
      } else {
        count(report.refused, (result as { code: string }).code);
      }
    }

    async function buyer(b: number): Promise<void> {
      for (let i = 0; !stopping; i++) {
        const [first, second] = i % 2 ? pair : [pair[1], pair[0]];
        const sku = (b + i) % 2 ? 'TEE-S' : 'MUG';
        const selectionId = await retry('createSelection', async () => {
          const created = (await admin(first, CreateSelection, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE' } })).createSelection;
          return created.__typename === 'CreateSelectionSuccess' ? created.selection.id : undefined;
        }, false);
        if (!selectionId) return;
        const added = await retry('addItem', async () => (await admin(first, AddItem, { input: { selectionId, sku, quantity: 1 } })).addSelectionItem.__typename, false);
        if (!added) return;
        const link = await retry('issueLink', async () => {
          const issued = (await admin(second, IssueLink, { input: { selectionId, lockItems: true } })).issueShareableLink;
          return issued.__typename === 'IssueShareableLinkSuccess' ? { hash1: issued.link.hash1, hash2: issued.hash2 } : undefined;
        }, false);
        if (!link) return;
        const claimants = await Promise.all(
          pair.map((via) =>
            retry('claim', async () => {
              const { status, body } = await via.request(Claim, { input: link });
              const claimed = body.data?.claimSelection;
              if (!claimed) throw new Error(`HTTP ${status} ${failureOf(body)}`);
              if (claimed.__typename !== 'ClaimSelectionSuccess') throw new Error(claimed.code);
              return { via, selectionId: claimed.selection.id, headers: asSession(claimed.sessionToken) };
            }, false),
          ),
        );
        await Promise.all(claimants.map((c, n) => c && buy(c.via, c.selectionId, c.headers, `buyer-${b}-${i}-${n}`)));
        await retry('read', async () => {
          const { status, body } = await second.request(FaultsRead, {}, asAdmin);
          if (!body.data) throw new Error(`HTTP ${status} ${failureOf(body)}`);
          return body.data;
        }, false);
      }
    }

    const running = Promise.all(Array.from({ length: buyers }, (_, b) => buyer(b)));
    const load: Load = {
      successes: () => successes,
      async stop(graceMs = 60_000) {
        stopping = true;
        giveUpAt = Math.min(giveUpAt, Date.now() + graceMs);
        await running;
        loads.delete(load);
        return report;
      },
    };
    loads.add(load);
    return load;
  }

  /** The data invariants after a load: printed in full when one fails. */
  async function expectInvariants(database: string, report: LoadReport): Promise<void> {
    const [stock] = await sql<{ min: number }>(database, 'SELECT min(quantity)::int AS min FROM "StockLevel"');
    expect(stock!.min).toBeGreaterThanOrEqual(0);
    // Every unit is either in stock or in an order: nothing taken twice, nothing lost.
    const units = await sql<{ sku: string; stock: number; sold: number }>(database, `
      SELECT v.sku, (SELECT sum(quantity) FROM "StockLevel" s WHERE s."variantId" = v.id)::int AS stock,
             coalesce((SELECT sum(quantity) FROM "OrderItem" o WHERE o."variantId" = v.id), 0)::int AS sold
      FROM "Variant" v ORDER BY v.sku`);
    expect(Object.fromEntries(units.map((u) => [u.sku, u.stock + u.sold]))).toEqual({ MUG: 100, 'TEE-M': 3, 'TEE-S': 15 });

    // One order per idempotency key: every answer to a key named the same order, the one stored.
    const keys = await sql<{ key: string; orderId: string }>(database, 'SELECT key, "orderId" FROM "IdempotencyKey"');
    const stored = new Map(keys.map((k) => [k.key, k.orderId]));
    const [orders] = await sql<{ n: number }>(database, 'SELECT count(*)::int AS n FROM "Order"');
    expect(orders!.n).toBe(keys.length);
    for (const [key, ids] of report.answered) {
      expect([...ids], `answers to ${key}`).toEqual([stored.get(key)]);
    }
    // Every order a buyer was told of exists.
    const told = [...report.answered.values()].flatMap((ids) => [...ids]);
    const existing = new Set((await sql<{ id: string }>(database, 'SELECT id FROM "Order"')).map((o) => o.id));
    expect(told.filter((id) => !existing.has(id))).toEqual([]);

    // A link is consumed once: one CONSUMED event for each CONSUMED link, none for the others.
    const consumed = await sql<{ id: string; status: string; events: number }>(database, `
      SELECT l.id, l.status, (SELECT count(*) FROM "LinkEvent" e WHERE e."linkId" = l.id AND e.type = 'CONSUMED')::int AS events
      FROM "ShareableLink" l`);
    expect(consumed.filter((l) => l.events !== (l.status === 'CONSUMED' ? 1 : 0))).toEqual([]);
    expect(report.abandoned).toBe(0);
  }

  /** Until each instance answers a read: the time that took, from `since`. */
  async function recovery(pair: Instance[], since: number): Promise<number[]> {
    return Promise.all(
      pair.map(async (instance) => {
        await until('an instance answers a read', async () => {
          expectAlive(instance);
          const answer = await instance.request(FaultsRead, {}, asAdmin).catch(() => undefined);
          return answer?.status === 200 && !answer.body.errors && answer.body.data?.markets.edges.length === 3;
        });
        return performance.now() - since;
      }),
    );
  }

  function summary(report: LoadReport): string {
    const orders = [...report.answered.values()].length;
    return `${orders} orders answered, refused ${JSON.stringify(Object.fromEntries(report.refused))}, retried ${JSON.stringify(Object.fromEntries(report.failures))}`;
  }

  // ------------------------------------------------------------ a, b: restarts under load

  for (const mode of ['fast', 'immediate'] as const) {
    it(`survives pg_ctl restart -m ${mode} under load: both instances stay up, answer again, the data holds`, async () => {
      const { name, url } = await freshDatabase();
      const pair = await twoInstances(url);
      const load = startLoad(pair);
      await until('the load has placed orders', () => load.successes() >= 4);
      const restarting = performance.now();
      await postgres.restart(mode);
      const back = performance.now();
      const recovered = await recovery(pair, back);
      console.log(`restart -m ${mode}: PostgreSQL back after ${seconds(back - restarting)}; instances answered ${recovered.map(seconds).join(' and ')} after that`);
      const before = load.successes();
      await until('the load places orders again', () => load.successes() >= before + 4);
      const report = await load.stop();
      console.log(`restart -m ${mode}: ${summary(report)}`);
      for (const instance of pair) expectAlive(instance);
      await expectInvariants(name, report);
    }, TEST_TIMEOUT);
  }

  // ------------------------------------------------------------ c: backends ended with transactions open

  it('survives pg_terminate_backend of its connections 8 times, with transactions waiting on a lock', async () => {
    const { name, url } = await freshDatabase();
    const pair = await twoInstances(url);
    const load = startLoad(pair);
    await until('the load has placed orders', () => load.successes() >= 2);
    const ended: number[] = [];
    const waited: number[] = [];
    for (let round = 0; round < 8; round++) {
      // This connection holds MUG's stock rows, so that a placeOrder of a MUG waits inside its
      // transaction, between two statements, when its backend is ended.
      const holder = new pg.Client({ connectionString: url });
      holder.on('error', () => {}); // its own backend is ended too
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query(`SELECT s.quantity FROM "StockLevel" s JOIN "Variant" v ON v.id = s."variantId" WHERE v.sku = 'MUG' FOR UPDATE OF s`);
      const lockWaiters = async () =>
        (await sql<{ n: number }>('postgres', `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [name]))[0]!.n;
      await until('a transaction waits for the lock', async () => (await lockWaiters()) > 0, 10_000).catch(() => {});
      waited.push(await lockWaiters());
      ended.push(await postgres.terminateBackends(name));
      await holder.end().catch(() => {});
      await sleep(300);
    }
    console.log(`pg_terminate_backend ×8: backends ended ${ended.join(', ')}; transactions waiting on the lock each time ${waited.join(', ')}`);
    const since = performance.now();
    const recovered = await recovery(pair, since);
    console.log(`pg_terminate_backend: instances answered ${recovered.map(seconds).join(' and ')} after the last round`);
    const before = load.successes();
    await until('the load places orders again', () => load.successes() >= before + 4);
    const report = await load.stop();
    console.log(`pg_terminate_backend: ${summary(report)}`);
    for (const instance of pair) expectAlive(instance);
    expect(waited.some((n) => n > 0), 'no round had a transaction waiting on the lock').toBe(true);
    await expectInvariants(name, report);
  }, TEST_TIMEOUT);

  // ------------------------------------------------------------ d, e: PostgreSQL down

  /** A request that must be refused as "retry in a moment": 503, SERVICE_UNAVAILABLE, Retry-After. */
  async function expectUnavailable(instance: Instance): Promise<void> {
    const { status, headers, body } = await instance.request(FaultsRead, {}, asAdmin);
    expect({ status, code: body.errors?.[0]?.extensions?.code, retryAfter: headers.get('retry-after') !== null }, JSON.stringify(body)).toEqual({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      retryAfter: true,
    });
  }

  it('starts with PostgreSQL down: alive but not ready, refuses requests as retryable, and serves once it is up', async () => {
    const { url } = await freshDatabase();
    await postgres.stop('fast');
    const instance = await launch({ DATABASE_URL: url, DATABASE_WAIT_SECONDS: '60' });
    await until('/healthz answers 200', async () => {
      expect(instance.alive(), instance.output()).toBe(true);
      return (await fetch(`${instance.base}/healthz`).catch(() => undefined))?.status === 200;
    }, 30_000);
    expect((await fetch(`${instance.base}/readyz`)).status).toBe(503);
    await expectUnavailable(instance);

    const starting = performance.now();
    await postgres.start();
    const up = performance.now();
    await instance.ready(60_000);
    console.log(`start-up with PostgreSQL down: ready ${seconds(performance.now() - up)} after PostgreSQL was (its start took ${seconds(up - starting)})`);
    const { status, body } = await instance.request(FaultsRead, {}, asAdmin);
    expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
  }, TEST_TIMEOUT);

  it('stops at once on SIGTERM while it waits for PostgreSQL', async () => {
    const { url } = await freshDatabase();
    await postgres.stop('fast');
    const instance = await launch({ DATABASE_URL: url, DATABASE_WAIT_SECONDS: '600' });
    await until('the instance waits for the database', async () => instance.output().includes('the database does not answer yet'));
    instance.child.kill('SIGTERM');
    const { code } = await instance.exit(60_000);
    expect(code, instance.output()).toBe(0);
  }, TEST_TIMEOUT);

  it('gives up with exit code 1 when PostgreSQL does not come up within DATABASE_WAIT_SECONDS', async () => {
    const { url } = await freshDatabase();
    await postgres.stop('fast');
    const instance = await launch({ DATABASE_URL: url, DATABASE_WAIT_SECONDS: '1' });
    const { code } = await instance.exit(60_000);
    expect(code, instance.output()).toBe(1);
    expect(instance.output()).toMatch(/gave up waiting for the database/);
  }, TEST_TIMEOUT);

  it('during a PostgreSQL outage answers 503 SERVICE_UNAVAILABLE with Retry-After, stays up, and answers again after', async () => {
    const { url } = await freshDatabase();
    const pair = await twoInstances(url);
    await postgres.stop('fast');
    for (const instance of pair) await expectUnavailable(instance);
    // Also once the pool has noticed: again, a moment later.
    await sleep(500);
    for (const instance of pair) await expectUnavailable(instance);
    for (const instance of pair) expectAlive(instance);
    await postgres.start();
    const recovered = await recovery(pair, performance.now());
    console.log(`outage: instances answered ${recovered.map(seconds).join(' and ')} after PostgreSQL was back`);
  }, TEST_TIMEOUT);

  // ------------------------------------------------------------ f: SIGTERM with orders in flight

  interface RawAnswer { status: number; headers: IncomingHttpHeaders; body: string; at: number }

  /** A POST over node:http (whose answers show the Connection header), or the error code it failed with. */
  function post(base: string, body: string, headers: Record<string, string>, agent: Agent): Promise<RawAnswer | { error: string; at: number }> {
    return new Promise((done) => {
      const request = httpRequest(`${base}/graphql`, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => done({ status: response.statusCode!, headers: response.headers, body: text, at: performance.now() }));
        response.on('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message, at: performance.now() }));
      });
      request.on('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message, at: performance.now() }));
      request.setTimeout(60_000, () => request.destroy(Object.assign(new Error('no answer within 60 s'), { code: 'TIMEOUT' })));
      request.end(body);
    });
  }

  it('answers all 60 placeOrders in flight at SIGTERM, refuses new requests, and exits 0', async () => {
    const { name, url } = await freshDatabase();
    // All 60 in flight: none refused at the door or for want of a connection while the lock is
    // held. The operations port tells how many requests the instance is answering.
    const metricsPort = await freePort();
    const instance = await launch({
      DATABASE_URL: url, REDIS_URL: redis.url, CLAIM_RATE_LIMIT: '1000000',
      DATABASE_POOL_TIMEOUT_MS: '60000', MAX_CONCURRENT_REQUESTS: '100', METRICS_PORT: String(metricsPort),
    });
    await instance.ready();
    await admin(instance, ImportCatalog, { input: standardCatalog });
    const inFlight = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return Number(/^linkcart_requests_in_flight (\d+)$/m.exec(text)?.[1]);
    };
    const selection = (await admin(instance, CreateSelection, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE' } })).createSelection;
    if (selection.__typename !== 'CreateSelectionSuccess') throw new Error(JSON.stringify(selection));
    await admin(instance, AddItem, { input: { selectionId: selection.selection.id, sku: 'MUG', quantity: 1 } });
    const issued = (await admin(instance, IssueLink, { input: { selectionId: selection.selection.id, lockItems: true } })).issueShareableLink;
    if (issued.__typename !== 'IssueShareableLinkSuccess') throw new Error(JSON.stringify(issued));
    const claimants = await Promise.all(
      Array.from({ length: 60 }, async () => {
        const claimed = (await instance.request(Claim, { input: { hash1: issued.link.hash1, hash2: issued.hash2 } })).body.data!.claimSelection;
        if (claimed.__typename !== 'ClaimSelectionSuccess') throw new Error(JSON.stringify(claimed));
        return claimed;
      }),
    );

    const holder = new pg.Client({ connectionString: url });
    holder.on('error', () => {});
    await holder.connect();
    const agent = new Agent({ keepAlive: true });
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT s.quantity FROM "StockLevel" s JOIN "Variant" v ON v.id = s."variantId" WHERE v.sku = 'MUG' FOR UPDATE OF s`);
      const answers = claimants.map((c, i) =>
        post(instance.base, JSON.stringify({ query: print(Checkout), variables: { selectionId: c.selection.id, key: `drain-${i}`, email: `drain-${i}@example.com` } }), asSession(c.sessionToken), agent),
      );
      // Surely in flight: the instance is answering all 60 (those past the pool's ten connections wait for one).
      await until('all 60 placeOrders are in flight', async () => (await inFlight()) === 60);
      const signalled = performance.now();
      instance.child.kill('SIGTERM');
      await until('the instance took the signal', async () => instance.output().includes('SIGTERM: stopping'));
      const late = await post(instance.base, JSON.stringify({ query: print(FaultsRead) }), asAdmin, new Agent());
      await holder.query('COMMIT');
      const results = await Promise.all(answers);
      const { code } = await instance.exit(60_000);
      const exitedAfter = performance.now() - signalled;

      const failed = results.filter((r) => 'error' in r);
      const answered = results.filter((r): r is RawAnswer => !('error' in r));
      console.log(`SIGTERM with 60 placeOrders in flight: ${answered.length} answered (${JSON.stringify(answered.map((a) => a.status).reduce<Record<number, number>>((n, s) => ({ ...n, [s]: (n[s] ?? 0) + 1 }), {}))}), ${failed.length} failed (${[...new Set(failed.map((f) => (f as { error: string }).error))].join(', ')}); exited after ${seconds(exitedAfter)}; a request after the signal: ${'error' in late ? late.error : late.status}`);
      expect(failed, instance.output()).toEqual([]);
      expect('error' in late ? late.error : late.status).toSatisfy((x: unknown) => x === 'ECONNREFUSED' || x === 503);
      const early = answered.filter((a) => a.at < signalled).map((a) => a.body.slice(0, 200));
      expect(early, 'answered before the signal, so not in flight at it').toEqual([]);
      const open = answered.filter((a) => a.at > signalled && a.headers.connection !== 'close');
      expect(open.map((a) => ({ connection: a.headers.connection, after: seconds(a.at - signalled), body: a.body.slice(0, 200) })), 'answers without Connection: close').toEqual([]);
      const successes = answered.map((a) => JSON.parse(a.body) as { data?: { placeOrder?: { __typename: string; order?: { id: string } } } })
        .map((b) => b.data?.placeOrder)
        .filter((p) => p?.__typename === 'PlaceOrderSuccess')
        .map((p) => p!.order!.id);
      const orders = await sql<{ id: string }>(name, 'SELECT id FROM "Order"');
      expect(orders.map((o) => o.id).sort()).toEqual(successes.sort());
      expect(code, instance.output()).toBe(0);
    } finally {
      agent.destroy();
      await holder.end().catch(() => {});
    }
  }, TEST_TIMEOUT);

  // ------------------------------------------------------------ g: Redis killed

  it('keeps answering claims and limiting failed ones while Redis is down, and uses Redis again once it is back', async () => {
    const { url } = await freshDatabase();
    const pair = await twoInstances(url, { CLAIM_RATE_LIMIT: '3', TRUST_PROXY: '1' });
    const [a, b] = pair;
    const selection = (await admin(a, CreateSelection, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE' } })).createSelection;
    if (selection.__typename !== 'CreateSelectionSuccess') throw new Error(JSON.stringify(selection));
    await admin(a, AddItem, { input: { selectionId: selection.selection.id, sku: 'MUG', quantity: 1 } });
    const issued = (await admin(a, IssueLink, { input: { selectionId: selection.selection.id, lockItems: true } })).issueShareableLink;
    if (issued.__typename !== 'IssueShareableLinkSuccess') throw new Error(JSON.stringify(issued));
    const right = { hash1: issued.link.hash1, hash2: issued.hash2 };
    const wrong = { hash1: issued.link.hash1, hash2: 'x'.repeat(43) };
    /** A claim from `client` through `via`: its __typename or code, and how long it took. */
    const claim = async (via: Instance, input: typeof right, client: string) => {
      const started = performance.now();
      const { status, body } = await via.request(Claim, { input }, { 'x-forwarded-for': client });
      const result = body.data?.claimSelection;
      const answer = result ? (result.__typename === 'ClaimSelectionSuccess' ? result.__typename : result.code) : `HTTP ${status} ${JSON.stringify(body.errors)}`;
      return { answer, ms: performance.now() - started };
    };
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    const rateKeys = async () => {
      const { stdout } = await promisify(execFile)('redis-cli', ['-p', String(redis.port), '--scan', '--pattern', 'linkcart:ratelimit:*'], { timeout: 10_000 });
      return stdout.trim().split('\n').filter(Boolean);
    };

    // Redis up: failures through either instance count together.
    const shared = [await claim(a, wrong, '10.0.0.1'), await claim(b, wrong, '10.0.0.1'), await claim(a, wrong, '10.0.0.1'), await claim(b, right, '10.0.0.1')];
    expect(shared.map((c) => c.answer)).toEqual(['LINK_NOT_FOUND', 'LINK_NOT_FOUND', 'LINK_NOT_FOUND', 'RATE_LIMITED']);
    expect((await rateKeys()).some((key) => key.includes('10.0.0.1'))).toBe(true);
    const up: number[] = [];
    for (let i = 0; i < 10; i++) up.push((await claim(i % 2 ? a : b, right, `10.0.1.${i}`)).ms);

    await redis.kill();
    const down: number[] = [];
    for (let i = 0; i < 10; i++) {
      const c = await claim(i % 2 ? a : b, right, `10.0.2.${i}`);
      expect(c.answer).toBe('ClaimSelectionSuccess');
      down.push(c.ms);
    }
    const limited = [await claim(a, wrong, '10.0.3.1'), await claim(a, wrong, '10.0.3.1'), await claim(a, wrong, '10.0.3.1'), await claim(a, right, '10.0.3.1')];
    expect(limited.map((c) => c.answer)).toEqual(['LINK_NOT_FOUND', 'LINK_NOT_FOUND', 'LINK_NOT_FOUND', 'RATE_LIMITED']);
    console.log(`claims: median ${median(up).toFixed(0)} ms with Redis, ${median(down).toFixed(0)} ms with Redis killed (the first ${down[0]!.toFixed(0)} ms, the slowest ${Math.max(...down).toFixed(0)} ms)`);
    for (const instance of pair) expectAlive(instance);

    await redis.start();
    const back = performance.now();
    // Each instance counts in Redis again: a new failure from a new client shows up there.
    for (const [n, via] of pair.entries()) {
      let attempt = 0;
      await until(`instance ${n} counts in Redis again`, async () => {
        const client = `10.0.4${n}.${attempt++ % 250}`;
        expect((await claim(via, wrong, client)).answer).toBe('LINK_NOT_FOUND');
        return (await rateKeys()).some((key) => key.endsWith(client));
      }, 60_000, 200);
    }
    console.log(`Redis back: both instances counted in it again ${seconds(performance.now() - back)} after it answered`);
  }, TEST_TIMEOUT);
});
