// Shareable links: issued and revoked by admins, claimed by anyone holding both hashes
// (DESIGN.md §1 steps 2–3).
import ipaddr from 'ipaddr.js';
import type { Caller } from '../auth/caller.js';
import { digest, randomSecret, sameDigest } from '../auth/secrets.js';
import { newSessionToken } from '../auth/session.js';
import { TRANSACTION, isUniqueViolation } from '../db/client.js';
import type { Tx } from '../db/client.js';
import { lockLink, lockSelection, shareLinkByHash1 } from '../db/locks.js';
import type { LinkState } from '../db/locks.js';
import { transactionWithEvents } from '../events/outbox.js';
import type { LinkEventAnnouncer, LinkEventInput, RecordEvents } from '../events/outbox.js';
import { Prisma } from '../generated/prisma/client.js';
import type { ShareableLinkStatus } from '../generated/prisma/enums.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import { LinkUnavailable, NotFound, RateLimited, SelectionStateFailed, ValidationFailed } from './errors.js';
import { requireShipping } from './selection.js';
import { PAYMENT_LINK } from './static.js';
import { LIMITS, checkQuantity, isUuid } from './validate.js';
import { v7 as uuidv7 } from 'uuid';

/** hash1: 96 random bits, public. hash2: 256 random bits, secret, stored as SHA-256 only. */
const HASH1_BYTES = 12;
const HASH2_BYTES = 32;
const HASH_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

// Compared against when hash1 matches nothing, so every LINK_NOT_FOUND costs the same work.
const NO_DIGEST = digest('no link has this digest');

export interface IssueShareableLinkInput {
  selectionId: string;
  lockItems: boolean;
  ignoreShipping?: boolean | null;
  ignoreTax?: boolean | null;
  expiresAt?: Date | null;
  maxOrders?: number | null;
}

/**
 * The rule of a link's order quota: with maxOrders set, once that many orders came from its
 * claims every other copy is refused at placeOrder (LINK_USED). Without it the seed's rule
 * holds: earlier claimants may still buy, stock permitting.
 */
export function quotaReached(link: { maxOrders: number | null }, orders: number): boolean {
  return link.maxOrders !== null && orders >= link.maxOrders;
}

export const linkUsed = () => new LinkUnavailable('LINK_USED', 'This link was already used for a purchase');

export interface IssuedLink {
  linkId: string;
  hash2: string;
  url: string;
}

/** The payment_link static, or PUBLIC_URL/selection/%basket%/%hash%, with the hashes filled in. */
function linkUrl(template: string | undefined, publicUrl: string, hash1: string, hash2: string): string {
  return (template ?? `${publicUrl}/selection/%basket%/%hash%`)
    .replaceAll('%basket%', encodeURIComponent(hash1))
    .replaceAll('%hash%', encodeURIComponent(hash2));
}

/**
 * Issues a link to an admin-built selection. An ACTIVE link of the same selection is revoked
 * (the link is re-sent). Refused for an empty selection (SELECTION_EMPTY) or one whose country
 * cannot be shipped to (SHIPPING_UNAVAILABLE): caught now, not at the customer's checkout.
 */
