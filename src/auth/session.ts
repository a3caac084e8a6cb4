// Storefront sessions: created by a claim; the token is returned once, its digest stored.
import { digest, randomSecret } from './secrets.js';

/** A new session token (256 random bits) and the digest that is stored in its place. */
export function newSessionToken(): { token: string; tokenDigest: Uint8Array<ArrayBuffer> } {
  const token = randomSecret(32);
  return { token, tokenDigest: digest(token) };
}
