// Migrations in Prisma's own format (prisma/migrations/<stamp>_<name>/migration.sql). Where it is
// safe, pending migrations are applied as plain SQL on the raw driver, recorded in
// `_prisma_migrations` exactly as Prisma records them; anything unusual goes to Prisma's schema
// engine compiled to WebAssembly, through the same driver adapter the app uses. Nothing is
// downloaded (DESIGN.md §5); where the network is open, `prisma migrate` works on the same folder.
import { createHash, randomUUID } from 'node:crypto';
import { readFile, readdir, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine as Engine } from '@prisma/schema-engine-wasm';
import type * as EngineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import { projectRoot } from '../paths.js';

export const prismaDir = join(projectRoot, 'prisma');
export const migrationsDir = join(prismaDir, 'migrations');
export const schemaPath = join(prismaDir, 'schema.prisma');

const noFilters = { externalTables: [], externalEnums: [] };

// Node has WebAssembly; this project's TypeScript libs (no DOM) do not declare it.
const wasm = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }> };
}).WebAssembly;

let engineModule: Promise<typeof EngineBindings> | undefined;

/** Instantiates the WebAssembly schema engine once per process. */
function loadEngineModule() {
  engineModule ??= (async () => {
    const bindings = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    const require = createRequire(import.meta.url);
    const wasmPath = join(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/schema_engine_bg\.js$/, ''), 'schema_engine_bg.wasm');
    const { instance } = await wasm.instantiate(await readFile(wasmPath), { './schema_engine_bg.js': bindings });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings;
  })();
  return engineModule;
}

/** Runs `work` with Prisma's schema engine on the factory's database. */
export async function withEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: Engine, schemaFile: { path: string; content: string }) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadEngineModule();
  const content = await readFile(schemaPath, 'utf8');
  const engine = await SchemaEngine.new(
    { datamodels: [[schemaPath, content]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  try {
    return await work(engine, { path: schemaPath, content });
  } finally {
    engine.free();
  }
}

export interface LocalMigration {
  /** The folder's name, `<stamp>_<name>`, as recorded in `_prisma_migrations.migration_name`. */
  name: string;
  /** migration.sql, or the reason it could not be read. */
  sql: { tag: 'ok'; value: string } | { tag: 'error'; value: string };
}

/** The folders of prisma/migrations, oldest first. */
export async function localMigrations(): Promise<LocalMigration[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    dirs.map(async (name) => ({
      name,
      sql: await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8').then(
        (value) => ({ tag: 'ok' as const, value }),
        (error: Error) => ({ tag: 'error' as const, value: error.message }),
      ),
    })),
  );
}

/** Migrations (by default prisma/migrations) in the shape the engine expects. */
export async function readMigrations(migrations?: LocalMigration[]): Promise<MigrationList> {
  const lockPath = join(migrationsDir, 'migration_lock.toml');
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockPath, content: await readFile(lockPath, 'utf8').catch(() => null) },
    shadowDbInitScript: '',
    migrationDirectories: (migrations ?? (await localMigrations())).map(({ name, sql }) => ({
      path: name,
      migrationFile: { path: 'migration.sql', content: sql },
    })),
  };
}

/**
 * Applies every migration not yet recorded in `_prisma_migrations` with the schema engine;
 * returns their names. The pg adapter runs a script statement by statement, split at ";",
 * comments included: a ";" inside an SQL comment breaks a migration on PostgreSQL (PGlite does
 * not mind).
 */
export async function applyMigrations(factory: SqlMigrationAwareDriverAdapterFactory, migrations?: LocalMigration[]): Promise<string[]> {
  const migrationsList = await readMigrations(migrations);
  return withEngine(factory, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return out.appliedMigrationNames;
  });
}

/** One database session on the raw driver: its lock and its transactions are its own. */
export interface SqlSession {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** Runs a script of one or more statements. */
  exec(script: string): Promise<void>;
}

/** Prisma Migrate's advisory lock (prisma-engines, postgres flavour): engine and runner exclude each other. */
const MIGRATE_LOCK = 72707369;

/** Statements PostgreSQL refuses in a transaction block, or whose effect one would hide. */
const OUTSIDE_TRANSACTION = /\b(CONCURRENTLY|VACUUM|ALTER\s+SYSTEM|(CREATE|DROP)\s+DATABASE)\b|\bALTER\s+TYPE\b[^;]*\bADD\s+VALUE\b/i;