export async function issueShareableLink(events: LinkEventAnnouncer, input: IssueShareableLinkInput, publicUrl: string): Promise<IssuedLink> {
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new ValidationFailed('expiresAt must be in the future', ['input', 'expiresAt']);
  }
  if (input.maxOrders != null) checkQuantity(input.maxOrders, ['input', 'maxOrders'], 1, LIMITS.linkOrders);
  if (!isUuid(input.selectionId)) throw new NotFound('No such selection');
  return transactionWithEvents(events, async (tx, record) => {
    const selection = await lockSelection(tx, input.selectionId);
    if (!selection) throw new NotFound('No such selection');
    if (selection.sessionId !== null) {
      throw new ValidationFailed('Only an admin-built selection can be shared, not a claimed copy', ['input', 'selectionId']);
    }
    if (selection.status !== 'OPEN') throw new SelectionStateFailed('SELECTION_CLOSED', `The selection is ${selection.status.toLowerCase()}`);
    const items = await tx.selectionItem.count({ where: { selectionId: selection.id } });
    if (items === 0) throw new SelectionStateFailed('SELECTION_EMPTY', 'The selection has no items to share');
    await requireShipping(tx, selection.marketId, selection.pricelistId, selection.countryCode);
    const template = await tx.static.findUnique({ where: { name: PAYMENT_LINK }, select: { content: true } });

    const revoked = await revokeActiveLinksOf(tx, selection.id);
    const hash1 = randomSecret(HASH1_BYTES);
    const hash2 = randomSecret(HASH2_BYTES);
    const link = await tx.shareableLink.create({
      data: {
        hash1,
        hash2Digest: digest(hash2),
        selectionId: selection.id,
        lockItems: input.lockItems,
        maxOrders: input.maxOrders ?? null,
        ignoreShipping: input.ignoreShipping ?? false,
        ignoreTax: input.ignoreTax ?? false,
        expiresAt: input.expiresAt ?? null,
      },
      select: { id: true },
    });
    await record([...revoked, { type: 'ISSUED', linkId: link.id }]);
    return { linkId: link.id, hash2, url: linkUrl(template?.content, publicUrl, hash1, hash2) };
  }, TRANSACTION.change);
}

/**
 * Revokes the ACTIVE link of an admin selection (re-issued, or ordered directly) and returns
 * the REVOKED events to record.
 */
export async function revokeActiveLinksOf(tx: Tx, selectionId: string): Promise<LinkEventInput[]> {
  const active = await tx.shareableLink.findMany({ where: { selectionId, status: 'ACTIVE' }, select: { id: true } });
  if (active.length === 0) return [];
  await tx.shareableLink.updateMany({ where: { id: { in: active.map((l) => l.id) } }, data: { status: 'REVOKED', revokedAt: new Date() } });
  return active.map((l) => ({ type: 'REVOKED' as const, linkId: l.id }));
}

/** Revokes an ACTIVE link: later claims get LINK_REVOKED; copies already claimed stay. */
export async function revokeShareableLink(events: LinkEventAnnouncer, input: { linkId: string }): Promise<{ linkId: string }> {
  if (!isUuid(input.linkId)) throw new NotFound('No such link');
  return transactionWithEvents(events, async (tx, record) => {
    const link = await lockLink(tx, input.linkId);
    if (!link) throw new NotFound('No such link');
    const unavailable = unavailableReason(link);
    if (unavailable) throw unavailable;
    await tx.shareableLink.update({ where: { id: link.id }, data: { status: 'REVOKED', revokedAt: new Date() } });
    await record([{ type: 'REVOKED', linkId: link.id }]);
    return { linkId: link.id };
  }, TRANSACTION.change);
}

/**
 * The rule of a link's status: an ACTIVE link past its expiresAt shows EXPIRED. As the status
 * of a link already read, and as the where clause of the links that show a status (null: all).
 */
export function effectiveStatus(link: { status: ShareableLinkStatus; expiresAt: Date | null }, now = new Date()): ShareableLinkStatus {
  return link.status === 'ACTIVE' && link.expiresAt !== null && link.expiresAt <= now ? 'EXPIRED' : link.status;
}

