// The Prisma client on its driver adapter: embedded PGlite by default, PostgreSQL (pg) when
// DATABASE_URL is set. One database per process; services import `db()` from here.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { applyMigrations } from './migrate.js';

export interface DatabaseOptions {
  /** postgresql://… ; undefined for embedded PGlite. */
  databaseUrl: string | undefined;
  /** Where PGlite keeps its files; 'memory://' for a throwaway database. */
  dataDir: string;
  log?: (message: string) => void;
}

export interface Database {
  prisma: PrismaClient;
  factory: SqlMigrationAwareDriverAdapterFactory;
  kind: 'pglite' | 'postgresql';
  /** Answers when the database does (for /readyz). */
  ping(): Promise<void>;
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
  } else {
    kind = 'pglite';
    if (!options.dataDir.startsWith('memory://')) await mkdir(options.dataDir, { recursive: true });
    const pglite = await PGlite.create(options.dataDir);
    factory = new PrismaPGlite(pglite);
    closeDriver = () => pglite.close();
  }

  try {
    const applied = await applyMigrations(factory);
    if (applied.length > 0) log(`applied migrations: ${applied.join(', ')}`);
  } catch (error) {
    await closeDriver();
    throw error;
  }

  const prisma = new PrismaClient({ adapter: factory });
  const database: Database = {
    prisma,
    factory,
    kind,
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
