// The outbox: every link event is a row written in the same transaction as the change it
// reports (DESIGN.md §1 step 6), announced to the subscribers once that transaction commits.
import { db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { LinkEventType } from '../generated/prisma/enums.js';
import { announceLinkEvents } from './stream.js';
import { v7 as uuidv7 } from 'uuid';

// Any constant: the key of the transaction-level advisory lock that orders event rows.
const OUTBOX_LOCK = 7_305_001;

export interface LinkEventInput {
  type: LinkEventType;
  linkId: string;
  claimId?: string | null;
  orderId?: string | null;
}

/**
 * Records events. Called as the LAST statement of a transaction: it takes a transaction-level
 * advisory lock held until commit, so sequence numbers are handed out in commit order and a
 * reader resuming "after sequence N" never misses a row that commits later with a smaller one.
 */
async function recordEvents(tx: Prisma.TransactionClient, events: LinkEventInput[]): Promise<bigint | undefined> {
  if (events.length === 0) return undefined;
  // One raw statement, not createManyAndReturn: Prisma plans that anew for every call. The
  // lock is an InitPlan in a one-time filter, so it is held before the first row is formed,
  // and so before any nextval of "sequence".
  const rows = await tx.$queryRaw<{ last: bigint }[]>`
    WITH written AS (
      INSERT INTO "LinkEvent" (id, type, "linkId", "claimId", "orderId")
      SELECT event.id, event.type::"LinkEventType", event."linkId", event."claimId", event."orderId"
      FROM unnest(
        ${events.map(() => uuidv7())}::uuid[], ${events.map((e) => e.type)}::text[], ${events.map((e) => e.linkId)}::uuid[],
        ${events.map((e) => e.claimId ?? null)}::uuid[], ${events.map((e) => e.orderId ?? null)}::uuid[]
      ) AS event(id, type, "linkId", "claimId", "orderId")
      WHERE (SELECT 1 FROM pg_advisory_xact_lock(${OUTBOX_LOCK})) = 1
      RETURNING sequence
    )
    SELECT max(sequence) AS last FROM written`;
  return rows[0]!.last;
}

export type RecordEvents = (events: LinkEventInput[]) => Promise<void>;

/**
 * Runs a transaction whose work may record link events (with `record`, as its last
 * statement), and announces them only after it committed: a rolled-back change announces
 * nothing, and an announcement never carries a transaction.
 */
export async function transactionWithEvents<T>(
  work: (tx: Prisma.TransactionClient, record: RecordEvents) => Promise<T>,
  options: { maxWait: number; timeout: number },
): Promise<T> {
  let committedUpTo: bigint | undefined;
  const result = await db().$transaction(
    (tx) => work(tx, async (events) => {
      committedUpTo = await recordEvents(tx, events);
    }),
    options,
  );
  if (committedUpTo !== undefined) announceLinkEvents(committedUpTo);
  return result;
}
