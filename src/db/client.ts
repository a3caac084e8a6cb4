// The Prisma client on its driver adapter: embedded PGlite by default, PostgreSQL (pg) when
// DATABASE_URL is set. One database per process; services import `db()` from here.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { applyMigrations, readMigrations } from './migrate.js';

export interface DatabaseOptions {
  /** postgresql://… ; undefined for embedded PGlite. */
  databaseUrl: string | undefined;
  /** Where PGlite keeps its files; 'memory://' for a throwaway database. */
  dataDir: string;
  log?: (message: string) => void;
  /** Count the SQL statements Prisma sends (tests and the bench read `queryCount`). */
  countQueries?: boolean;
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

/**
 * Whether a migration in prisma/migrations is not yet recorded as applied. Asked with one
 * plain query, so that an up-to-date database starts without loading the schema engine or
 * taking its lock (instances starting together then never wait on each other).
 */
async function hasPendingMigrations(query: (sql: string) => Promise<{ rows: Record<string, unknown>[] }>): Promise<boolean> {
  const { migrationDirectories } = await readMigrations();
  let applied: Set<string>;
  try {
    const { rows } = await query(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    applied = new Set(rows.map((row) => String(row.migration_name)));
  } catch {
    return true; // no _prisma_migrations table yet
  }
  return migrationDirectories.some((dir) => !applied.has(dir.path));
}

/** The engine waits 10 s for its advisory lock; instances migrating together wait longer. */
async function migrateWithRetries(factory: SqlMigrationAwareDriverAdapterFactory, log: (message: string) => void): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyMigrations(factory);
    } catch (error) {
      if (attempt >= 6 || !/advisory lock/i.test((error as Error).message)) throw error;
      log('another process is migrating the database: waiting');
    }
  }
}

/**
 * Only one process may open a PGlite data directory: a second would corrupt it. A pid file
 * claims the directory; one left by a process that is gone is taken over.
 */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const pidFile = join(dir, 'linkcart.pid');
  try {
    await writeFile(pidFile, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number(await readFile(pidFile, 'utf8').catch(() => ''));
    if (owner && owner !== process.pid && isRunning(owner)) {
      throw new Error(`${dir} is in use by process ${owner}: the embedded database can be opened by one process at a time (stop it, or set DATABASE_URL)`);
    }
    await writeFile(pidFile, String(process.pid));
  }
  return () => rm(pidFile, { force: true });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
  let query: (sql: string) => Promise<{ rows: Record<string, unknown>[] }>;
  if (options.databaseUrl) {
    kind = 'postgresql';
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10, connectionTimeoutMillis: 5_000 });
    // Without these listeners a database restart would kill the process (DESIGN.md §5);
    // the pool drops the broken client and opens a new one on the next query.
    pool.on('error', (error) => log(`database connection lost: ${error.message}`));
    factory = new PrismaPg(pool, {
      onConnectionError: (error) => log(`database connection error: ${error.message}`),
    });
    closeDriver = () => pool.end();
    query = (sql) => pool.query(sql);
  } else {
    kind = 'pglite';
    const inMemory = options.dataDir.startsWith('memory://');
    const unlock = inMemory ? async () => {} : await lockDataDir(options.dataDir);
    let pglite: PGlite;
    try {
      pglite = await PGlite.create(options.dataDir);
    } catch (error) {
      await unlock();
      throw error;
    }
    factory = new PrismaPGlite(pglite);
    query = (sql) => pglite.query(sql);
    closeDriver = async () => {
      await pglite.close();
      await unlock();
    };
  }

  try {
    if (await hasPendingMigrations(query)) {
      const applied = await migrateWithRetries(factory, log);
      if (applied.length > 0) log(`applied migrations: ${applied.join(', ')}`);
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
