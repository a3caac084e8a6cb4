// Where the project's own files are, whether this code runs from src/ (tsx, vitest) or bundled
// into dist/ (npm start).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The nearest folder at or above `from` with a package.json. */
export function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The folder with package.json, prisma/ and node_modules/. */
export const projectRoot = packageRoot(import.meta.dirname);
