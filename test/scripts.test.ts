// The commands the README names, run as a user runs them.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const root = resolve(import.meta.dirname, '..');
const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'linkcart-scripts-'));
// Scripts open the embedded database in dataDir unless DATABASE_URL is set: unset it here.
const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', ADMIN_API_KEY: '' };

/** Runs a command as `npm run` does: its build in dist/ (made current by test/global-setup.ts). */
async function script(name: string, args: string[]) {
  return run(process.execPath, [resolve(root, 'dist', name), ...args], { cwd: root, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm run admin:key', () => {
  let key = '';

  it('prints a new key once, on stdout alone', async () => {
    const result = await script('create-admin-key.js', ['--name', 'dashboard']);
    expect(result.code).toBe(0);
    key = result.stdout.trim();
    expect(key).toMatch(/^lc_admin_[A-Za-z0-9_-]{43}$/);
    expect(result.stderr).toContain('shown only now');
  });

  it('refuses a second key of the same name, and a missing name', async () => {
    const again = await script('create-admin-key.js', ['--name', 'dashboard']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('An admin key named "dashboard" exists already');
    const missing = await script('create-admin-key.js', []);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('usage: npm run admin:key -- --name <name>');
  });

  it('makes an admin of whoever sends the key', async () => {
    const app = await buildApp(loadConfig({ DATA_DIR: dataDir, PORT: '0' }));
    try {
      const ask = async (authorization: string) => {
        const response = await app.yoga.fetch('http://linkcart.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify({ query: '{ markets { edges { cursor } } }' }),
        });
        return response.json();
      };
      expect(await ask(`Bearer ${key}`)).toEqual({ data: { markets: { edges: [] } } });
      expect((await ask(`Bearer ${key}x`)).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    } finally {
      await app.stop();
    }
  });
});

describe('npm run db:migration', () => {
  // The migrations bring an empty database exactly to schema.prisma: when this fails, run
  // `npm run db:migration -- <name>` (the output shows the SQL it would write).
  it('--check finds nothing to migrate, and writes nothing', async () => {
    const result = await script('migration.js', ['--check']);
    expect(result, result.stdout).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('schema.prisma and the migrations agree.');
  });

  it('refuses a bad name, and no name', async () => {
    for (const args of [['Bad Name'], []]) {
      const result = await script('migration.js', args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('usage: npm run db:migration -- <name>');
    }
  });
});

describe('npm start and its admin key', () => {
  const fresh = () => mkdtempSync(join(tmpdir(), 'linkcart-start-'));
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts dist/server.js until `until` matches its output (then SIGTERM) or it exits. */
  function start(extra: Record<string, string>, until: RegExp): Promise<{ code: number | null; output: string }> {
    return new Promise((done) => {
      const child = spawn(process.execPath, [resolve(root, 'dist/server.js')], { cwd: root, env: { ...env, PORT: '0', ...extra } });
      let output = '';
      const read = (chunk: Buffer) => {
        output += String(chunk);
        if (until.test(output)) child.kill('SIGTERM');
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.on('exit', (code) => done({ code, output }));
    });
  }

  it('makes a key at a first development start and prints the dashboard sign-in link with it, once', async () => {
    const dataDir = fresh();
    dirs.push(dataDir);
    const first = await start({ DATA_DIR: dataDir, PUBLIC_URL: 'http://shop.test' }, /dashboard: |#key=[^"\s]+"/);
    const key = /http:\/\/shop\.test\/admin#key=(lc_admin_[A-Za-z0-9_-]{43})"/.exec(first.output)?.[1];
    expect(key, first.output).toBeDefined();
    expect(first.output).toContain('shown only now');

    const app = await buildApp(loadConfig({ DATA_DIR: dataDir, PORT: '0' }));
    try {
      const response = await app.yoga.fetch('http://linkcart.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: '{ markets { edges { cursor } } }' }),
      });
      expect(await response.json()).toEqual({ data: { markets: { edges: [] } } });
    } finally {
      await app.stop();
    }

    const again = await start({ DATA_DIR: dataDir, PUBLIC_URL: 'http://shop.test' }, /dashboard: /);
    expect(again.output).toContain('dashboard: http://shop.test/admin (sign in with an admin key)');
    expect(again.output).not.toContain('#key=');
  });

  it('refuses a production start with no admin key at all, saying how to make one', async () => {
    const dataDir = fresh();
    dirs.push(dataDir);
    const result = await start({ DATA_DIR: dataDir, NODE_ENV: 'production' }, /dashboard: /);
    expect(result.code).toBe(2);
    expect(result.output).toContain('no admin key: set ADMIN_API_KEY');
    expect(result.output).not.toContain('#key=');
  });
});
