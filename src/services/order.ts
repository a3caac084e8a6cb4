// Placing an order (DESIGN.md §1 step 5): one transaction that checks the selection, takes
// stock from the market's warehouses in allocation order, snapshots lines and totals, and
// consumes the link on the first purchase from any of its claims.
import type { Caller } from '../auth/caller.js';
import { db, isUniqueViolation } from '../db/client.js';
import { transactionWithEvents } from '../events/outbox.js';
import type { LinkEventInput, RecordEvents } from '../events/outbox.js';
import type { Prisma } from '../generated/prisma/client.js';
import {
  IdempotencyConflict, NotFound, OutOfStock, SelectionStateFailed, ShippingUnavailable, ValidationFailed,
} from './errors.js';
import type { DomainError, StockShortage } from './errors.js';
import { computeTotals, parseRate } from './money.js';
import { linkUsed, quotaReached, revokeActiveLinksOf } from './link.js';
import { changeRefusal, shippingOf, visibleSelection } from './selection.js';
import { LIMITS, hasControlCharacters, isWellFormed } from './validate.js';
import { v7 as uuidv7 } from 'uuid';

type Tx = Prisma.TransactionClient;

export interface PlaceOrderInput {
  selectionId: string;
  idempotencyKey: string;
}

/** What placeOrder did: placed the order, or found the one this idempotency key placed before. */
export interface PlacedOrder {
  orderId: string;
  /** The key's earlier order was returned: nothing was placed now. */
  replayed: boolean;
  /** This order consumed the link its selection was claimed from (the link's first order). */
  linkConsumed: boolean;
}

/** The link a copy was claimed from, as read under its row lock. */
interface LockedLink {
  id: string;
  status: string;
  selectionId: string | null;
}

/** An idempotency key as stored: the caller's scope and the key it sent. */
interface ScopedKey {
  scope: string;
  key: string;
}

interface LockedSelection {
  id: string;
  status: string;
  sessionId: string | null;
  marketId: string;
  pricelistId: string;
  countryCode: string;
  customerId: string | null;
  customerFirstName: string | null;
  customerLastName: string | null;
  customerEmail: string | null;
  relatedOrderId: string | null;
  ignoreShipping: boolean;
  ignoreTax: boolean;
  currency: string;
}

/**
 * Who may see an order: admins every one, a storefront session those it placed, anyone else none.
 * As a where clause, and as a test of an order already read.
 */
export function ordersVisibleTo(caller: Caller): Prisma.OrderWhereInput {
  if (caller.kind === 'admin') return {};
  return caller.kind === 'session' ? { sessionId: caller.sessionId } : { id: { in: [] } };
}

export function orderVisibleTo(caller: Caller, order: { sessionId: string | null }): boolean {
  return caller.kind === 'admin' || (caller.kind === 'session' && order.sessionId === caller.sessionId);
}

function checkKey(key: string): string {
  if (key.length === 0 || key.length > LIMITS.idempotencyKey || hasControlCharacters(key) || !isWellFormed(key)) {
    throw new ValidationFailed(`An idempotency key is 1–${LIMITS.idempotencyKey} printable characters`, ['input', 'idempotencyKey']);
  }
  return key;
}

/**
 * Whose idempotency keys these are: the session's, or the admin key's. Another caller's key
 * neither conflicts with nor reveals its order, and nobody can use up keys another caller will
 * send. (Keys stored before scopes existed could not be told apart by admin key: the migration
 * gave them the scope 'admin', which no caller has.)
 */
function idempotencyScope(caller: Exclude<Caller, { kind: 'anonymous' }>): string {
  return caller.kind === 'session' ? `session:${caller.sessionId}` : `admin:${caller.keyId}`;
}

/**
 * Places the order, or returns the order this caller's idempotency key already placed for
 * this selection. Locks rows in one order — this selection, the link's admin selection, the link,
 * the stock rows (sorted) — which issuing (admin selection, then links) and claiming (the link)
 * never reverse, so no two of them deadlock. A failure rolls everything back.
 */
