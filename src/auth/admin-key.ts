// Stored admin keys (besides the ADMIN_API_KEY bootstrap key).
import { db } from '../db/client.js';
import { digest, randomSecret } from './secrets.js';

/** Another admin key has this name. */
export class AdminKeyNameTaken extends Error {
  override name = 'AdminKeyNameTaken';
  constructor(keyName: string) {
    super(`An admin key named "${keyName}" exists already`);
  }
}

/**
 * Creates a named admin key and returns it: the only time it is ever shown. The name is a code
 * (services/validate.ts checkCode), which the caller checks: auth/ does not reach into services/.
 */
export async function createAdminKey(name: string): Promise<string> {
  const key = `lc_admin_${randomSecret(32)}`;
  const existing = await db().adminKey.findUnique({ where: { name } });
  if (existing) throw new AdminKeyNameTaken(name);
  await db().adminKey.create({ data: { name, digest: digest(key) } });
  return key;
}

/** Whether an admin can sign in at all: ADMIN_API_KEY is set, or a stored key is not revoked. */
export async function anyAdminKey(bootstrapKey: string | undefined): Promise<boolean> {
  return Boolean(bootstrapKey) || (await db().adminKey.count({ where: { revokedAt: null } })) > 0;
}

/**
 * The key of a first development start, when no admin key exists: stored like any other (named
 * "development-<time>"), and returned this once so that the start can print a sign-in link.
 */
export async function createFirstRunKey(now: Date = new Date()): Promise<string> {
  return createAdminKey(`development-${now.toISOString().replace(/\D/g, '').slice(0, 14)}`);
}
