// Stored admin keys (besides the ADMIN_API_KEY bootstrap key).
import { db } from '../db/client.js';
import { ValidationFailed } from '../services/errors.js';
import { checkCode } from '../services/validate.js';
import { digest, randomSecret } from './secrets.js';

/** Creates a named admin key and returns it: the only time it is ever shown. */
export async function createAdminKey(name: string): Promise<string> {
  checkCode(name, ['name']);
  const key = `lc_admin_${randomSecret(32)}`;
  const existing = await db().adminKey.findUnique({ where: { name } });
  if (existing) throw new ValidationFailed(`An admin key named "${name}" exists already`, ['name']);
  await db().adminKey.create({ data: { name, digest: digest(key) } });
  return key;
}