export function linksShowing(status: ShareableLinkStatus | null | undefined, now = new Date()): Prisma.ShareableLinkWhereInput {
  switch (status) {
    case 'ACTIVE':
      return { status, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
    case 'EXPIRED':
      return { OR: [{ status }, { status: 'ACTIVE', expiresAt: { lte: now } }] };
    case null:
    case undefined:
      return {};
    default:
      return { status };
  }
}

function unavailableReason(link: LinkState): LinkUnavailable | null {
  switch (effectiveStatus(link)) {
    case 'CONSUMED':
      return linkUsed();
    case 'REVOKED':
      return new LinkUnavailable('LINK_REVOKED', 'This link was revoked');
    case 'EXPIRED':
      return new LinkUnavailable('LINK_EXPIRED', 'This link has expired');
    default:
      return null;
  }
}

export interface ClaimResult {
  claimId: string;
  selectionId: string;
  sessionToken: string;
}

const notFound = () => new LinkUnavailable('LINK_NOT_FOUND', 'No link matches these hashes');

/**
 * The client a failed claim counts against: its IPv4 address, or for IPv6 its /64 network, which
 * one subscriber usually holds whole (one count per address would give a guesser 2^64 of them).
 * A port a proxy appended is dropped; anything that is not an address counts as one client.
 */
export function clientKey(address: string): string {
  const bare = /^\[(.+)\](?::\d+)?$/.exec(address)?.[1] ?? /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(address)?.[1] ?? address;
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare).toString();
  if (!ipaddr.IPv6.isValid(bare)) return 'unparsed';
  const parsed = ipaddr.IPv6.parse(bare);
  if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
  return `${new ipaddr.IPv6([...parsed.parts.slice(0, 4), 0, 0, 0, 0]).toNormalizedString()}/64`;
}

/**
 * Claims under the rate limit (DESIGN.md §2): failed claims (LINK_NOT_FOUND) are counted per
 * client (clientKey); past the limit every claim from that client is RATE_LIMITED for the rest
 * of the window — a right pair too, so that guessing cannot tell when it hit. Never per hash1:
 * hash1 is the public half of a link, and counting on it would let strangers lock a customer
 * out of a link they were sent.
 */
export async function claimSelectionLimited<T>(limiter: RateLimiter, clientAddress: string, claim: () => Promise<T>): Promise<T> {
  const keys = [`claim:address:${clientKey(clientAddress)}`];
  const wait = await limiter.retryAfter(keys);
  if (wait > 0) throw new RateLimited(wait);
  try {
    return await claim();
  } catch (error) {
    if (error instanceof LinkUnavailable && error.code === 'LINK_NOT_FOUND') await limiter.fail(keys);
    throw error;
  }
}

/**
 * Claims a link: copies its selection (items, custom lines too, with their prices and price
 * locks, market, pricelist, country, customer, the earlier order it is for, and the link's options) for the caller and returns the
 * session token. A session that already claimed this link gets that claim back.
 *
 * The link row is read FOR SHARE: claims run side by side, but never alongside the purchase
 * that may consume the link (which locks it FOR NO KEY UPDATE first), so each claim lands
 * wholly before it (a copy) or after it (LINK_USED).
 */
export async function claimSelection(
  events: LinkEventAnnouncer,
  caller: Caller,
  input: { hash1: string; hash2: string },
  sessionToken: string | null,
): Promise<ClaimResult> {
  try {
    return await claimOnce(events, caller, input, sessionToken);
  } catch (error) {
    // The same session claimed the same link twice at once: the second finds the first's claim.
    if (caller.kind === 'session' && isUniqueViolation(error)) return claimOnce(events, caller, input, sessionToken);
    throw error;
  }
}

async function claimOnce(events: LinkEventAnnouncer, caller: Caller, input: { hash1: string; hash2: string }, sessionToken: string | null): Promise<ClaimResult> {
  const wellFormed = HASH_PATTERN.test(input.hash1) && HASH_PATTERN.test(input.hash2);
  const offered = digest(wellFormed ? input.hash2 : '');
  return transactionWithEvents(events, async (tx, record) => {
    // A malformed pair is looked up too (as a hash1 no link has), so that every kind of
    // LINK_NOT_FOUND does the same work and takes about the same time.
    const link = await shareLinkByHash1(tx, wellFormed ? input.hash1 : '');
    const matches = sameDigest(offered, link?.hash2Digest ?? NO_DIGEST);
    if (!link || !matches || !wellFormed) throw notFound();

    if (caller.kind === 'session' && sessionToken) {
      const existing = await tx.claim.findUnique({
        where: { linkId_sessionId: { linkId: link.id, sessionId: caller.sessionId } },
        select: { id: true, selectionId: true },
      });
      if (existing) return { claimId: existing.id, selectionId: existing.selectionId, sessionToken };
    }
    const unavailable = unavailableReason(link);
    if (unavailable) throw unavailable;
    if (!link.selectionId) throw linkUsed();

    return copyForClaim(tx, record, caller, sessionToken, link as typeof link & { selectionId: string });
  }, TRANSACTION.change);
}