export async function placeOrder(caller: Caller, input: PlaceOrderInput): Promise<PlacedOrder> {
  const idempotencyKey = checkKey(input.idempotencyKey);
  const where = visibleSelection(caller, input.selectionId);
  if (!where || caller.kind === 'anonymous') throw new NotFound('No such selection');
  const key: ScopedKey = { scope: idempotencyScope(caller), key: idempotencyKey };
  try {
    return await transactionWithEvents((tx, record) => placeLocked(tx, record, where.id!, where.sessionId as string | undefined, key), {
      maxWait: 10_000,
      timeout: 20_000,
    });
  } catch (error) {
    // Two first attempts with one caller's key raced for different selections: the loser sees the key.
    if (isUniqueViolation(error)) {
      const record = await db().idempotencyKey.findUnique({ where: { scope_key: key }, select: { selectionId: true, orderId: true } });
      if (record && record.selectionId === input.selectionId) return { orderId: record.orderId, replayed: true, linkConsumed: false };
      if (record) throw new IdempotencyConflict();
    }
    throw error;
  }
}

async function placeLocked(tx: Tx, record: RecordEvents, selectionId: string, ownerSessionId: string | undefined, key: ScopedKey): Promise<PlacedOrder> {
  const rows = await tx.$queryRaw<LockedSelection[]>`
    SELECT s.id, s.status::text AS status, s."sessionId", s."marketId", s."pricelistId", s."countryCode", s."customerId",
           s."customerFirstName", s."customerLastName", c.email AS "customerEmail", s."relatedOrderId", s."ignoreShipping", s."ignoreTax", p.currency
    FROM "Selection" s JOIN "Pricelist" p ON p.id = s."pricelistId" LEFT JOIN "Customer" c ON c.id = s."customerId"
    WHERE s.id = ${selectionId}::uuid
    FOR UPDATE OF s`;
  const selection = rows[0];
  if (!selection || (ownerSessionId !== undefined && selection.sessionId !== ownerSessionId)) throw new NotFound('No such selection');

  // Under the selection lock, a retry with the same key sees the first attempt's record.
  const previous = await tx.idempotencyKey.findUnique({ where: { scope_key: key }, select: { selectionId: true, orderId: true } });
  if (previous) {
    if (previous.selectionId !== selection.id) throw new IdempotencyConflict();
    return { orderId: previous.orderId, replayed: true, linkConsumed: false };
  }
  const items = await tx.selectionItem.findMany({
    where: { selectionId: selection.id },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { kind: true, variantId: true, name: true, sku: true, taxable: true, quantity: true, unitPrice: true, variant: { select: { sku: true, name: true } } },
  });
  const shipping = await shippingOf(tx, selection.marketId, selection.pricelistId, selection.countryCode);
  const taxRule = await tx.taxRule.findUnique({ where: { countryCode: selection.countryCode }, select: { rate: true } });

  const blocker = placeOrderBlockers(readinessOf(selection, items.length, shipping.shippingRate !== null, null))[0];
  if (blocker) throw blockerError(blocker, selection, shipping.marketCode);
  // placeOrderBlockers refused a selection with no customer.
  const customer = { id: selection.customerId!, email: selection.customerEmail! };

  // Lock order, the same in every transaction that takes these locks: this selection, the
  // link's admin selection, the link, the stock rows (see link.ts). The link is locked before
  // the order row is written: that row's foreign key takes a share lock on the link, and two
  // buyers each holding one while waiting to lock the link for settleLink would deadlock.
  const claim = await tx.claim.findUnique({
    where: { selectionId: selection.id },
    select: { id: true, linkId: true, link: { select: { selectionId: true, maxOrders: true } } },
  });
  if (claim?.link.selectionId) await tx.$queryRaw`SELECT id FROM "Selection" WHERE id = ${claim.link.selectionId}::uuid FOR UPDATE`;
  // From here on buyers of this link or these SKUs wait for this one: one statement marks the
  // selection ordered and locks the link, and the stock follows.
  const link = claim ? await lockLinkMarkingOrdered(tx, claim.linkId, selection.id) : null;
  if (!claim) await tx.selection.update({ where: { id: selection.id }, data: { status: 'ORDERED' } });
  // The quota is counted in a statement of its own, after the lock: a statement's snapshot is
  // taken when it starts, so one that waited for the lock would not see the order that held it.
  if (claim && claim.link.maxOrders !== null && quotaReached(claim.link, await tx.order.count({ where: { linkId: claim.linkId } }))) {
    throw blockerError('LINK_USED', selection, shipping.marketCode);
  }
  await takeStock(tx, items, shipping.warehouseIds);

  const totals = computeTotals({
    lines: items,
    shippingRate: shipping.shippingRate,
    taxRate: taxRule ? parseRate(taxRule.rate.toFixed(4), ['taxRule']) : null,
    ignoreShipping: selection.ignoreShipping,
    ignoreTax: selection.ignoreTax,
  });
  const order = await tx.order.create({
    data: {
      selectionId: selection.id,
      customerId: customer.id,
      customerEmail: customer.email,
      customerFirstName: selection.customerFirstName,
      customerLastName: selection.customerLastName,
      sessionId: selection.sessionId,
      claimId: claim?.id ?? null,
      linkId: claim?.linkId ?? null,
      relatedOrderId: selection.relatedOrderId,
      countryCode: selection.countryCode,
      currency: selection.currency,
      ...totals,
    },
    select: { id: true },
  });
  await writeLinesAndKey(tx, order.id, items, key, selection.id);

  // An admin selection ordered directly can no longer be shared: its ACTIVE link is revoked.
  const events = claim && link ? await settleLink(tx, link, claim.id, order.id) : await revokeActiveLinksOf(tx, selection.id);
  await record(events);
  return { orderId: order.id, replayed: false, linkConsumed: events.some((event) => event.type === 'CONSUMED') };
}

