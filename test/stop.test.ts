// A graceful stop lets requests in flight finish, even those whose clients have gone, before
// it resolves (and, for an app that owns it, closes the database under them). On PostgreSQL:
// a second connection holds a row lock, so that a request is surely in flight.
import { print } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import { asAdmin, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem } from './helpers/documents.js';
import { createSelection, seedCatalog } from './helpers/fixtures.js';

describe.runIf(process.env.TEST_DATABASE_URL)('stop with a request in flight', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedCatalog(t);
  });
  afterAll(() => t.stop());

  it('resolves only after a request whose client has gone has finished', async () => {
    const url = await t.app.start();
    const selectionId = await createSelection(t);
    const holder = new pg.Client({ connectionString: t.databaseUrl! });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM "Selection" WHERE id = $1 FOR UPDATE', [selectionId]);

      // The request's transaction waits for the lock; then its client goes away.
      const client = new AbortController();
      const request = fetch(`${url}/graphql`, {
        method: 'POST',
        signal: client.signal,
        headers: { 'content-type': 'application/json', ...asAdmin },
        body: JSON.stringify({ query: print(AddItem), variables: { input: { selectionId, sku: 'TEE-S', quantity: 1 } } }),
      }).catch(() => 'gone');
      const waiting = async () => (await holder.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      )).rows[0]!.n;
      while ((await waiting()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      client.abort();
      expect(await request).toBe('gone');

      let stopped = false;
      const stopping = t.app.stop().then(() => {
        stopped = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stopped).toBe(false);

      await holder.query('COMMIT');
      await stopping;
      expect(await db().selectionItem.count({ where: { selectionId } })).toBe(1);
    } finally {
      await holder.end();
    }
  });
});
