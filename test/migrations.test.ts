// The database guards the invariants Prisma's schema language cannot state, and the plain-SQL
// runner that applies migrations at start-up leaves exactly what Prisma's schema engine would.
// (That prisma/migrations and prisma/schema.prisma agree: `db:migration -- --check` in
// scripts.test.ts.)
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import { applyMigrations, checksumOf, localMigrations, migrate, planMigrations } from '../src/db/migrate.js';
import type { LocalMigration, SqlSession } from '../src/db/migrate.js';
import { migrationFactory, scratchDatabase, sessionOf } from '../src/db/pglite.js';
import { catalogOf, createTestDatabase } from './helpers/app.js';

describe('migrations', () => {
  describe('on a migrated database', () => {
    let drop: () => Promise<void>;
    beforeAll(async () => {
      ({ drop } = await createTestDatabase());
    });
    afterAll(() => drop());

    it('applies nothing twice', async () => {
      const { openedDatabase } = await import('../src/db/client.js');
      expect(await applyMigrations(openedDatabase()!.factory)).toEqual([]);
    });

    it('refuses negative stock, non-positive line quantities and duplicate codes', async () => {
      const prisma = db();
      const warehouse = await prisma.warehouse.create({ data: { code: 'W', name: 'W' } });
      const product = await prisma.product.create({ data: { code: 'P', name: 'P' } });
      const variant = await prisma.variant.create({ data: { sku: 'S', name: 'S', productId: product.id } });
      await expect(
        prisma.stockLevel.create({ data: { variantId: variant.id, warehouseId: warehouse.id, quantity: -1 } }),
      ).rejects.toThrow();
      await prisma.stockLevel.create({ data: { variantId: variant.id, warehouseId: warehouse.id, quantity: 1 } });
      await expect(
        prisma.stockLevel.update({
          where: { variantId_warehouseId: { variantId: variant.id, warehouseId: warehouse.id } },
          data: { quantity: { decrement: 2 } },
        }),
      ).rejects.toThrow();
      await expect(prisma.warehouse.create({ data: { code: 'W', name: 'again' } })).rejects.toThrow();
      await expect(prisma.variant.create({ data: { sku: 'S', name: 'again', productId: product.id } })).rejects.toThrow();
      const pricelist = await prisma.pricelist.create({ data: { code: 'PL', name: 'PL', currency: 'SEK' } });
      const market = await prisma.market.create({ data: { code: 'M', name: 'M', countries: ['SE'] } });
      const selection = await prisma.selection.create({ data: { marketId: market.id, pricelistId: pricelist.id, countryCode: 'SE' } });
      await expect(
        prisma.selectionItem.create({ data: { selectionId: selection.id, variantId: variant.id, quantity: 0, unitPrice: 100n } }),
      ).rejects.toThrow();
    });
  });
});

describe('migration files', () => {
  it('have no ";" inside a comment (the pg adapter splits scripts at every ";")', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { migrationsDir } = await import('../src/db/migrate.js');
    const offending = readdirSync(migrationsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) =>
        readFileSync(join(migrationsDir, entry.name, 'migration.sql'), 'utf8')
          .split('\n')
          .filter((line) => /--.*;/.test(line))
          .map((line) => `${entry.name}: ${line}`),
      );
    expect(offending).toEqual([]);
  });
});