/** A selection line as placeOrder reads it. */
interface Line {
  kind: 'CATALOG' | 'CUSTOM';
  variantId: string | null;
  name: string | null;
  sku: string | null;
  taxable: boolean;
  quantity: number;
  unitPrice: bigint;
  variant: { sku: string; name: string } | null;
}

/**
 * The order's lines and its idempotency key, in one statement: they are written while the
 * stock rows are locked, so every round trip saved lets the next buyer of these SKUs go on
 * sooner (and a nested createMany costs Prisma a plan per call and a read-back). A catalog
 * line keeps its variant's SKU and name, a custom line its own.
 */
async function writeLinesAndKey(tx: Tx, orderId: string, items: Line[], key: ScopedKey, selectionId: string): Promise<void> {
  await tx.$executeRaw`
    WITH lines AS (
      INSERT INTO "OrderItem" (id, "orderId", position, kind, "variantId", sku, name, taxable, quantity, "unitPrice", "lineTotal")
      SELECT line.id, ${orderId}::uuid, line.position - 1, line.kind::"SelectionItemKind", line."variantId", line.sku, line.name,
             line.taxable, line.quantity, line."unitPrice", line."lineTotal"
      FROM unnest(
        ${items.map(() => uuidv7())}::uuid[], ${items.map((i) => i.kind)}::text[], ${items.map((i) => i.variantId)}::uuid[],
        ${items.map((i) => i.variant?.sku ?? i.sku)}::text[], ${items.map((i) => i.variant?.name ?? i.name)}::text[],
        ${items.map((i) => i.taxable)}::boolean[], ${items.map((i) => i.quantity)}::int[], ${items.map((i) => i.unitPrice.toString())}::bigint[],
        ${items.map((i) => (i.unitPrice * BigInt(i.quantity)).toString())}::bigint[]
      ) WITH ORDINALITY AS line(id, kind, "variantId", sku, name, taxable, quantity, "unitPrice", "lineTotal", position)
    )
    INSERT INTO "IdempotencyKey" (scope, key, "selectionId", "orderId") VALUES (${key.scope}, ${key.key}, ${selectionId}::uuid, ${orderId}::uuid)`;
}

