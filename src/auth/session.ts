// Storefront sessions: created by a claim; the token is returned once, its digest stored.
import type { Prisma } from '../generated/prisma/client.js';
import { digest, randomSecret } from './secrets.js';

export async function createSession(tx: Prisma.TransactionClient): Promise<{ sessionId: string; token: string }> {
  const token = randomSecret(32);
  const session = await tx.storefrontSession.create({ data: { tokenDigest: digest(token) }, select: { id: true } });
  return { sessionId: session.id, token };
}
