// PostgreSQL connections can drop (a restart, a failover): the pool must not crash the
// process and must answer again with fresh connections. PGlite has no connections to drop.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';

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
});
