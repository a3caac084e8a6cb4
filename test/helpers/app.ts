// A test app per test file: its own database (an in-memory PGlite, or a fresh PostgreSQL
// database when TEST_DATABASE_URL is set), both copied from a migrated template, called
// in-process through yoga.fetch.
import { randomBytes } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import pg from 'pg';
import { expect, inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { App, BuildOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import type { Database } from '../../src/db/client.js';
import { openEmbedded } from '../../src/db/pglite.js';
import type { Embedded } from '../../src/db/pglite.js';
import type { SqlSession } from '../../src/db/migrate.js';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef0123456789';

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestApp {
  app: App;
  database: Database;
  /** The PostgreSQL URL of this file's database; null on PGlite. */
  databaseUrl: string | null;
  /** Runs a typed document; `headers` default to none (anonymous). */
  request<T, V>(document: TypedDocumentNode<T, V>, variables?: V, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Like request, but fails the test on GraphQL errors: every expected failure is data. */
  data<T, V>(document: TypedDocumentNode<T, V>, variables: V, headers: Record<string, string>): Promise<T>;
  /** Like request, as the admin, and fails the test on GraphQL errors. */
  admin<T, V>(document: TypedDocumentNode<T, V>, variables?: V): Promise<T>;
  stop(): Promise<void>;
}

export const asAdmin = { authorization: `Bearer ${ADMIN_KEY}` };
export const asSession = (token: string) => ({ 'x-session-token': token });

/**
 * The in-memory PGlite of this worker's previous test file, emptied. A worker runs its files one
 * after another and they share this module (isolate: false), so the next file takes it over
 * instead of loading the template into a new one: about 0.75 s of CPU less per file.
 */
let spare: Embedded | undefined;
/** The migrated schema and history (catalogOf), as the first PGlite of this worker had them. */
let migratedSchema: string | undefined;

/** Everything a migration can create in the schema, and the migration history, in one value. */
export async function catalogOf(session: SqlSession) {
  const { rows } = await session.query(`
    SELECT json_build_object(
      'columns', (SELECT json_agg(json_build_array(table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length)
                  ORDER BY table_name, ordinal_position) FROM information_schema.columns WHERE table_schema = current_schema()),
      'constraints', (SELECT json_agg(json_build_array(conrelid::regclass::text, conname, pg_get_constraintdef(oid)) ORDER BY conrelid::regclass::text, conname)
                      FROM pg_constraint WHERE connamespace = current_schema()::regnamespace),
      'indexes', (SELECT json_agg(json_build_array(tablename, indexname, indexdef) ORDER BY tablename, indexname) FROM pg_indexes WHERE schemaname = current_schema()),
      'enums', (SELECT json_agg(json_build_array(t.typname, e.enumlabel) ORDER BY t.typname, e.enumsortorder)
                FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typnamespace = current_schema()::regnamespace),
      'history', (SELECT json_agg(json_build_array(migration_name, checksum, applied_steps_count, finished_at IS NOT NULL, finished_at >= started_at, logs, rolled_back_at)
                  ORDER BY migration_name) FROM _prisma_migrations)
    ) AS catalog`);
  return rows[0]!.catalog as Record<string, unknown[]>;
}

/** An empty, migrated in-memory PGlite; closing it empties it for the worker's next file. */
async function emptyEmbedded(): Promise<Embedded> {
  const embedded = spare ?? (await openEmbedded('memory://'));
  spare = undefined;
  migratedSchema ??= JSON.stringify(await catalogOf(embedded.session));
  return {
    ...embedded,
    fromTemplate: false,
    async close() {
      // A file that changed the schema and did not change it back (a failed test) passes it on to nobody.
      if (JSON.stringify(await catalogOf(embedded.session)) !== migratedSchema) return embedded.close();
      const { rows } = await embedded.pglite.query<{ tables: string }>(
        `SELECT string_agg(format('%I', tablename), ', ') AS tables FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
      );
      await embedded.pglite.exec(`TRUNCATE ${rows[0]!.tables} RESTART IDENTITY CASCADE; SELECT pg_advisory_unlock_all();`);
      spare = embedded;
    },
  };
}

/** An empty, migrated database for this test file, copied from the run's template. */
export async function createTestDatabase(): Promise<{ database: Database; url: string | null; drop(): Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const database = await openDatabase({ databaseUrl: undefined, dataDir: 'memory://', countQueries: true, embedded: await emptyEmbedded() });
    return { database, url: null, drop: () => database.close() };
  }
  const name = `linkcart_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  // A copy of the run's migrated template (test/global-setup.ts): nothing left to migrate.
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${inject('templateDatabase')}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // Races of many requests in one process have no bound on requests in flight before them: on a
  // loaded machine their wait for one of the pool's connections may take seconds.
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: 'unused', countQueries: true, poolTimeoutMs: 60_000 });
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** `options` as buildApp takes them (a test's clock, log), but for the database: this file's own. */
export async function startTestApp(env: Record<string, string> = {}, options: Omit<BuildOptions, 'database'> = {}): Promise<TestApp> {
  const { database, url: databaseUrl, drop } = await createTestDatabase();
  const config = loadConfig({ ADMIN_API_KEY: ADMIN_KEY, PORT: '0', ...env });
  const app = await buildApp(config, { ...options, database });

  async function request<T, V>(document: TypedDocumentNode<T, V>, variables?: V, headers: Record<string, string> = {}) {
    const response = await app.yoga.fetch('http://linkcart.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query: print(document), variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  }

  return {
    app,
    database,
    databaseUrl,
    request,
    async data(document, variables, headers) {
      const response = await request(document, variables, headers);
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      expect(response.data).toBeTruthy();
      return response.data!;
    },
    async admin(document, variables) {
      const result = await request(document, variables, asAdmin);
      if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data;
    },
    async stop() {
      await app.stop();
      await drop();
    },
  };
}

/** Narrows a result union to one member, failing with the whole result otherwise. */
export function is<T extends { __typename: string }, N extends T['__typename']>(value: T, typename: N): Extract<T, { __typename: N }> {
  expect(value.__typename, JSON.stringify(value)).toBe(typename);
  return value as Extract<T, { __typename: N }>;
}
