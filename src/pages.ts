// The pages of web/ (built into web/dist by vite), served by the same server: the link's
// checkout at /selection/<hash1>/<hash2> (the default payment_link), the dashboard at /admin,
// and their hashed assets. Every page path answers the one index.html; the page reads the path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sirv from 'sirv';
import { projectRoot } from './paths.js';

export const WEB_DIST = join(projectRoot, 'web/dist');

/** Whether the pages answer this request (GET or HEAD of a page path or an asset). */
export function isPageRequest(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = (req.url ?? '/').split('?')[0]!;
  return path === '/admin' || path.startsWith('/admin/') || path.startsWith('/selection/') || path.startsWith('/assets/');
}

/**
 * The handler for page requests; a 503 saying how to build the pages when web/dist is missing
 * (`npm ci` and `npm start` build it). Assets have content hashes in their names and are cached
 * for a year; index.html is revalidated on every load, so a new build shows at once.
 */
export function pageHandler(dir: string = WEB_DIST): (req: IncomingMessage, res: ServerResponse) => void {
  if (!existsSync(join(dir, 'index.html'))) {
    return (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('The pages are not built: run `npm run build` (npm ci and npm start build them).\n');
    };
  }
  const serve = sirv(dir, {
    single: true,
    etag: true,
    setHeaders: (res, pathname) => {
      res.setHeader('cache-control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
    },
  });
  return (req, res) =>
    serve(req, res, () => {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
    });
}
