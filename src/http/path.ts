// The path of a request as the server routes it: the request target up to its query.
import type { IncomingMessage } from 'node:http';

export const pathOf = (req: IncomingMessage): string => (req.url ?? '/').split('?')[0]!;
