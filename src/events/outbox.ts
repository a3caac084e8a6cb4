// The outbox: every link event is a row written in the same transaction as the change it
// reports (DESIGN.md §1 step 6). Publishing the rows after commit lands with issue #4.
import type { Prisma } from '../generated/prisma/client.js';
import type { LinkEventType } from '../generated/prisma/enums.js';

// Any constant: the key of the transaction-level advisory lock that orders event rows.
const OUTBOX_LOCK = 7_305_001;

export interface LinkEventInput {
  type: LinkEventType;
  linkId: string;
  claimId?: string | null;
  orderId?: string | null;
}

/**
 * Records events. Call it as the LAST statement of a transaction: it takes a transaction-level
 * advisory lock held until commit, so sequence numbers are handed out in commit order and a
 * reader resuming "after sequence N" never misses a row that commits later with a smaller one.
 */
export async function recordEvents(tx: Prisma.TransactionClient, events: LinkEventInput[]): Promise<void> {
  if (events.length === 0) return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${OUTBOX_LOCK})`;
  await tx.linkEvent.createMany({
    data: events.map((e) => ({ type: e.type, linkId: e.linkId, claimId: e.claimId ?? null, orderId: e.orderId ?? null })),
  });
}
