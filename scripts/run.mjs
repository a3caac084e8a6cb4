// `node scripts/run.mjs <name> [arguments]`: what `npm start` and the database commands run.
// Rebuilds dist/ when a source is newer (scripts/build.mjs), then runs dist/<name>.js in this
// same process with source maps on, as `node --enable-source-maps dist/<name>.js [arguments]`
// would: one Node start instead of two.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from './build.mjs';

const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z-]+$/.test(name)) {
  console.error('usage: node scripts/run.mjs <server|create-admin-key|migrate|migration> [arguments]');
  process.exit(2);
}
try {
  await build({ ifStale: true });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
const entry = join(resolve(import.meta.dirname, '..'), 'dist', `${name}.js`);
// The command reads its arguments from process.argv as if started directly.
process.argv = [process.argv[0], entry, ...args];
process.setSourceMapsEnabled(true);
await import(pathToFileURL(entry).href);
