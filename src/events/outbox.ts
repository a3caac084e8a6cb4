// The outbox: every link event is a row written in the same transaction as the change it
// reports (DESIGN.md §1 step 6), announced to the subscribers once that transaction commits.
import { db } from '../db/client.js';
import type { Tx } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
import type { LinkEventType } from '../generated/prisma/enums.js';
import { v7 as uuidv7 } from 'uuid';

export interface LinkEventInput {
  type: LinkEventType;
  linkId: string;
  claimId?: string | null;
  orderId?: string | null;
}

/**
 * The INSERT of event rows, written where `when` holds. Their sequence numbers are provisional
 * until commit: a deferred trigger (migration outbox_commit_order) renumbers them while the
 * transaction commits, under an advisory lock held to the end of the commit, so numbers become
 * visible in increasing order and a reader resuming "after sequence N" never misses a row that
 * commits later. No lock is taken here, so this may be any statement of the transaction.
 * One raw statement, not createMany: Prisma plans that anew for every call.
 */
function insertEvents(events: LinkEventInput[], when: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO "LinkEvent" (id, type, "linkId", "claimId", "orderId")
    SELECT event.id, event.type::"LinkEventType", event."linkId", event."claimId", event."orderId"
    FROM unnest(
      ${events.map(() => uuidv7())}::uuid[], ${events.map((e) => e.type)}::text[], ${events.map((e) => e.linkId)}::uuid[],
      ${events.map((e) => e.claimId ?? null)}::uuid[], ${events.map((e) => e.orderId ?? null)}::uuid[]
    ) WITH ORDINALITY AS event(id, type, "linkId", "claimId", "orderId", position)
    WHERE ${when}
    ORDER BY event.position`;
}

/** Records link events in the transaction that makes the change they report. */
export interface RecordEvents {
  (events: LinkEventInput[]): Promise<void>;
  /**
   * The same rows as a data-modifying WITH query, for a statement that writes them beside
   * the rows they report (one round trip fewer); written only where `when` holds.
   */
  within(events: LinkEventInput[], when: Prisma.Sql): Prisma.Sql;
}

/** Tells the subscribers that link events were committed: the app's event stream. */
export interface LinkEventAnnouncer {
  /** Never throws. */
  announce(): void;
}

/**
 * Runs a transaction whose work may record link events (with `record`), and announces them
 * through `events` only after it committed: a rolled-back change announces nothing, and an
 * announcement never carries a transaction.
 */
export async function transactionWithEvents<T>(
  events: LinkEventAnnouncer,
  work: (tx: Tx, record: RecordEvents) => Promise<T>,
  options: { maxWait: number; timeout: number },
): Promise<T> {
  let recorded = false;
  const result = await db().$transaction((tx) => {
    const record: RecordEvents = Object.assign(
      async (events: LinkEventInput[]) => {
        if (events.length === 0) return;
        await tx.$executeRaw(insertEvents(events, Prisma.sql`true`));
        recorded = true;
      },
      {
        within: (events: LinkEventInput[], when: Prisma.Sql) => {
          recorded = true;
          return insertEvents(events, when);
        },
      },
    );
    return work(tx, record);
  }, options);
  if (recorded) events.announce();
  return result;
}
