// The outbox: every link event is a row written in the same transaction as the change it
// reports (DESIGN.md §1 step 6), announced to the subscribers once that transaction commits.
import { db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { LinkEventType } from '../generated/prisma/enums.js';
import { announceLinkEvents } from './stream.js';
import { v7 as uuidv7 } from 'uuid';

export interface LinkEventInput {
  type: LinkEventType;
  linkId: string;
  claimId?: string | null;
  orderId?: string | null;
}

/**
 * Writes event rows. Their sequence numbers are provisional until commit: a deferred trigger
 * (migration outbox_commit_order) renumbers them while the transaction commits, under an
 * advisory lock held to the end of the commit, so numbers become visible in increasing order
 * and a reader resuming "after sequence N" never misses a row that commits later. No lock is
 * taken here, so this may be any statement of the transaction.
 */
async function recordEvents(tx: Prisma.TransactionClient, events: LinkEventInput[]): Promise<void> {
  // One raw statement, not createMany: Prisma plans that anew for every call.
  await tx.$executeRaw`
    INSERT INTO "LinkEvent" (id, type, "linkId", "claimId", "orderId")
    SELECT event.id, event.type::"LinkEventType", event."linkId", event."claimId", event."orderId"
    FROM unnest(
      ${events.map(() => uuidv7())}::uuid[], ${events.map((e) => e.type)}::text[], ${events.map((e) => e.linkId)}::uuid[],
      ${events.map((e) => e.claimId ?? null)}::uuid[], ${events.map((e) => e.orderId ?? null)}::uuid[]
    ) WITH ORDINALITY AS event(id, type, "linkId", "claimId", "orderId", position)
    ORDER BY event.position`;
}

export type RecordEvents = (events: LinkEventInput[]) => Promise<void>;

/**
 * Runs a transaction whose work may record link events (with `record`), and announces them
 * only after it committed: a rolled-back change announces nothing, and an announcement never
 * carries a transaction.
 */
export async function transactionWithEvents<T>(
  work: (tx: Prisma.TransactionClient, record: RecordEvents) => Promise<T>,
  options: { maxWait: number; timeout: number },
): Promise<T> {
  let recorded = false;
  const result = await db().$transaction(
    (tx) => work(tx, async (events) => {
      if (events.length === 0) return;
      await recordEvents(tx, events);
      recorded = true;
    }),
    options,
  );
  if (recorded) announceLinkEvents();
  return result;
}
