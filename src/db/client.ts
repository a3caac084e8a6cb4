// The Prisma client on its driver adapter: embedded PGlite by default, PostgreSQL (pg) when
// DATABASE_URL is set. One database per process; services import `db()` from here.
import { setTimeout as pause } from 'node:timers/promises';
import type { Pool } from 'pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { POOL_DEFAULTS } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import { migrate } from './migrate.js';
import type { SqlSession } from './migrate.js';
import { openEmbedded } from './pglite.js';
import type { Embedded } from './pglite.js';

export interface DatabaseOptions {
  /** postgresql://… ; undefined for embedded PGlite. */
  databaseUrl: string | undefined;
  /** Where PGlite keeps its files; 'memory://' for a throwaway database. */
  dataDir: string;
  log?: (message: string) => void;
  /** Count the SQL statements Prisma sends (tests and the bench read `queryCount`). */
  countQueries?: boolean;
  /**
   * An embedded database opened already, used instead of dataDir; closing the Database calls its
   * close(). The tests hand one file's database, emptied, to the next file of the same worker.
   */
  embedded?: Embedded;
  /** Connections in the PostgreSQL pool (default POOL_DEFAULTS.size). */
  poolSize?: number;
  /** How long a query waits for a pooled connection before it fails as unavailable (default POOL_DEFAULTS.timeoutMs). */
  poolTimeoutMs?: number;
}

/** A statement the server ends when it runs longer (migrations have none). */
export const STATEMENT_TIMEOUT_MS = 30_000;

/** An interactive transaction: what a service's writes run on. */
export type Tx = Prisma.TransactionClient;

/** How long an interactive transaction may wait for a connection (maxWait) and run (timeout), in ms. */
export const TRANSACTION = {
  /** A change to one selection or link, or a claim. */
  change: { maxWait: 5_000, timeout: 15_000 },
  /** placeOrder: it may queue for a connection behind the other buyers of a drop. */
  order: { maxWait: 10_000, timeout: 20_000 },
  /** importCatalog: up to 5,000 variants with prices and stock, a statement or two per table; about a second here, the timeout is for a loaded database. */
  import: { maxWait: 10_000, timeout: 60_000 },
} as const;

/** The PostgreSQL pool's connections: open, idle, and queries waiting for one. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface Database {
  prisma: PrismaClient;
  factory: SqlMigrationAwareDriverAdapterFactory;
  kind: 'pglite' | 'postgresql';
  /** Answers when the database does (for /readyz). */
  ping(): Promise<void>;
  /** SQL statements sent so far, when opened with countQueries. */
  queryCount(): number;
  /** The pool's connections now; null on the embedded database, which has no pool. */
  poolStats(): PoolStats | null;
  close(): Promise<void>;
}

let current: Database | undefined;

/** The open database's Prisma client. */
export function db(): PrismaClient {
  if (!current) throw new Error('The database is not open: call openDatabase() first');
  return current.prisma;
}

export function openedDatabase(): Database | undefined {
  return current;
}

/** An open driver: what the Prisma client and the migrations run on. */
interface Driver {
  kind: Database['kind'];
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** A session of its own for the migrations (their advisory lock and transactions). */
  migrationSession(): Promise<SqlSession & { release(): void }>;
  poolStats(): PoolStats | null;
  close(): Promise<void>;
}

/** A session of its own on a pooled client for the migrations, with no statement timeout. */
async function pooledMigrationSession(pool: Pool, log: (message: string) => void): Promise<SqlSession & { release(): void }> {
  const client = await pool.connect();
  // A checked-out client reports a lost connection on itself, not on the pool.
  const onError = (error: Error) => log(`database connection lost while migrating: ${error.message}`);
  client.on('error', onError);
  // A migration may build an index on a large table: no statement timeout here.
  await client.query('SET statement_timeout = 0');
  return {
    query: (sql, params) => client.query(sql, params),
    exec: async (script) => {
      await client.query(script);
    },
    release: () => {
      client.off('error', onError);
      client.release();
    },
  };
}

async function openPostgres(options: DatabaseOptions & { databaseUrl: string }, log: (message: string) => void): Promise<Driver> {
  // Loaded only here: a start on the embedded database does not spend time loading pg.
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
  // keepAlive: a connection whose server vanished without a word is found out by the OS
  // (after 10 s of silence, then the OS's own probes); a statement that runs on for longer
  // than STATEMENT_TIMEOUT_MS is ended by the server, so no request holds its place for ever.
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? POOL_DEFAULTS.size,
    connectionTimeoutMillis: options.poolTimeoutMs ?? POOL_DEFAULTS.timeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
  });
  // Without these listeners a database restart would kill the process (DESIGN.md §5);
  // the pool drops the broken client and opens a new one on the next query. The pool's own
  // listener covers idle clients, and the adapter's a transaction's client once it has it;
  // this one is on every client for its whole life, so no hand-over leaves one without.
  pool.on('error', (error) => log(`database connection lost: ${error.message}`));
  pool.on('connect', (client) => client.on('error', (error) => log(`database connection lost while in use: ${error.message}`)));
  return {
    kind: 'postgresql',
    factory: new PrismaPg(pool, { onConnectionError: (error) => log(`database connection error: ${error.message}`) }),
    migrationSession: () => pooledMigrationSession(pool, log),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}

