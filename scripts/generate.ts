// Makes what is derived from prisma/, offline: the Prisma client and Pothos types in
// src/generated (`prisma generate` needs no engine download when PRISMA_SCHEMA_ENGINE_BINARY
// names any existing file, DESIGN.md §5), and the embedded database's template, a migrated
// empty PGlite (src/db/pglite.ts). Runs after `npm ci` and before the tests; `--if-stale` skips
// what is current.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildTemplate } from '../src/db/pglite.js';

const root = resolve(import.meta.dirname, '..');
const schema = resolve(root, 'prisma/schema.prisma');
const marker = resolve(root, 'src/generated/pothos-prisma-types.ts');

const clientIsCurrent = existsSync(marker) && statSync(marker).mtimeMs >= statSync(schema).mtimeMs;
if (!process.argv.includes('--if-stale') || !clientIsCurrent) {
  const result = spawnSync(process.execPath, [resolve(root, 'node_modules/prisma/build/index.js'), 'generate'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const started = performance.now();
const template = await buildTemplate();
if (template.made) {
  console.log(`✔ Made the embedded database's template (every migration applied) in ${template.path.slice(root.length + 1)} in ${Math.round(performance.now() - started)}ms`);
}
