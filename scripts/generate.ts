// Generates the Prisma client and Pothos types into src/generated, offline: `prisma generate`
// needs no engine download when PRISMA_SCHEMA_ENGINE_BINARY names any existing file
// (DESIGN.md §5). Runs after `npm ci` and before start/test.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const schema = resolve(root, 'prisma/schema.prisma');
const marker = resolve(root, 'src/generated/pothos-prisma-types.ts');

if (process.argv.includes('--if-stale') && existsSync(marker) && statSync(marker).mtimeMs >= statSync(schema).mtimeMs) {
  process.exit(0);
}

const result = spawnSync(process.execPath, [resolve(root, 'node_modules/prisma/build/index.js'), 'generate'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
});
process.exit(result.status ?? 1);