/**
 * The copy, as one statement: a new session (unless the caller holds one), the selection with
 * the link's options, its lines, the claim and its CLAIMED event. A claim is the hot path when a
 * link goes out to many people at once, and each statement is a round trip inside the transaction.
 *
 * The lines keep the original's order (createdAt is copied, and ids break ties): every line of
 * one copy gets the same uuid v7 with its position, 0 to 499, in the 12 bits uuid v7 leaves
 * for a counter (RFC 9562, 6.2, method 1), so the copy's ids sort as the original's lines.
 */
async function copyForClaim(
  tx: Tx,
  record: RecordEvents,
  caller: Caller,
  sessionToken: string | null,
  link: { id: string; selectionId: string; lockItems: boolean; ignoreShipping: boolean; ignoreTax: boolean },
): Promise<ClaimResult> {
  // A storefront that already holds a session keeps it; anyone else gets a new one.
  const held = caller.kind === 'session' && sessionToken ? { sessionId: caller.sessionId, token: sessionToken } : null;
  const { token, tokenDigest } = held ? { token: held.token, tokenDigest: null } : newSessionToken();
  const sessionId = held?.sessionId ?? uuidv7();
  const [copyId, linesId, claimId] = [uuidv7(), uuidv7(), uuidv7()];
  const rows = await tx.$queryRaw<{ claimed: number }[]>`
    WITH session AS (
      INSERT INTO "StorefrontSession" (id, "tokenDigest")
      SELECT ${sessionId}::uuid, ${tokenDigest} WHERE ${held === null}
    ), copy AS (
      INSERT INTO "Selection" (id, "marketId", "pricelistId", "countryCode", "customerId", "customerFirstName", "customerLastName",
                               "relatedOrderId", "sessionId", locked, "ignoreShipping", "ignoreTax", "updatedAt")
      SELECT ${copyId}::uuid, "marketId", "pricelistId", "countryCode", "customerId", "customerFirstName", "customerLastName",
             "relatedOrderId", ${sessionId}::uuid, ${link.lockItems}, ${link.ignoreShipping}, ${link.ignoreTax}, now()
      FROM "Selection" WHERE id = ${link.selectionId}::uuid
      RETURNING id
    ), lines AS (
      INSERT INTO "SelectionItem" (id, "selectionId", kind, "variantId", name, sku, taxable, quantity, "unitPrice", "priceLocked", "createdAt")
      SELECT overlay(${linesId}::text PLACING lpad(to_hex(line.position), 3, '0') FROM 16 FOR 3)::uuid,
             ${copyId}::uuid, line.kind, line."variantId", line.name, line.sku, line.taxable, line.quantity, line."unitPrice", line."priceLocked", line."createdAt"
      FROM (
        SELECT *, row_number() OVER (ORDER BY "createdAt", id) - 1 AS position
        FROM "SelectionItem" WHERE "selectionId" = ${link.selectionId}::uuid
      ) AS line
    ), claim AS (
      INSERT INTO "Claim" (id, "linkId", "sessionId", "selectionId")
      SELECT ${claimId}::uuid, ${link.id}::uuid, ${sessionId}::uuid, id FROM copy
      RETURNING id
    ), event AS (
      ${record.within([{ type: 'CLAIMED', linkId: link.id, claimId }], Prisma.sql`EXISTS (SELECT 1 FROM claim)`)}
    )
    SELECT count(*)::int AS claimed FROM claim`;
  if (rows[0]!.claimed !== 1) throw new Error(`The selection ${link.selectionId} of link ${link.id} is missing: nothing was copied`);
  return { claimId, selectionId: copyId, sessionToken: token };
}
