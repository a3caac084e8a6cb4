// Who is calling: resolved once per request (HTTP headers) or per socket (connectionParams),
// by the same function (DESIGN.md §2).
import { db } from '../db/client.js';
import { digest, sameDigest, toHex } from './secrets.js';

export type Caller =
  | { kind: 'admin'; keyName: string }
  | { kind: 'session'; sessionId: string }
  | { kind: 'anonymous' };

export const anonymous: Caller = { kind: 'anonymous' };

export interface Credentials {
  /** "Bearer <admin key>" */
  authorization?: string | null;
  /** The storefront session token from claimSelection. */
  sessionToken?: string | null;
}

export interface CallerResolver {
  resolve(credentials: Credentials): Promise<Caller>;
}

const MAX_SECRET_LENGTH = 512;
const CACHE_TTL_MS = 10_000;
const CACHE_MAX = 10_000;

/**
 * Resolves credentials to a caller. Stored keys and sessions are looked up by digest and
 * remembered for a few seconds, so a busy client costs one lookup, not one per request.
 * Credentials that match nothing make the caller anonymous.
 */
export function createCallerResolver(bootstrapAdminKey: string | undefined): CallerResolver {
  const bootstrapDigest = bootstrapAdminKey ? digest(bootstrapAdminKey) : undefined;
  const cache = new Map<string, { caller: Caller; expires: number }>();

  async function cached(key: string, load: () => Promise<Caller>): Promise<Caller> {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expires > now) return hit.caller;
    const caller = await load();
    if (cache.size >= CACHE_MAX) cache.clear();
    if (caller.kind !== 'anonymous') cache.set(key, { caller, expires: now + CACHE_TTL_MS });
    return caller;
  }

  async function admin(key: string): Promise<Caller> {
    const keyDigest = digest(key);
    if (bootstrapDigest && sameDigest(keyDigest, bootstrapDigest)) return { kind: 'admin', keyName: 'ADMIN_API_KEY' };
    return cached(`a:${toHex(keyDigest)}`, async () => {
      const stored = await db().adminKey.findUnique({ where: { digest: keyDigest } });
      return stored && !stored.revokedAt ? { kind: 'admin', keyName: stored.name } : anonymous;
    });
  }

  async function session(token: string): Promise<Caller> {
    const tokenDigest = digest(token);
    return cached(`s:${toHex(tokenDigest)}`, async () => {
      const stored = await db().storefrontSession.findUnique({ where: { tokenDigest }, select: { id: true } });
      return stored ? { kind: 'session', sessionId: stored.id } : anonymous;
    });
  }

  return {
    async resolve({ authorization, sessionToken }) {
      const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
      if (bearer && bearer.length <= MAX_SECRET_LENGTH) {
        const caller = await admin(bearer);
        if (caller.kind === 'admin') return caller;
      }
      const token = sessionToken?.trim();
      if (token && token.length <= MAX_SECRET_LENGTH) return session(token);
      return anonymous;
    },
  };
}
