// Requests refused for their body before it is parsed: a POST must say its length (411), and
// one over the limit is refused (413). The 413 is written at once but the connection is ended
// only after the body has been read and dropped: closing a socket with unread data resets it,
// and a client still sending would see EPIPE or ECONNRESET instead of the answer.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bodies up to this size are read to the end before the 413's connection closes; larger ones are cut. */
export const DISCARD_BYTES = 64 * 1024 * 1024;
/** How long an over-limit body may take to arrive before its connection is cut. */
export const DISCARD_MS = 30_000;

/** Answers a POST whose body is refused and says why; null for one to be read. */
export function refuseBody(req: IncomingMessage, res: ServerResponse, limit: number): 'length_required' | 'body_too_large' | null {
  if (req.method !== 'POST') return null;
  const length = req.headers['content-length'];
  if (length === undefined && req.headers['transfer-encoding']) {
    res.writeHead(411, { 'content-type': 'text/plain', connection: 'close' }).end('Length Required\n');
    req.resume();
    return 'length_required';
  }
  const declared = Number(length);
  if (!(declared > limit)) return null;
  const message = `The body is larger than ${limit} bytes\n`;
  res.writeHead(413, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(message), connection: 'close' });
  if (declared > DISCARD_BYTES) {
    res.end(message);
    return 'body_too_large';
  }
  res.write(message);
  const cut = setTimeout(() => {
    res.end();
    req.destroy();
  }, DISCARD_MS).unref();
  req.on('end', () => {
    clearTimeout(cut);
    res.end();
  });
  req.on('error', () => clearTimeout(cut));
  req.resume();
  return 'body_too_large';
}
