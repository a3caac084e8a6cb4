// One process per PGlite data directory (DESIGN.md §4): a second process that opens a
// directory in use is refused, and may open it once the first has closed it. This file opens
// the database itself (a process holds one), so it never calls startTestApp.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, openedDatabase } from '../src/db/client.js';

const root = resolve(import.meta.dirname, '..');
const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'linkcart-lock-'));
const pidFile = join(dataDir, 'linkcart.pid');
// The command opens the embedded database in DATA_DIR: no DATABASE_URL, no bootstrap key.
const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', ADMIN_API_KEY: '' };

async function createAdminKey(name: string) {
  // `npm run admin:key`'s build in dist/ (made current by test/global-setup.ts).
  return run(process.execPath, [resolve(root, 'dist/create-admin-key.js'), '--name', name], { cwd: root, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

afterAll(async () => {
  await openedDatabase()?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a PGlite data directory', () => {
  it('is refused to a second process while this one holds it, and opens once it is closed', async () => {
    const database = await openDatabase({ databaseUrl: undefined, dataDir });
    expect(database.kind).toBe('pglite');
    expect(readFileSync(pidFile, 'utf8')).toBe(String(process.pid));

    const refused = await createAdminKey('while-held');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`${dataDir} is in use by process ${process.pid}`);
    expect(refused.stdout).toBe('');
    // The refused process left the claim alone.
    expect(readFileSync(pidFile, 'utf8')).toBe(String(process.pid));
    expect(await database.prisma.adminKey.count()).toBe(0);

    await database.close();
    expect(existsSync(pidFile)).toBe(false);

    const created = await createAdminKey('after-close');
    expect(created.stderr).not.toContain('is in use');
    expect(created.code).toBe(0);
    expect(created.stdout.trim()).toMatch(/^lc_admin_/);
    // The other process released the directory when it finished.
    expect(existsSync(pidFile)).toBe(false);

    const reopened = await openDatabase({ databaseUrl: undefined, dataDir });
    try {
      expect(await reopened.prisma.adminKey.findMany({ select: { name: true } })).toEqual([{ name: 'after-close' }]);
    } finally {
      await reopened.close();
    }
  });

  it('is taken over from a process that is gone', async () => {
    const gone = await deadPid();
    writeFileSync(pidFile, String(gone));
    const database = await openDatabase({ databaseUrl: undefined, dataDir });
    try {
      expect(readFileSync(pidFile, 'utf8')).toBe(String(process.pid));
    } finally {
      await database.close();
    }
    expect(existsSync(pidFile)).toBe(false);
  });
});
