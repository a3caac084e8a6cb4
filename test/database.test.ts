// PostgreSQL connections can drop (a restart, a failover): the pool must not crash the
// process and must answer again with fresh connections. PGlite has no connections to drop.
// And the database a test file gets is empty, whoever had it before.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import { localMigrations } from '../src/db/migrate.js';
import { asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem, Checkout, Claim, IssueLink } from './helpers/documents.js';
import { createSelection, databaseState, seedCatalog } from './helpers/fixtures.js';

/** What a new file's database must look like: no rows, no sequence used, every migration recorded. */
async function expectEmpty() {
  const state = await databaseState();
  expect(Object.entries(state).filter(([, rows]) => rows.length > 0)).toEqual([]);
  const sequences = await db().$queryRaw<{ sequencename: string; last_value: bigint | null }[]>`
    SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename`;
  expect(sequences.length).toBeGreaterThan(0);
  expect(sequences.filter((sequence) => sequence.last_value !== null)).toEqual([]);
  const migrations = await db().$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`;
  expect(migrations.map((row) => row.migration_name)).toEqual((await localMigrations()).map((migration) => migration.name));
}

describe('the database of a test file', () => {
  it('is empty and fully migrated after another file wrote orders, events and sessions to it', async () => {
    const first = await startTestApp();
    try {
      await seedCatalog(first);
      const selectionId = await createSelection(first);
      await first.admin(AddItem, { input: { selectionId, sku: 'TEE-S', quantity: 1 } });
      const link = await first.admin(IssueLink, { input: { selectionId, lockItems: false } });
      const issued = is(link.issueShareableLink, 'IssueShareableLinkSuccess');
      const claim = await first.data(Claim, { input: { hash1: issued.link.hash1, hash2: issued.hash2 } }, {});
      const claimed = is(claim.claimSelection, 'ClaimSelectionSuccess');
      const checkout = await first.data(Checkout, { selectionId: claimed.selection.id, key: 'database-test' }, asSession(claimed.sessionToken));
      is(checkout.placeOrder, 'PlaceOrderSuccess');
    } finally {
      await first.stop();
    }

    const next = await startTestApp();
    try {
      await expectEmpty();
    } finally {
      await next.stop();
    }
  });

  it('is a new copy of the template when the file before changed the schema and did not change it back', async () => {
    const first = await startTestApp();
    try {
      await db().$executeRawUnsafe('ALTER TABLE "Static" RENAME TO "Static_moved_away"');
    } finally {
      await first.stop();
    }

    const next = await startTestApp();
    try {
      await expectEmpty();
      const tables = await db().$queryRaw<{ tablename: string }[]>`SELECT tablename FROM pg_tables WHERE tablename LIKE 'Static%'`;
      expect(tables).toEqual([{ tablename: 'Static' }]);
    } finally {
      await next.stop();
    }
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('on PostgreSQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());

  it('keeps answering after the server killed every connection of the pool', async () => {
    await t.database.ping();
    const { current_database: name } = (await t.database.prisma.$queryRaw<{ current_database: string }[]>`SELECT current_database()`)[0]!;
    const killer = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await killer.connect();
    const killed = await killer.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    await killer.end();
    expect(killed.rowCount).toBeGreaterThan(0);

    // The idle connections died and left the pool; the next query opens a new one.
    await expect(t.database.ping()).resolves.toBeUndefined();
    const response = await t.app.yoga.fetch('http://linkcart.test/readyz');
    expect(response.status).toBe(200);
  });

  // DESIGN.md §5: a client checked out for an interactive transaction reports the end of its
  // connection on itself, and with no listener there the process dies (issue 14).
  it('survives the server ending a connection inside an open transaction, between two statements', async () => {
    const killer = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await killer.connect();
    const backendGone = async (pid: number) => {
      while ((await killer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount! > 0);
      // One more round trip: the app's socket had the server's goodbye before this answer.
      await killer.query('SELECT 1');
    };
    try {
      const transaction = db().$transaction(async (tx) => {
        const { pid } = (await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!;
        await killer.query('SELECT pg_terminate_backend($1)', [pid]);
        await backendGone(pid);
        await tx.$queryRaw`SELECT 1`;
      });
      await expect(transaction).rejects.toThrow();
    } finally {
      await killer.end();
    }
    // The process is alive, and the pool answers with a fresh connection.
    await expect(t.database.ping()).resolves.toBeUndefined();
    const { orders } = (await db().$queryRaw<{ orders: bigint }[]>`SELECT count(*) AS orders FROM "Order"`)[0]!;
    expect(orders).toBe(0n);
  });
});
