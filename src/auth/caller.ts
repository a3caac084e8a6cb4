// Who is calling: resolved once per request (HTTP headers) or per socket (connectionParams),
// by the same function (DESIGN.md §2). No credentials at all is an anonymous caller; a
// credential that is sent must be valid, or the request is refused as unauthenticated with a
// message naming the header (a typo must not silently turn an admin into a stranger).
import type { Clock } from './rate-limit.js';
import { db } from '../db/client.js';
import { digest, sameDigest, toHex } from './secrets.js';

export type Caller =
  /** keyId: the stored key's id; for ADMIN_API_KEY 'bootstrap-' and 16 hex digits of its digest, so that a new one is another key. */
  | { kind: 'admin'; keyName: string; keyId: string }
  | { kind: 'session'; sessionId: string }
  | { kind: 'anonymous' };

export const anonymous: Caller = { kind: 'anonymous' };

export interface Credentials {
  /** "Bearer <admin key>" */
  authorization?: string | null;
  /** The storefront session token from claimSelection. */
  sessionToken?: string | null;
}

/** The header (or connectionParams entry) whose credential was refused. */
export type CredentialHeader = 'Authorization' | 'X-Session-Token';

/** A credential was sent and is malformed, unknown or revoked. */
export class Unauthenticated extends Error {
  override name = 'Unauthenticated';
  constructor(
    readonly header: CredentialHeader,
    message: string,
  ) {
    super(message);
  }
}

export interface CallerResolver {
  /** The caller these credentials prove; throws Unauthenticated for a bad credential. */
  resolve(credentials: Credentials): Promise<Caller>;
}

const MAX_SECRET_LENGTH = 512;
const CACHE_TTL_MS = 10_000;
const CACHE_MAX = 10_000;
/** Session tokens are base64url (auth/session.ts); anything else cannot be one. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,512}$/;

export const CREDENTIAL_ERRORS = {
  notBearer: new Unauthenticated('Authorization', 'The Authorization header must be "Bearer <admin key>".'),
  unknownKey: new Unauthenticated('Authorization', 'The admin key in the Authorization header is not valid: it is unknown or was revoked.'),
  malformedToken: new Unauthenticated('X-Session-Token', 'The X-Session-Token header is not a session token: send the sessionToken that claimSelection returned.'),
  unknownToken: new Unauthenticated('X-Session-Token', 'The X-Session-Token header names no session: send the sessionToken that claimSelection returned.'),
} as const;

/** A header that is missing, empty or only blanks was not sent. */
const sent = (value: string | null | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);

/**
 * Resolves credentials to a caller. Stored keys and sessions are looked up by digest and
 * remembered for a few seconds, so a busy client costs one lookup, not one per request.
 */
export function createCallerResolver(bootstrapAdminKey: string | undefined, now: Clock = Date.now): CallerResolver {
  const bootstrapDigest = bootstrapAdminKey ? digest(bootstrapAdminKey) : undefined;
  const bootstrapId = bootstrapDigest && `bootstrap-${toHex(bootstrapDigest).slice(0, 16)}`;
  const cache = new Map<string, { caller: Caller; expires: number }>();

  async function cached(key: string, load: () => Promise<Caller>): Promise<Caller> {
    const at = now();
    const hit = cache.get(key);
    if (hit && hit.expires > at) return hit.caller;
    const caller = await load();
    if (cache.size >= CACHE_MAX) cache.clear();
    if (caller.kind !== 'anonymous') cache.set(key, { caller, expires: at + CACHE_TTL_MS });
    return caller;
  }

  async function admin(authorization: string): Promise<Caller> {
    const key = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!key) throw CREDENTIAL_ERRORS.notBearer;
    if (key.length > MAX_SECRET_LENGTH) throw CREDENTIAL_ERRORS.unknownKey;
    const keyDigest = digest(key);
    if (bootstrapDigest && sameDigest(keyDigest, bootstrapDigest)) return { kind: 'admin', keyName: 'ADMIN_API_KEY', keyId: bootstrapId! };
    const caller = await cached(`a:${toHex(keyDigest)}`, async () => {
      const stored = await db().adminKey.findUnique({ where: { digest: keyDigest } });
      return stored && !stored.revokedAt ? { kind: 'admin', keyName: stored.name, keyId: stored.id } : anonymous;
    });
    if (caller.kind === 'anonymous') throw CREDENTIAL_ERRORS.unknownKey;
    return caller;
  }

  async function session(token: string): Promise<Caller> {
    if (!TOKEN_SHAPE.test(token)) throw CREDENTIAL_ERRORS.malformedToken;
    const tokenDigest = digest(token);
    const caller = await cached(`s:${toHex(tokenDigest)}`, async () => {
      const stored = await db().storefrontSession.findUnique({ where: { tokenDigest }, select: { id: true } });
      return stored ? { kind: 'session', sessionId: stored.id } : anonymous;
    });
    if (caller.kind === 'anonymous') throw CREDENTIAL_ERRORS.unknownToken;
    return caller;
  }

  return {
    async resolve(credentials) {
      const authorization = sent(credentials.authorization);
      const token = sent(credentials.sessionToken);
      // Both are checked when both are sent, the admin key first; a valid one decides.
      const asAdmin = authorization === undefined ? undefined : await admin(authorization);
      const asSession = token === undefined ? undefined : await session(token);
      return asAdmin ?? asSession ?? anonymous;
    },
  };
}