const tables = async (session: SqlSession) =>
  (await session.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")).rows.map((row) => row.tablename);

/** A throwaway empty embedded database with its session and adapter. */
async function scratch() {
  const pglite = await scratchDatabase();
  return { pglite, session: sessionOf(pglite), factory: migrationFactory(pglite), close: () => pglite.close() };
}

const quiet = () => {};

describe('the plain-SQL migration runner', () => {
  describe('on an empty database', () => {
    /** Migrated by the runner, then only read: by the engine and by these tests. */
    let runner: Awaited<ReturnType<typeof scratch>>;
    beforeAll(async () => {
      runner = await scratch();
      await migrate(runner.session, runner.factory, quiet);
    });
    afterAll(() => runner.close());

    it('builds the same database as Prisma\'s schema engine, history included, and leaves the engine nothing to apply', async () => {
      // The same history (names, checksums, steps, finished, no logs, not rolled back) and the
      // same schema as the engine's own: the engine finds nothing edited, failed or drifted.
      const engine = await scratch();
      try {
        const local = await localMigrations();
        expect(await applyMigrations(engine.factory)).toEqual(local.map(({ name }) => name));
        const built = await catalogOf(runner.session);
        expect(built).toEqual(await catalogOf(engine.session));
        // Not vacuous: the CHECKs and the partial unique index that Prisma's diff cannot see are there.
        expect(JSON.stringify(built.constraints)).toContain('StockLevel_quantity_check');
        expect(JSON.stringify(built.indexes)).toContain('ShareableLink_one_active_per_selection');
        expect(built.history).toHaveLength(local.length);
      } finally {
        await engine.close();
      }
      expect(await applyMigrations(runner.factory)).toEqual([]);
    });

    it('records each migration with Prisma\'s checksum, the SHA-256 of its script', async () => {
      const { rows } = await runner.session.query('SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name');
      const local = await localMigrations();
      expect(rows).toEqual(local.map(({ name, sql }) => ({ migration_name: name, checksum: checksumOf(sql.value) })));
      expect(checksumOf('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });
  });

  it('continues a history the engine wrote, and applies nothing twice', async () => {
    const [first, ...rest] = await localMigrations();
    const database = await scratch();
    try {
      expect(await applyMigrations(database.factory, [first!])).toEqual([first!.name]);
      expect(await planMigrations(database.session, [first!, ...rest])).toEqual({
        kind: 'direct',
        createTable: false,
        pending: rest.map(({ name, sql }) => ({ name, sql: sql.value })),
      });
      expect(await migrate(database.session, database.factory, quiet)).toEqual(rest.map(({ name }) => name));
      expect(await migrate(database.session, database.factory, quiet)).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('applies a failing migration not at all: its statements and its history row are rolled back', async () => {
    const local = await localMigrations();
    const broken: LocalMigration = {
      name: '29991231000000_broken',
      sql: { tag: 'ok', value: 'CREATE TABLE "Half" ("id" INTEGER);\nINSERT INTO "Half" VALUES (1);\nSELECT 1 / 0;\n' },
    };
    const database = await scratch();
    try {
      await expect(migrate(database.session, database.factory, quiet, [...local, broken])).rejects.toThrow(
        /^migration 29991231000000_broken failed, nothing of it was applied: division by zero/,
      );
      expect(await tables(database.session)).not.toContain('Half');
      const { rows } = await database.session.query('SELECT migration_name FROM _prisma_migrations ORDER BY migration_name');
      expect(rows.map((row) => row.migration_name)).toEqual(local.map(({ name }) => name));
      // The fixed migration is then applied as usual.
      const fixed = { ...broken, sql: { tag: 'ok' as const, value: 'CREATE TABLE "Half" ("id" INTEGER);\n' } };
      expect(await migrate(database.session, database.factory, quiet, [...local, fixed])).toEqual([fixed.name]);
      expect(await tables(database.session)).toContain('Half');
    } finally {
      await database.close();
    }
  });

  it('hands to the engine what it should not decide: a failed, edited or unknown migration, tables without history, a statement outside a transaction', async () => {
    const local = await localMigrations();
    const [first] = local;
    const database = await scratch();
    try {
      await database.session.exec('CREATE TABLE "Stray" ("id" INTEGER)');
      expect(await planMigrations(database.session, local)).toEqual({ kind: 'engine', reason: 'the schema has tables but no migration history' });
      await database.session.exec('DROP TABLE "Stray"');
      expect(await planMigrations(database.session, local)).toMatchObject({ kind: 'direct', createTable: true });

      await migrate(database.session, database.factory, quiet);
      expect(await planMigrations(database.session, local)).toEqual({ kind: 'direct', createTable: false, pending: [] });

      const edited = local.map((m) => (m === first ? { ...m, sql: { tag: 'ok' as const, value: `${m.sql.value}\n-- edited\n` } } : m));
      expect(await planMigrations(database.session, edited)).toEqual({ kind: 'engine', reason: `${first!.name} was changed after it was applied` });
      expect(await planMigrations(database.session, local.slice(1))).toEqual({ kind: 'engine', reason: `${first!.name} is recorded but not in prisma/migrations` });

      const concurrently = { name: '29990101000000_index', sql: { tag: 'ok' as const, value: 'CREATE INDEX CONCURRENTLY "x" ON "Warehouse"("name");' } };
      expect(await planMigrations(database.session, [...local, concurrently])).toEqual({
        kind: 'engine',
        reason: '29990101000000_index has a statement that runs outside a transaction',
      });
      const enumValue = { name: '29990101000000_enum', sql: { tag: 'ok' as const, value: 'ALTER TYPE "OrderStatus" ADD VALUE \'SHIPPED\';' } };
      expect(await planMigrations(database.session, [...local, enumValue])).toMatchObject({ kind: 'engine' });

      await database.session.query(
        "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ('failed-one', $1, '29990101000000_failed', now())",
        [checksumOf('')],
      );
      expect(await planMigrations(database.session, local)).toEqual({ kind: 'engine', reason: '29990101000000_failed failed earlier' });
      // Once rolled back (`prisma migrate resolve --rolled-back`), it no longer counts.
      await database.session.exec("UPDATE _prisma_migrations SET rolled_back_at = now() WHERE id = 'failed-one'");
      expect(await planMigrations(database.session, local)).toEqual({ kind: 'direct', createTable: false, pending: [] });
    } finally {
      await database.close();
    }
  });

  it('scopes the idempotency keys stored before scopes existed: to the session of their order, else to the admins', async () => {
    const local = await localMigrations();
    const at = local.findIndex(({ name }) => name.endsWith('_idempotency_key_scope'));
    expect(at).toBeGreaterThan(0);
    const database = await scratch();
    try {
      await migrate(database.session, database.factory, quiet, local.slice(0, at));
      const [market, pricelist, customer, session, ofSession, ofAdmin, orderOfSession, orderOfAdmin] = Array.from({ length: 8 }, () => randomUUID());
      await database.session.exec(`
        INSERT INTO "Market" (id, code, name) VALUES ('${market}', 'M', 'M');
        INSERT INTO "Pricelist" (id, code, name, currency) VALUES ('${pricelist}', 'PL', 'PL', 'SEK');
        INSERT INTO "Customer" (id, email) VALUES ('${customer}', 'old@example.com');
        INSERT INTO "StorefrontSession" (id, "tokenDigest") VALUES ('${session}', '\\x00');
        INSERT INTO "Selection" (id, status, "marketId", "pricelistId", "countryCode", "sessionId") VALUES
          ('${ofSession}', 'ORDERED', '${market}', '${pricelist}', 'SE', '${session}'),
          ('${ofAdmin}', 'ORDERED', '${market}', '${pricelist}', 'SE', NULL);
        INSERT INTO "Order" (id, "selectionId", "customerId", "customerEmail", "sessionId", "countryCode", currency, subtotal, shipping, tax, "grandTotal") VALUES
          ('${orderOfSession}', '${ofSession}', '${customer}', 'old@example.com', '${session}', 'SE', 'SEK', 100, 0, 0, 100),
          ('${orderOfAdmin}', '${ofAdmin}', '${customer}', 'old@example.com', NULL, 'SE', 'SEK', 100, 0, 0, 100);
        INSERT INTO "IdempotencyKey" (key, "selectionId", "orderId") VALUES
          ('old-session-key', '${ofSession}', '${orderOfSession}'), ('old-admin-key', '${ofAdmin}', '${orderOfAdmin}');`);

      expect(await migrate(database.session, database.factory, quiet, local)).toEqual(local.slice(at).map(({ name }) => name));
      const { rows } = await database.session.query('SELECT scope, key, "orderId" FROM "IdempotencyKey" ORDER BY key');
      expect(rows).toEqual([
        { scope: 'admin', key: 'old-admin-key', orderId: orderOfAdmin },
        { scope: `session:${session}`, key: 'old-session-key', orderId: orderOfSession },
      ]);
    } finally {
      await database.close();
    }
  });

  describe.runIf(process.env.TEST_DATABASE_URL)('on PostgreSQL', () => {
    it('lets one of several processes migrating one empty database at once apply each migration, exactly once', async () => {
      const serverUrl = process.env.TEST_DATABASE_URL!;
      const name = `linkcart_test_${process.pid}_race`;
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      const pools = Array.from({ length: 4 }, () => {
        const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
        pool.on('error', () => {}); // the forced DROP below ends connections still closing
        return pool;
      });
      try {
        const local = await localMigrations();
        const applied = await Promise.all(
          pools.map(async (pool) => {
            const client = await pool.connect();
            try {
              return await migrate({ query: (sql, params) => client.query(sql, params), exec: async (sql) => void (await client.query(sql)) }, new PrismaPg(pool), quiet);
            } finally {
              client.release();
            }
          }),
        );
        expect(applied.flat().sort()).toEqual(local.map(({ name }) => name).sort());
        const { rows } = await pools[0]!.query('SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY migration_name ORDER BY migration_name');
        expect(rows).toEqual(local.map(({ name }) => ({ migration_name: name, n: 1 })));
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      }
    });
  });
});