/**
 * Takes each SKU's quantity from the warehouses in allocation order, never below zero (custom
 * lines take none). Stock rows are locked in one global order (variant, warehouse), so carts
 * over the same SKUs in any order cannot deadlock; the decrement is conditional as a second guard.
 */
async function takeStock(tx: Tx, items: Line[], warehouseIds: string[]): Promise<void> {
  const wanted = new Map<string, { sku: string; quantity: number }>();
  for (const item of items) {
    if (item.variantId === null || item.variant === null) continue;
    const entry = wanted.get(item.variantId) ?? { sku: item.variant.sku, quantity: 0 };
    entry.quantity += item.quantity;
    wanted.set(item.variantId, entry);
  }
  if (wanted.size === 0) return;
  const variantIds = [...wanted.keys()].sort();
  const levels = warehouseIds.length === 0 ? [] : await tx.$queryRaw<{ variantId: string; warehouseId: string; quantity: number }[]>`
    SELECT "variantId", "warehouseId", quantity FROM "StockLevel"
    WHERE "variantId" = ANY(${variantIds}::uuid[]) AND "warehouseId" = ANY(${warehouseIds}::uuid[])
    ORDER BY "variantId", "warehouseId"
    FOR UPDATE`;
  const stockOf = new Map(levels.map((l) => [`${l.variantId}|${l.warehouseId}`, l.quantity]));

  const shortages: StockShortage[] = [];
  const takes: { variantId: string; warehouseId: string; quantity: number }[] = [];
  for (const variantId of variantIds) {
    const { sku, quantity } = wanted.get(variantId)!;
    let remaining = quantity;
    let available = 0;
    for (const warehouseId of warehouseIds) {
      const inStock = stockOf.get(`${variantId}|${warehouseId}`) ?? 0;
      available += inStock;
      const take = Math.min(inStock, remaining);
      if (take > 0) takes.push({ variantId, warehouseId, quantity: take });
      remaining -= take;
    }
    if (remaining > 0) shortages.push({ sku, requested: quantity, available });
  }
  if (shortages.length > 0) throw new OutOfStock(shortages.sort((a, b) => a.sku.localeCompare(b.sku)));

  // One statement for every take: the rows stay locked until commit, so the fewer round trips
  // between the check and the commit, the sooner the next buyer of these SKUs goes on.
  const updated = await tx.$executeRaw`
    UPDATE "StockLevel" AS level SET quantity = level.quantity - take.quantity, "updatedAt" = now()
    FROM unnest(${takes.map((t) => t.variantId)}::uuid[], ${takes.map((t) => t.warehouseId)}::uuid[], ${takes.map((t) => t.quantity)}::int[])
      AS take("variantId", "warehouseId", quantity)
    WHERE level."variantId" = take."variantId" AND level."warehouseId" = take."warehouseId" AND level.quantity >= take.quantity`;
  if (updated !== takes.length) throw new Error('Stock changed under a row lock: refusing to oversell');
}

/**
 * The first order from any claim of a link consumes it: the link becomes CONSUMED (kept for
 * the audit trail) and its admin selection is deleted. A link an admin revoked (or replaced)
 * stays REVOKED: its earlier claimants may still buy their copies, and the admin selection
 * stays for the link that replaced it. Every order from a claim is recorded.
 */
async function settleLink(tx: Tx, link: LockedLink, claimId: string, orderId: string): Promise<LinkEventInput[]> {
  const linkId = link.id;
  const events: LinkEventInput[] = [];
  // ACTIVE here includes a link past its expiresAt: a claim made in time may still use it.
  if (link.status === 'ACTIVE') {
    await tx.shareableLink.update({ where: { id: linkId }, data: { status: 'CONSUMED', consumedAt: new Date(), orderId } });
    if (link.selectionId) await deleteAdminSelection(tx, link.selectionId);
    events.push({ type: 'CONSUMED', linkId, claimId, orderId });
  }
  events.push({ type: 'ORDER_PLACED', linkId, claimId, orderId });
  return events;
}

