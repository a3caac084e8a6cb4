// Customers: who selections and orders are for, as each caller may see them and find them.
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Caller } from '../auth/caller.js';
import type { Tx } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';

/**
 * A customer as this caller may see it: the names given for this selection or order, and
 * only for admins the names stored on the customer (a session never learns those). A session
 * sees an id of its own for the customer, so that it cannot tell whether an e-mail address
 * was a customer already, or since when (stored ids are time-ordered).
 */
export function customerAsSeenBy<C extends { id: string; firstName: string | null; lastName: string | null }>(
  caller: Caller,
  stored: C,
  given: { customerFirstName: string | null; customerLastName: string | null },
): C {
  const id = caller.kind === 'admin' ? stored.id : sessionScopedId(stored.id, caller);
  // The names go together: given ones, else (for admins) stored ones, never a mix.
  if (given.customerFirstName !== null || given.customerLastName !== null) {
    return { ...stored, id, firstName: given.customerFirstName, lastName: given.customerLastName };
  }
  return caller.kind === 'admin' ? stored : { ...stored, id, firstName: null, lastName: null };
}

function sessionScopedId(customerId: string, caller: Caller): string {
  const scope = caller.kind === 'session' ? caller.sessionId : 'anonymous';
  return createHash('sha256').update(`${scope}:${customerId}`).digest('base64url').slice(0, 22);
}

/**
 * Finds or creates the customer with this e-mail. Only an admin's names update a stored
 * customer: a storefront session creates one at most, so it can neither change nor learn
 * what is stored for someone else's address. One INSERT … ON CONFLICT, so that buyers giving
 * the same new address at once all get the one customer (Prisma's upsert reads, then inserts:
 * all but the first of them failed on the unique e-mail).
 */
export async function upsertCustomer(tx: Tx, email: string, names: { firstName?: string | null; lastName?: string | null }, byAdmin: boolean) {
  const [customer] = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO "Customer" (id, email, "firstName", "lastName")
    VALUES (${uuidv7()}::uuid, ${email}, ${names.firstName ?? null}, ${names.lastName ?? null})
    ON CONFLICT (email) DO UPDATE SET
      "firstName" = CASE WHEN ${byAdmin} THEN COALESCE(EXCLUDED."firstName", "Customer"."firstName") ELSE "Customer"."firstName" END,
      "lastName" = CASE WHEN ${byAdmin} THEN COALESCE(EXCLUDED."lastName", "Customer"."lastName") ELSE "Customer"."lastName" END
    RETURNING id`;
  return customer!;
}

/** Customers whose e-mail or names contain `search` (any case); all of them when it is empty. */
export function customersMatching(search: string | null | undefined): Prisma.CustomerWhereInput {
  const text = (search ?? '').trim();
  if (text === '') return {};
  const contains = { contains: text, mode: 'insensitive' as const };
  return { OR: [{ email: contains }, { firstName: contains }, { lastName: contains }] };
}