async function openPglite(options: DatabaseOptions, log: (message: string) => void): Promise<Driver> {
  const embedded = options.embedded ?? (await openEmbedded(options.dataDir));
  if (embedded.fromTemplate && !options.dataDir.startsWith('memory://')) log(`created the embedded database in ${options.dataDir}`);
  return {
    kind: 'pglite',
    factory: embedded.factory,
    migrationSession: async () => ({ ...embedded.session, release: () => {} }),
    poolStats: () => null,
    close: () => embedded.close(),
  };
}

/** Applies the migrations not applied yet; closes the driver if that fails. */
async function migrateOrClose(driver: Driver, log: (message: string) => void): Promise<void> {
  try {
    const session = await driver.migrationSession();
    try {
      const applied = await migrate(session, driver.factory, log);
      if (applied.length > 0) log(`applied migrations: ${applied.join(', ')}`);
    } finally {
      session.release();
    }
  } catch (error) {
    await driver.close();
    throw error;
  }
}

/** The Prisma client on the driver, counting the statements it sends when asked to. */
function prismaOn(factory: SqlMigrationAwareDriverAdapterFactory, countQueries: boolean | undefined): { prisma: PrismaClient; queryCount(): number } {
  if (!countQueries) return { prisma: new PrismaClient({ adapter: factory }), queryCount: () => 0 };
  let queries = 0;
  const client = new PrismaClient({ adapter: factory, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', () => queries++);
  return { prisma: client as unknown as PrismaClient, queryCount: () => queries };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (current) throw new Error('A database is already open in this process');
  const log = options.log ?? (() => {});
  const databaseUrl = options.databaseUrl;
  const driver = databaseUrl ? await openPostgres({ ...options, databaseUrl }, log) : await openPglite(options, log);
  await migrateOrClose(driver, log);
  const { prisma, queryCount } = prismaOn(driver.factory, options.countQueries);
  const database: Database = {
    prisma,
    factory: driver.factory,
    kind: driver.kind,
    queryCount,
    poolStats: () => driver.poolStats(),
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    async close() {
      if (current === database) current = undefined;
      await prisma.$disconnect();
      await driver.close();
    },
  };
  current = database;
  return database;
}

/**
 * A unique constraint refused a write: Prisma's P2002 from a model query, or from a raw one
 * (P2010) the driver's own unique violation.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, meta } = error as { code?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } };
  return code === 'P2002' || (code === 'P2010' && meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation');
}

/** The SQLSTATEs of a server that is going away, starting up, or full (PostgreSQL appendix A). */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** What the pg driver says when a connection ends, or none is to be had, outside SQL. */
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Client was closed|Connection ended/i;
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
// P2028: a transaction could not start within its maxWait (no connection came free) or ran
// past its timeout; either way it was rolled back.
const UNAVAILABLE_PRISMA = new Set(['P1001', 'P1002', 'P1017', 'P2024', 'P2028']);
const UNAVAILABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * The database could not be reached or went away (a restart, a failover, a full pool): an
 * error worth retrying in a moment, unlike one the request itself caused. Looks through
 * Prisma's wrapping, the driver adapter's and the causes.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending = [error];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== 'object' || item === null || seen.has(item)) continue;
    seen.add(item);
    const { code, kind, message, cause, meta, originalCode, originalError } = item as {
      code?: unknown; kind?: unknown; message?: unknown; cause?: unknown; originalCode?: unknown; originalError?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    for (const value of [code, originalCode]) {
      if (typeof value !== 'string') continue;
      if (UNAVAILABLE_STATES.has(value) || value.startsWith('08') || UNAVAILABLE_PRISMA.has(value) || UNAVAILABLE_SOCKET.has(value)) return true;
    }
    if (typeof kind === 'string' && UNAVAILABLE_KINDS.has(kind)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    pending.push(cause, originalError, meta?.driverAdapterError);
  }
  return false;
}

export interface WaitOptions extends DatabaseOptions {
  /** Give up after this many seconds of the database not answering (0: try once). */
  waitSeconds: number;
  /** Milliseconds since some fixed point; tests set one. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Ends the wait (a stop while waiting): the promise rejects at once. */
  signal?: AbortSignal;
}

/**
 * Opens the database, waiting for a PostgreSQL that does not answer yet (it is starting, or
 * restarting beside this process): tries again after 0.25 s, doubling to at most 5 s, for up
 * to `waitSeconds`, and logs every try. Any other failure (a refused password, a broken
 * migration) ends the wait at once.
 */
export async function waitForDatabase(options: WaitOptions): Promise<Database> {
  const { waitSeconds, signal, now = Date.now, sleep = (ms) => pause(ms, undefined, { signal }) } = options;
  const log = options.log ?? (() => {});
  const deadline = now() + waitSeconds * 1000;
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await openDatabase(options);
    } catch (error) {
      if (!options.databaseUrl || signal?.aborted || !isDatabaseUnavailable(error)) throw error;
      const left = deadline - now();
      const reason = (error as Error).message.split('\n')[0];
      if (left <= 0) throw new Error(`gave up waiting for the database after ${waitSeconds} s (${attempt} tries): ${reason}`, { cause: error });
      const wait = Math.min(delay, left);
      log(`the database does not answer yet (${reason}); try ${attempt + 1} in ${(wait / 1000).toFixed(2)} s, waiting at most ${Math.ceil(left / 1000)} s more`);
      await sleep(wait);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
