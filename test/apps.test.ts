// Two apps built in one process (sharing a database, as the tests' apps do) are independent:
// each has its own link event stream, so building or stopping one leaves the other's
// subscriptions and announcements alone.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { db } from '../src/db/client.js';
import { ADMIN_KEY, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { subscribeWs } from './helpers/events.js';
import { AddItem, IssueLink } from './helpers/documents.js';
import { createSelection, seedCatalog } from './helpers/fixtures.js';

// The outbox poll is an hour: an event arrives only through its app's announcement, so a
// second app that took over the first's announcements would fail this test too.
const env = { ADMIN_API_KEY: ADMIN_KEY, PORT: '0', LINK_EVENT_POLL_MS: '3600000', ...(process.env.REDIS_URL && { REDIS_URL: process.env.REDIS_URL }) };

let a: TestApp;
let urlA: string;
beforeAll(async () => {
  a = await startTestApp(env);
  urlA = await a.app.start();
  await seedCatalog(a);
});
afterAll(() => a.stop());

it('delivers an event committed through A to A\'s subscribers after a second app B started and stopped', async () => {
  const selectionId = await createSelection(a);
  await a.admin(AddItem, { input: { selectionId, sku: 'MUG', quantity: 1 } });
  const newest = await db().linkEvent.findFirst({ orderBy: { sequence: 'desc' } });
  const after = (newest?.sequence ?? 0n).toString();

  const before = subscribeWs(urlA, { after });
  const b = await buildApp(loadConfig(env), { database: a.database });
  await b.start();
  const meanwhile = subscribeWs(urlA, { after });
  try {
    await Promise.all([before.acknowledged, meanwhile.acknowledged]);
    await b.stop();
    const issued = is((await a.admin(IssueLink, { input: { selectionId, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
    for (const subscription of [before, meanwhile]) {
      expect((await subscription.next(1, 60_000)).map((event) => [event.type, event.link.id])).toEqual([['ISSUED', issued.link.id]]);
    }
  } finally {
    await before.close();
    await meanwhile.close();
    await b.stop();
  }
});
