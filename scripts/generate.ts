// Makes what is derived, offline: from prisma/, the Prisma client and Pothos types in
// src/generated (`prisma generate` needs no engine download when PRISMA_SCHEMA_ENGINE_BINARY
// names any existing file, DESIGN.md §5) and the embedded database's template, a migrated
// empty PGlite (src/db/pglite.ts); from schema.graphql and the documents of the tests and the
// pages, the typed documents in test/gql and web/src/gql (graphql-codegen). Runs after
// `npm ci` and before the tests and lint; `--if-stale` skips what is newer than everything it
// is made of.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildTemplate } from '../src/db/pglite.js';

const root = resolve(import.meta.dirname, '..');
const schema = resolve(root, 'prisma/schema.prisma');
const marker = resolve(root, 'src/generated/pothos-prisma-types.ts');

const ifStale = process.argv.includes('--if-stale');

/** Whether `output` exists and is newer than every file in `inputs` (folders recursively, but `skip`). */
function isCurrent(output: string, inputs: string[], skip?: string): boolean {
  if (!existsSync(output)) return false;
  const made = statSync(output).mtimeMs;
  const newer = (path: string): boolean =>
    path !== skip && (statSync(path).isDirectory() ? readdirSync(path).some((name) => newer(join(path, name))) : statSync(path).mtimeMs > made);
  return !inputs.some(newer);
}

if (!ifStale || !isCurrent(marker, [schema])) {
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

// Typed documents for the tests (test/gql) and the pages (web/src/gql), in one codegen run.
const typedDocuments = [
  { output: resolve(root, 'test/gql/graphql.ts'), documents: resolve(root, 'test'), skip: resolve(root, 'test/gql') },
  { output: resolve(root, 'web/src/gql/graphql.ts'), documents: resolve(root, 'web/src'), skip: resolve(root, 'web/src/gql') },
];
const codegenInputs = [resolve(root, 'schema.graphql'), resolve(root, 'codegen.ts')];
if (!ifStale || typedDocuments.some(({ output, documents, skip }) => !isCurrent(output, [...codegenInputs, documents], skip))) {
  const result = spawnSync(resolve(root, 'node_modules/.bin/graphql-codegen'), ['--config', 'codegen.ts', '--silent'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  // codegen leaves an unchanged file alone; its time says when it was last checked.
  const now = new Date();
  for (const { output } of typedDocuments) utimesSync(output, now, now);
}
