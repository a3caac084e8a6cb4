// Secrets (admin keys, session tokens, hash2) are random, shown once, and stored only as
// SHA-256 digests, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function digest(secret: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(secret, 'utf8').digest());
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Constant-time equality of two digests; a length mismatch is simply false. */
export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A URL-safe random secret with `bytes` × 8 bits of entropy. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
