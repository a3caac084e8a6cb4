// Once per `npm test`: dist/ is made current (the command tests run what `npm run` runs), and
// every test file starts from a migrated, empty database instead of migrating its own. On PGlite that is the template tarball `npm ci` made (made here if the
// migrations changed since); with TEST_DATABASE_URL a template database on that server, which
// each file copies with CREATE DATABASE … TEMPLATE and which is dropped at the end.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/db/client.js';
import { buildTemplate, isRunning } from '../src/db/pglite.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated PostgreSQL database that test files copy; null on PGlite. */
    templateDatabase: string | null;
  }
}

async function onServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export default async function setup(project: TestProject) {
  const root = resolve(import.meta.dirname, '..');
  const built = spawnSync(process.execPath, [resolve(root, 'scripts/build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('node scripts/build.mjs failed');
  await buildTemplate();
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    project.provide('templateDatabase', null);
    return;
  }
  const template = `linkcart_template_${process.pid}`;
  await onServer(serverUrl, async (client) => {
    // Databases left by runs that were killed (their process is gone) go first.
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname ~ '^linkcart_(template|test)_[0-9]+(_[0-9a-f]+)?$'",
    );
    for (const { datname } of rows) {
      const pid = Number(/^linkcart_(?:template|test)_(\d+)/.exec(datname)![1]);
      if (!isRunning(pid)) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await client.query(`CREATE DATABASE "${template}"`);
  });
  const url = new URL(serverUrl);
  url.pathname = `/${template}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: 'unused' });
  await database.close();
  project.provide('templateDatabase', template);
  return () => onServer(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`));
}
