// The Prisma client on its driver adapter: embedded PGlite by default, PostgreSQL (pg) when
// DATABASE_URL is set. One database per process; services import `db()` from here.
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../generated/prisma/client.js';
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
}

export interface Database {
  prisma: PrismaClient;
  factory: SqlMigrationAwareDriverAdapterFactory;
  kind: 'pglite' | 'postgresql';
  /** Answers when the database does (for /readyz). */
  ping(): Promise<void>;
  /** SQL statements sent so far, when opened with countQueries. */
  queryCount(): number;
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

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (current) throw new Error('A database is already open in this process');
  const log = options.log ?? (() => {});
  let factory: SqlMigrationAwareDriverAdapterFactory;
  let closeDriver: () => Promise<void>;
  let kind: Database['kind'];
  /** A session of its own for the migrations (their advisory lock and transactions). */
  let migrationSession: () => Promise<SqlSession & { release(): void }>;
  if (options.databaseUrl) {
    kind = 'postgresql';
    // Loaded only here: a start on the embedded database does not spend time loading pg.
    const [{ default: pg }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10, connectionTimeoutMillis: 5_000 });
    // Without these listeners a database restart would kill the process (DESIGN.md §5);
    // the pool drops the broken client and opens a new one on the next query. The pool's own
    // listener covers idle clients, and the adapter's a transaction's client once it has it;
    // this one is on every client for its whole life, so no hand-over leaves one without.
    pool.on('error', (error) => log(`database connection lost: ${error.message}`));
    pool.on('connect', (client) => client.on('error', (error) => log(`database connection lost while in use: ${error.message}`)));
    factory = new PrismaPg(pool, {
      onConnectionError: (error) => log(`database connection error: ${error.message}`),
    });
    closeDriver = () => pool.end();
    migrationSession = async () => {
      const client = await pool.connect();
      // A checked-out client reports a lost connection on itself, not on the pool.
      const onError = (error: Error) => log(`database connection lost while migrating: ${error.message}`);
      client.on('error', onError);
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
    };
  } else {
    kind = 'pglite';
    const embedded = options.embedded ?? (await openEmbedded(options.dataDir));
    if (embedded.fromTemplate && !options.dataDir.startsWith('memory://')) log(`created the embedded database in ${options.dataDir}`);
    factory = embedded.factory;
    closeDriver = () => embedded.close();
    migrationSession = async () => ({ ...embedded.session, release: () => {} });
  }

  try {
    const session = await migrationSession();
    try {
      const applied = await migrate(session, factory, log);
      if (applied.length > 0) log(`applied migrations: ${applied.join(', ')}`);
    } finally {
      session.release();
    }
  } catch (error) {
    await closeDriver();
    throw error;
  }

  let queries = 0;
  const prisma = options.countQueries
    ? (() => {
        const client = new PrismaClient({ adapter: factory, log: [{ emit: 'event', level: 'query' }] });
        client.$on('query', () => queries++);
        return client as unknown as PrismaClient;
      })()
    : new PrismaClient({ adapter: factory });
  const database: Database = {
    prisma,
    factory,
    kind,
    queryCount: () => queries,
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    async close() {
      if (current === database) current = undefined;
      await prisma.$disconnect();
      await closeDriver();
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