/** Marks the selection ORDERED and locks the link it was claimed from, in one round trip. */
async function lockLinkMarkingOrdered(tx: Tx, linkId: string, selectionId: string): Promise<LockedLink> {
  const rows = await tx.$queryRaw<LockedLink[]>`
    WITH ordered AS (UPDATE "Selection" SET status = 'ORDERED', "updatedAt" = now() WHERE id = ${selectionId}::uuid)
    SELECT id, status::text AS status, "selectionId" FROM "ShareableLink" WHERE id = ${linkId}::uuid FOR UPDATE`;
  return rows[0]!;
}

/** Every reason placeOrderBlockers can give (the schema's PlaceOrderBlocker enum lists these). */
export const PLACE_ORDER_BLOCKERS = ['SELECTION_EMPTY', 'SELECTION_CLOSED', 'CUSTOMER_MISSING', 'SHIPPING_UNAVAILABLE', 'LINK_USED'] as const;
export type PlaceOrderBlocker = (typeof PLACE_ORDER_BLOCKERS)[number];

/** What decides whether a selection can be ordered now, stock aside. */
export interface OrderReadiness {
  status: string;
  lines: number;
  hasCustomer: boolean;
  /** ships() for the selection's country. */
  shippable: boolean;
  /** quotaReached() for the link the selection was claimed from. */
  linkQuotaReached: boolean;
}

/**
 * The facts placeOrderBlockers reads, from a selection, its number of lines, whether ships()
 * holds for its country, and the link it was claimed from (its maxOrders, and the orders of
 * all its claims) or null.
 */
export function readinessOf(
  selection: { status: string; customerId: string | null },
  lines: number,
  shippable: boolean,
  link: { maxOrders: number | null; orders: number } | null,
): OrderReadiness {
  return {
    status: selection.status,
    lines,
    hasCustomer: selection.customerId !== null,
    shippable,
    linkQuotaReached: link !== null && quotaReached(link, link.orders),
  };
}

/**
 * The rule of ordering: why placeOrder would refuse this selection now, in the order it checks
 * (empty when it would place the order, stock permitting). placeOrder throws the first;
 * `Selection.placeOrderBlockers` shows them all. A closed selection is not also LINK_USED: the
 * orders that used up its link may include its own.
 */
export function placeOrderBlockers(state: OrderReadiness): PlaceOrderBlocker[] {
  const blockers: PlaceOrderBlocker[] = [];
  const closed = changeRefusal({ status: state.status, locked: false }, false) !== null;
  if (closed) blockers.push('SELECTION_CLOSED');
  if (state.lines === 0) blockers.push('SELECTION_EMPTY');
  if (!state.hasCustomer) blockers.push('CUSTOMER_MISSING');
  if (!state.shippable) blockers.push('SHIPPING_UNAVAILABLE');
  if (state.linkQuotaReached && !closed) blockers.push('LINK_USED');
  return blockers;
}

function blockerError(blocker: PlaceOrderBlocker, selection: { status: string; countryCode: string }, marketCode: string): DomainError {
  switch (blocker) {
    case 'SELECTION_CLOSED':
      return changeRefusal({ status: selection.status, locked: false }, false)!;
    case 'SELECTION_EMPTY':
      return new SelectionStateFailed('SELECTION_EMPTY', 'The selection has no items');
    case 'CUSTOMER_MISSING':
      return new ValidationFailed('Attach a customer first (setCustomer)', ['input', 'selectionId']);
    case 'SHIPPING_UNAVAILABLE':
      return new ShippingUnavailable(selection.countryCode, marketCode);
    case 'LINK_USED':
      return linkUsed();
  }
}

/** The admin selection behind a consumed link: marked DELETED, detached from its links. */
async function deleteAdminSelection(tx: Tx, selectionId: string): Promise<void> {
  await tx.shareableLink.updateMany({ where: { selectionId }, data: { selectionId: null } });
  await tx.selection.update({ where: { id: selectionId }, data: { status: 'DELETED' } });
}