/** `_prisma_migrations` as Prisma Migrate creates it (prisma-engines, postgres flavour). */
const MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
  id VARCHAR(36) PRIMARY KEY NOT NULL,
  checksum VARCHAR(64) NOT NULL,
  finished_at TIMESTAMPTZ,
  migration_name VARCHAR(255) NOT NULL,
  logs TEXT,
  rolled_back_at TIMESTAMPTZ,
  started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  applied_steps_count INTEGER NOT NULL DEFAULT 0
)`;

/** Prisma's checksum of a migration: the SHA-256 of its script, in hex. */
export const checksumOf = (sql: string) => createHash('sha256').update(sql).digest('hex');

export type MigrationPlan =
  | { kind: 'direct'; createTable: boolean; pending: { name: string; sql: string }[] }
  | { kind: 'engine'; reason: string };

/**
 * What bringing this database up to date takes. Plain SQL when the history is one Prisma
 * itself would continue without a question: no table yet in an empty schema, or every recorded
 * migration finished, present here and unchanged; and no pending script that needs to run
 * outside a transaction. Anything else (a failed or edited migration, a schema with tables but
 * no history) is the engine's, which refuses or reports it as `prisma migrate deploy` would.
 */
export async function planMigrations(session: SqlSession, local: LocalMigration[]): Promise<MigrationPlan> {
  const { rows: tables } = await session.query(
    "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS history, (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())::int AS tables",
  );
  const history = tables[0]?.history === true;
  if (!history && tables[0]?.tables !== 0) return { kind: 'engine', reason: 'the schema has tables but no migration history' };
  const recorded = history
    ? (await session.query('SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations')).rows
    : [];
  const byName = new Map(local.map((migration) => [migration.name, migration]));
  const applied = new Set<string>();
  for (const row of recorded) {
    if (row.rolled_back === true) continue;
    const name = String(row.migration_name);
    const file = byName.get(name);
    if (row.finished !== true) return { kind: 'engine', reason: `${name} failed earlier` };
    if (!file) return { kind: 'engine', reason: `${name} is recorded but not in prisma/migrations` };
    if (file.sql.tag !== 'ok' || checksumOf(file.sql.value) !== row.checksum) return { kind: 'engine', reason: `${name} was changed after it was applied` };
    applied.add(name);
  }
  const pending = [];
  for (const { name, sql } of local) {
    if (applied.has(name)) continue;
    if (sql.tag !== 'ok') return { kind: 'engine', reason: `${name}: ${sql.value}` };
    if (OUTSIDE_TRANSACTION.test(sql.value)) return { kind: 'engine', reason: `${name} has a statement that runs outside a transaction` };
    pending.push({ name, sql: sql.value });
  }
  return { kind: 'direct', createTable: !history, pending };
}

/**
 * Brings the database up to date; returns the names of the migrations applied. Under Prisma
 * Migrate's advisory lock, each pending migration runs in a transaction of its own with its
 * `_prisma_migrations` row, so a failing script leaves nothing behind (where the engine would
 * record a failed migration to resolve by hand). What planMigrations does not call plain goes
 * to the engine. `migrations` defaults to the folders of prisma/migrations.
 */
export async function migrate(
  session: SqlSession,
  factory: SqlMigrationAwareDriverAdapterFactory,
  log: (message: string) => void,
  migrations?: LocalMigration[],
): Promise<string[]> {
  migrations ??= await localMigrations();
  const { rows } = await session.query('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATE_LOCK]);
  if (rows[0]?.locked !== true) {
    log('another process is migrating the database: waiting for it');
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK]);
  }
  let plan: MigrationPlan;
  try {
    plan = await planMigrations(session, migrations);
    if (plan.kind === 'direct') {
      if (plan.createTable && plan.pending.length > 0) await session.exec(MIGRATIONS_TABLE);
      for (const { name, sql } of plan.pending) await applyOne(session, name, sql);
      return plan.pending.map(({ name }) => name);
    }
  } finally {
    await session.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK]);
  }
  log(`applying migrations with Prisma's schema engine: ${plan.reason}`);
  return migrateWithRetries(factory, log, migrations);
}

async function applyOne(session: SqlSession, name: string, sql: string) {
  const id = randomUUID();
  await session.exec('BEGIN');
  try {
    await session.query(
      'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, clock_timestamp())',
      [id, checksumOf(sql), name],
    );
    await session.exec(sql);
    await session.query('UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1', [id]);
    await session.exec('COMMIT');
  } catch (error) {
    await session.exec('ROLLBACK').catch(() => {});
    throw new Error(`migration ${name} failed, nothing of it was applied: ${(error as Error).message}`);
  }
}

/** The engine waits 10 s for its advisory lock; instances migrating together wait longer. */
async function migrateWithRetries(
  factory: SqlMigrationAwareDriverAdapterFactory,
  log: (message: string) => void,
  migrations: LocalMigration[],
): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyMigrations(factory, migrations);
    } catch (error) {
      if (attempt >= 6 || !/advisory lock/i.test((error as Error).message)) throw error;
      log('another process is migrating the database: waiting');
    }
  }
}

/**
 * The SQL that would bring a database built from the migrations to schema.prisma; empty
 * when they agree. Runs the migrations on the factory's shadow database.
 */
export async function pendingSchemaChanges(factory: SqlMigrationAwareDriverAdapterFactory): Promise<string> {
  const migrationsList = await readMigrations();
  return withEngine(factory, async (engine, schemaFile) => {
    const out = await engine.diff({
      from: { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: [schemaFile] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return (out.stdout ?? '').replace(/^-- This is an empty migration\.\s*$/m, '').trim();
  });
}

/**
 * Writes a new migration folder (`<UTC stamp>_<name>`) with the SQL from the migrations to
 * schema.prisma, as `prisma migrate dev --create-only` would; null when they already agree.
 */
export async function createMigration(
  factory: SqlMigrationAwareDriverAdapterFactory,
  name: string,
): Promise<{ directory: string; sql: string } | null> {
  const sql = await pendingSchemaChanges(factory);
  if (sql === '') return null;
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const directory = join(migrationsDir, `${stamp}_${name}`);
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'migration.sql'), `${sql}\n`);
  return { directory, sql };
}
