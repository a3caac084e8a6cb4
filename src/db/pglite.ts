// The embedded database: PGlite in a data directory that one process at a time may open, or in
// memory. A new one starts from a template, a tarball of an empty database with every
// migration applied (PGlite's dumpDataDir / loadDataDir), instead of running initdb and then
// the migrations: about 3 s less for a fresh DATA_DIR and for each test file. Scratch databases
// (the schema engine's shadow) start likewise from a tarball of a blank one.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { packageRoot, projectRoot } from '../paths.js';
import { localMigrations, migrate } from './migrate.js';
import type { SqlSession } from './migrate.js';

export interface Embedded {
  pglite: PGlite;
  factory: PrismaPGlite;
  session: SqlSession;
  /** Whether it was made from the template just now. */
  fromTemplate: boolean;
  close(): Promise<void>;
}

const templateDir = join(projectRoot, 'node_modules/.cache/linkcart');
const pgliteVersion = (
  JSON.parse(readFileSync(join(packageRoot(createRequire(import.meta.url).resolve('@electric-sql/pglite')), 'package.json'), 'utf8')) as { version: string }
).version;

export function sessionOf(pglite: PGlite): SqlSession {
  return {
    query: (sql, params) => pglite.query<Record<string, unknown>>(sql, params),
    exec: async (script) => {
      await pglite.exec(script);
    },
  };
}

/** The template's file, named by what it is made of: PGlite's version and every migration. */
export async function templatePath(): Promise<string> {
  const hash = createHash('sha256').update(pgliteVersion);
  for (const { name, sql } of await localMigrations()) hash.update(`\0${name}\0${sql.tag}\0${sql.value}`);
  return join(templateDir, `pglite-${hash.digest('hex').slice(0, 16)}.tar`);
}

/** An empty database as initdb leaves it, for scratch databases (the schema engine's shadow). */
const blankPath = () => join(templateDir, `pglite-blank-${pgliteVersion}.tar`);

async function writeAtomically(path: string, tarball: Blob) {
  await mkdir(templateDir, { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, new Uint8Array(await tarball.arrayBuffer()));
  await rename(partial, path);
}

/**
 * Makes the template (and the blank database) unless they are there already (run by `npm ci`
 * and before the tests); returns the template's path, and whether it was made now. Templates
 * of older migrations are removed. Safe to run from several processes at once.
 */
export async function buildTemplate(log: (message: string) => void = () => {}): Promise<{ path: string; made: boolean }> {
  const path = await templatePath();
  if (existsSync(path) && existsSync(blankPath())) return { path, made: false };
  const pglite = await PGlite.create('memory://');
  try {
    if (!existsSync(blankPath())) await writeAtomically(blankPath(), await pglite.dumpDataDir('none'));
    await migrate(sessionOf(pglite), migrationFactory(pglite), log);
    await writeAtomically(path, await pglite.dumpDataDir('none'));
  } finally {
    await pglite.close();
  }
  for (const name of await readdir(templateDir)) {
    const file = join(templateDir, name);
    if (name.startsWith('pglite-') && name.endsWith('.tar') && file !== path && file !== blankPath()) await rm(file, { force: true });
  }
  return { path, made: true };
}

async function readTarball(path: string): Promise<Blob | undefined> {
  try {
    return new Blob([await readFile(path)]);
  } catch {
    return undefined;
  }
}

/** A throwaway empty database in memory: a copy of the blank one when there is one (faster than initdb). */
export async function scratchDatabase(): Promise<PGlite> {
  const blank = await readTarball(blankPath());
  return PGlite.create('memory://', blank ? { loadDataDir: blank } : {});
}

/**
 * The driver adapter factory for migrations on `pglite`. Its shadow database, where the schema
 * engine replays migrations to compare schemas, is a scratch database that is closed when the
 * engine is done with it (the adapter's own would run initdb, and stay open).
 */
export function migrationFactory(pglite: PGlite): PrismaPGlite {
  return new (class extends PrismaPGlite {
    override async connectToShadowDb() {
      const shadow = await scratchDatabase();
      return Object.assign(await new PrismaPGlite(shadow).connect(), { dispose: () => shadow.close() });
    }
  })(pglite);
}

/**
 * Opens the embedded database in `dataDir` ('memory://' for a throwaway one), from the template
 * when the directory holds no database yet and a template of the current migrations exists.
 */
export async function openEmbedded(dataDir: string): Promise<Embedded> {
  const inMemory = dataDir.startsWith('memory://');
  const unlock = inMemory ? async () => {} : await lockDataDir(dataDir);
  try {
    const template = inMemory || !existsSync(join(dataDir, 'PG_VERSION')) ? await readTarball(await templatePath()) : undefined;
    const pglite = await PGlite.create(dataDir, template ? { loadDataDir: template } : {});
    return {
      pglite,
      factory: migrationFactory(pglite),
      session: sessionOf(pglite),
      fromTemplate: template !== undefined,
      async close() {
        await pglite.close();
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}

/**
 * Only one process may open a PGlite data directory: a second would corrupt it. A pid file
 * claims the directory; one left by a process that is gone is taken over.
 */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const pidFile = join(dir, 'linkcart.pid');
  try {
    await writeFile(pidFile, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number(await readFile(pidFile, 'utf8').catch(() => ''));
    if (owner && owner !== process.pid && isRunning(owner)) {
      throw new Error(`${dir} is in use by process ${owner}: the embedded database can be opened by one process at a time (stop it, or set DATABASE_URL)`);
    }
    await writeFile(pidFile, String(process.pid));
  }
  return () => rm(pidFile, { force: true });
}

/** Whether a process with this pid runs on this machine. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
