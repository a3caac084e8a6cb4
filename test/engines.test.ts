// `npm ci` installs nothing that refuses the Node version the project names (package.json
// "engines", the README's "Node.js 20.19 or later"): no EBADENGINE warnings, and nothing on the
// request path that its own authors only support on a newer Node.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: Record<string, string> | string[] }>;
};

describe('Node versions', () => {
  const oldest = semver.minVersion(manifest.engines.node)!.version;

  it('the project names Node 20.19 or later, as the README says', () => {
    expect(oldest).toBe('20.19.0');
    expect(readFileSync(resolve(root, 'README.md'), 'utf8')).toContain('Node.js 20.19 or later');
  });

  it.each([oldest, process.versions.node])('every locked package accepts Node %s', (node) => {
    const refusing = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (path === '' || wanted === undefined || semver.satisfies(node, wanted)) return [];
      return [`${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${wanted}`];
    });
    expect(refusing).toEqual([]);
  });
});
