// `npm run build`: the server and the database commands as ES modules in dist/ (server.js,
// create-admin-key.js, migrate.js, migration.js and the chunks they share) that plain `node`
// starts quickly; running src/ through tsx costs more than a second of loader hooks at every
// start. src/, scripts/ and the pure-JavaScript dependencies are bundled (one file to load
// instead of hundreds); the database drivers, Prisma's runtime and the Redis client stay in
// node_modules, since they load WebAssembly or native files relative to themselves, or are
// loaded only when configured. Also the pages: web/ built by vite into web/dist. Runs after
// `npm ci`; scripts/run.mjs calls it before `npm start` and the database commands, and with
// --if-stale (ifStale) it builds only what is older than something it is made of.
// Plain JavaScript, so that checking takes no TypeScript loader.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const outdir = join(root, 'dist');
const outfile = join(outdir, 'server.js');

/** The newest modification time under `path` (a file or a folder, recursively). */
function newest(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stats.mtimeMs);
}

const entries = ['src/server.ts', 'scripts/create-admin-key.ts', 'scripts/migrate.ts', 'scripts/migration.ts'];
const sources = [join(root, 'src'), join(root, 'scripts'), join(root, 'package.json'), join(root, 'package-lock.json')];

/** Not bundled: packages that load files relative to themselves, or that load only when configured. */
const external = [
  '@electric-sql/pglite',
  '@prisma/*',
  'pglite-prisma-adapter',
  'pg',
  'ioredis',
  '@graphql-yoga/redis-event-target',
  '@graphql-yoga/render-graphiql',
  'esbuild',
];

const web = join(root, 'web');
const webPage = join(web, 'dist/index.html');
const webSources = [join(web, 'src'), join(web, 'index.html'), join(web, 'vite.config.ts'), join(root, 'schema.graphql'), join(root, 'package-lock.json')];

/** Runs scripts/generate.ts (the Prisma client, the typed documents), with --if-stale when asked. */
function generate(ifStale) {
  const generated = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'scripts/generate.ts'), ...(ifStale ? ['--if-stale'] : [])], {
    cwd: root,
    stdio: 'inherit',
  });
  if (generated.status !== 0) throw new Error('generating the Prisma client and the typed documents failed (npm run generate)');
}

/** Builds the pages (web/) into web/dist with vite, first their typed documents; with ifStale only when a source changed. */
export async function buildWeb({ ifStale = false } = {}) {
  if (ifStale && existsSync(webPage) && statSync(webPage).mtimeMs >= Math.max(...webSources.map(newest))) return;
  generate(true);
  const started = performance.now();
  const { build: vite } = await import('vite');
  // Vite compiles for production only under NODE_ENV=production (or unset); a test that starts
  // the server (NODE_ENV=test) must not get React's development JSX into the served pages.
  const environment = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await vite({ configFile: join(web, 'vite.config.ts'), mode: 'production' });
  } finally {
    if (environment === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = environment;
  }
  console.log(`✔ Built the pages (/admin, /selection/…) into web/dist/ in ${Math.round(performance.now() - started)}ms`);
}

/** Builds dist/ (first the Prisma client, when schema.prisma is newer) and the pages; with ifStale only what a changed source needs. */
export async function build({ ifStale = false } = {}) {
  await buildServer({ ifStale });
  await buildWeb({ ifStale });
}

async function buildServer({ ifStale }) {
  // The Prisma client is generated from prisma/schema.prisma into src/generated, which is bundled.
  const schema = join(root, 'prisma/schema.prisma');
  const client = join(root, 'src/generated/pothos-prisma-types.ts');
  if (!existsSync(client) || statSync(client).mtimeMs < statSync(schema).mtimeMs) generate(false);
  if (ifStale && existsSync(outfile) && statSync(outfile).mtimeMs >= Math.max(...sources.map(newest))) return;

  const started = performance.now();
  // Loaded only to build: checking stays cheap.
  const { build: esbuild } = await import('esbuild');
  await rm(outdir, { recursive: true, force: true });
  await esbuild({
    entryPoints: entries.map((entry) => join(root, entry)),
    outdir,
    entryNames: '[name]',
    bundle: true,
    splitting: true,
    external,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Bundled CommonJS packages call require() for Node's own modules.
    banner: { js: "import { createRequire as __linkcartRequire } from 'node:module'; const require = __linkcartRequire(import.meta.url);" },
    sourcemap: true,
    logLevel: 'warning',
  });
  console.log(`✔ Built the server and the database commands into dist/ in ${Math.round(performance.now() - started)}ms`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await build({ ifStale: process.argv.includes('--if-stale') }).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
