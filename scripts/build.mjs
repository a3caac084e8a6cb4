// `npm run build`: the server and the database commands as ES modules in dist/ (server.js,
// create-admin-key.js, migrate.js, migration.js and the chunks they share) that plain `node`
// starts in about a second; running src/ through tsx costs more than a second of loader hooks
// at every start. Dependencies stay in node_modules; only src/ and scripts/ are bundled. Runs after `npm ci` and before
// `npm start`; with --if-stale it does nothing when dist/ is newer than everything it is made of.
// Plain JavaScript, so that checking takes no TypeScript loader.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outdir = join(root, 'dist');
const outfile = join(outdir, 'server.js');
const ifStale = process.argv.includes('--if-stale');

/** The newest modification time under `path` (a file or a folder, recursively). */
function newest(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stats.mtimeMs);
}

// The Prisma client is generated from prisma/schema.prisma into src/generated, which is bundled.
const schema = join(root, 'prisma/schema.prisma');
const client = join(root, 'src/generated/pothos-prisma-types.ts');
if (!existsSync(client) || statSync(client).mtimeMs < statSync(schema).mtimeMs) {
  const generated = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'scripts/generate.ts')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (generated.status !== 0) process.exit(generated.status ?? 1);
}

const entries = ['src/server.ts', 'scripts/create-admin-key.ts', 'scripts/migrate.ts', 'scripts/migration.ts'];
const sources = [join(root, 'src'), join(root, 'scripts'), join(root, 'package.json'), join(root, 'package-lock.json')];
if (ifStale && existsSync(outfile) && statSync(outfile).mtimeMs >= Math.max(...sources.map(newest))) process.exit(0);

const started = performance.now();
// Loaded only to build: checking stays cheap.
const { build } = await import('esbuild');
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: entries.map((entry) => join(root, entry)),
  outdir,
  entryNames: '[name]',
  bundle: true,
  splitting: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
console.log(`✔ Built the server and the database commands into dist/ in ${Math.round(performance.now() - started)}ms`);
