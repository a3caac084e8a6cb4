// Placing an order (DESIGN.md §1 step 5): one transaction that checks the selection, takes
// stock from the market's warehouses in allocation order, snapshots lines and totals, and
// consumes the link on the first purchase from any of its claims.
import type { Caller } from '../auth/caller.js';
import { TRANSACTION, db, isUniqueViolation } from '../db/client.js';
import type { Tx } from '../db/client.js';
import { LOCKED_STOCK_LEVELS, lockLinkToSettle, lockSelectionToOrder } from '../db/locks.js';
import type { SelectionToOrder } from '../db/locks.js';
import { transactionWithEvents } from '../events/outbox.js';
import type { LinkEventAnnouncer, LinkEventInput, RecordEvents } from '../events/outbox.js';
import { Prisma } from '../generated/prisma/client.js';
import {
  IdempotencyConflict, NotFound, OutOfStock, SelectionStateFailed, ShippingUnavailable, ValidationFailed,
} from './errors.js';
import type { DomainError, StockShortage } from './errors.js';
import { computeTotals, parseRate } from './money.js';
import type { Totals } from './money.js';
import { linkUsed, quotaReached, revokeActiveLinksOf } from './link.js';
import { changeRefusal, shippingFrom, visibleSelection } from './selection.js';
import type { Shipping } from './selection.js';
import { LIMITS, hasControlCharacters, isWellFormed } from './validate.js';
import { v7 as uuidv7 } from 'uuid';


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

/** An idempotency key as stored: the caller's scope and the key it sent. */
interface ScopedKey {
  scope: string;
  key: string;
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
 * this selection. Only this selection is locked while the order is checked; what other buyers
 * contend for is locked last and held only to the commit: the link's admin selection and the
 * link (only while the link may still be consumed, or has an order quota), then the stock rows
 * (sorted). Issuing (admin selection, then links), claiming (the link) and an admin's direct
 * order (its selection, then stock, then its links) never take these in the reverse order, so
 * none of them deadlock. A failure rolls everything back.
 */
export async function placeOrder(events: LinkEventAnnouncer, caller: Caller, input: PlaceOrderInput): Promise<PlacedOrder> {
  const idempotencyKey = checkKey(input.idempotencyKey);
  const where = visibleSelection(caller, input.selectionId);
  if (!where || caller.kind === 'anonymous') throw new NotFound('No such selection');
  const key: ScopedKey = { scope: idempotencyScope(caller), key: idempotencyKey };
  try {
    return await transactionWithEvents(events, (tx, record) => placeLocked(tx, record, where.id!, where.sessionId as string | undefined, key), TRANSACTION.order);
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
  const selection = await lockSelectionToOrder(tx, selectionId, key);
  if (!selection || (ownerSessionId !== undefined && selection.sessionId !== ownerSessionId)) throw new NotFound('No such selection');

  let previous = selection.keyOrderId ? { selectionId: selection.keySelectionId!, orderId: selection.keyOrderId } : null;
  // The key was read as of the statement's start: if it waited for the selection's lock while
  // another attempt ordered the selection, that attempt's key is read now.
  if (!previous && selection.status !== 'OPEN') {
    previous = await tx.idempotencyKey.findUnique({ where: { scope_key: key }, select: { selectionId: true, orderId: true } });
  }
  if (previous) {
    if (previous.selectionId !== selection.id) throw new IdempotencyConflict();
    return { orderId: previous.orderId, replayed: true, linkConsumed: false };
  }
  // A customer set while this waited for the lock is not in the first statement's snapshot.
  if (selection.customerId !== null && selection.customerEmail === null) {
    selection.customerEmail = (await tx.customer.findUniqueOrThrow({ where: { id: selection.customerId }, select: { email: true } })).email;
  }
  const shipping = shippingOfSelection(selection);
  const items = await readLines(tx, selection.id, shipping.warehouseIds);
  const stock = wantedStock(items);
  // A sold-out cart is refused by this plain read of the stock, before any lock another buyer
  // waits for; the locked stock update at the end stays the guard. A link's order quota is
  // checked first (LINK_USED before OUT_OF_STOCK, as placeOrderBlockers shows), under its lock.
  const refusal = refusalOf(selection, items.length, shipping, stock);
  if (refusal && !(refusal instanceof OutOfStock && selection.maxOrders !== null)) throw refusal;

  const link = selection.claimId ? await settleLinkLocked(tx, selection) : null;
  if (link?.quotaReached) throw blockerError('LINK_USED', selection, shipping.marketCode);
  if (refusal) throw refusal;

  const orderId = uuidv7();
  const events: LinkEventInput[] = [];
  if (link?.consumes) events.push({ type: 'CONSUMED', linkId: selection.linkId!, claimId: selection.claimId, orderId });
  if (link) events.push({ type: 'ORDER_PLACED', linkId: selection.linkId!, claimId: selection.claimId, orderId });
  const totals = computeTotals({
    lines: items,
    shippingRate: shipping.shippingRate,
    taxRate: selection.taxRate === null ? null : parseRate(selection.taxRate, ['taxRule']),
    ignoreShipping: selection.ignoreShipping,
    ignoreTax: selection.ignoreTax,
  });
  const written = await writeOrder(tx, record, { orderId, selection, items, stock, warehouseIds: shipping.warehouseIds, totals, key, events, consumes: link?.consumes ?? false });
  if (written.shortages.length > 0) {
    throw outOfStock(written.shortages.map(({ variantId, requested, available }) => ({ sku: stock.get(variantId)!.sku, requested, available })));
  }
  // An admin selection ordered directly can no longer be shared: its ACTIVE link is revoked.
  if (!link) await record(await revokeActiveLinksOf(tx, selection.id));
  return { orderId, replayed: false, linkConsumed: link?.consumes ?? false };
}

/** A selection line as placeOrder reads it: a catalog line with its variant's SKU and name, and the stock the market's warehouses hold of it. */
interface Line {
  kind: 'CATALOG' | 'CUSTOM';
  variantId: string | null;
  name: string | null;
  sku: string | null;
  taxable: boolean;
  quantity: number;
  unitPrice: bigint;
  /** Units in the market's warehouses, read without a lock; 0 for a custom line. */
  available: number;
}

async function readLines(tx: Tx, selectionId: string, warehouseIds: string[]): Promise<Line[]> {
  return tx.$queryRaw<Line[]>`
    SELECT i.kind::text AS kind, i."variantId", coalesce(v.name, i.name) AS name, coalesce(v.sku, i.sku) AS sku, i.taxable, i.quantity, i."unitPrice",
           (SELECT coalesce(sum(level.quantity), 0) FROM "StockLevel" level
            WHERE level."variantId" = i."variantId" AND level."warehouseId" = ANY(${warehouseIds}::uuid[]))::int AS available
    FROM "SelectionItem" i LEFT JOIN "Variant" v ON v.id = i."variantId"
    WHERE i."selectionId" = ${selectionId}::uuid
    ORDER BY i."createdAt", i.id`;
}

/** What the cart takes of each variant (custom lines take none), with its SKU and the units read as available. */
type WantedStock = Map<string, { sku: string; quantity: number; available: number }>;

function wantedStock(items: Line[]): WantedStock {
  const wanted: WantedStock = new Map();
  for (const item of items) {
    if (item.variantId === null) continue;
    const entry = wanted.get(item.variantId) ?? { sku: item.sku!, quantity: 0, available: item.available };
    entry.quantity += item.quantity;
    wanted.set(item.variantId, entry);
  }
  return wanted;
}

/** The market's shipping to the selection's country, from the selection as read. */
function shippingOfSelection(selection: SelectionToOrder): Shipping {
  return shippingFrom({
    code: selection.marketCode,
    countries: selection.marketCountries,
    rate: selection.shippingAmount,
    warehouseIds: selection.warehouseIds,
  }, selection.countryCode);
}

/**
 * Why placeOrder refuses the selection as read, before its link and its locked stock are
 * checked: the first blocker, or else the stock the market's warehouses hold; null if neither.
 */
function refusalOf(selection: SelectionToOrder, lines: number, shipping: Shipping, stock: WantedStock): DomainError | null {
  const blocker = placeOrderBlockers(readinessOf(selection, lines, shipping.shippingRate !== null, null))[0];
  if (blocker) return blockerError(blocker, selection, shipping.marketCode);
  const short = [...stock.values()].filter((line) => line.available < line.quantity);
  return short.length > 0 ? outOfStock(short.map(({ sku, quantity, available }) => ({ sku, requested: quantity, available }))) : null;
}

const outOfStock = (shortages: StockShortage[]) => new OutOfStock(shortages.sort((a, b) => a.sku.localeCompare(b.sku)));

/**
 * The link the copy was claimed from, locked (after its admin selection) only when this order
 * may consume it (ACTIVE when the copy was read) or it has an order quota to count. Buyers of
 * a link whose first order is already placed, with no quota, lock neither.
 */
async function settleLinkLocked(tx: Tx, selection: SelectionToOrder): Promise<{ consumes: boolean; quotaReached: boolean }> {
  // ACTIVE here includes a link past its expiresAt: a claim made in time may still use it.
  if (selection.linkStatus !== 'ACTIVE' && selection.maxOrders === null) return { consumes: false, quotaReached: false };
  const status = await lockLinkToSettle(tx, { linkId: selection.linkId!, adminSelectionId: selection.linkSelectionId });
  const consumes = status === 'ACTIVE';
  // Counted in a statement of its own, after the lock: a statement's snapshot is taken when it
  // starts, so one that waited for the lock would not see the order that held it.
  const reached = selection.maxOrders !== null && quotaReached({ maxOrders: selection.maxOrders }, await tx.order.count({ where: { linkId: selection.linkId! } }));
  return { consumes, quotaReached: reached };
}

interface OrderWrite {
  orderId: string;
  selection: SelectionToOrder;
  items: Line[];
  stock: Map<string, { quantity: number }>;
  /** The market's warehouses in allocation order. */
  warehouseIds: string[];
  totals: Totals;
  key: ScopedKey;
  events: LinkEventInput[];
  /** Whether this order consumes the link (which the caller holds locked). */
  consumes: boolean;
}

/** The shortages of a cart, which wrote nothing. */
type Shortages = { variantId: string; requested: number; available: number }[];

/** Only once the order is placed (its WITH query wrote a row). */
const PLACED = Prisma.sql`EXISTS (SELECT 1 FROM placed)`;

/**
 * WITH queries that take the cart's stock: the stock rows locked (LOCKED_STOCK_LEVELS), the
 * shortages, and each warehouse's share in allocation order, taken only when nothing is short
 * and never below zero.
 */
function takeStock(write: OrderWrite): Prisma.Sql {
  const wanted = [...write.stock.entries()];
  return Prisma.sql`
    wanted AS (
      SELECT * FROM unnest(${wanted.map(([variantId]) => variantId)}::uuid[], ${wanted.map(([, w]) => w.quantity)}::int[]) AS wanted("variantId", quantity)
    ), warehouse AS (
      SELECT * FROM unnest(${write.warehouseIds}::uuid[]) WITH ORDINALITY AS warehouse(id, position)
    ), level AS (${LOCKED_STOCK_LEVELS}
    ), shortage AS (
      SELECT wanted."variantId", wanted.quantity AS requested, coalesce(sum(level.quantity), 0)::int AS available
      FROM wanted LEFT JOIN level ON level."variantId" = wanted."variantId"
      GROUP BY wanted."variantId", wanted.quantity
      HAVING coalesce(sum(level.quantity), 0) < wanted.quantity
    ), take AS (
      SELECT level."variantId", level."warehouseId",
             least(level.quantity, wanted.quantity - (sum(level.quantity) OVER allocation - level.quantity)) AS quantity
      FROM level JOIN wanted ON wanted."variantId" = level."variantId"
      WINDOW allocation AS (PARTITION BY level."variantId" ORDER BY level.position)
    ), took AS (
      UPDATE "StockLevel" AS level SET quantity = level.quantity - take.quantity, "updatedAt" = now()
      FROM take
      WHERE level."variantId" = take."variantId" AND level."warehouseId" = take."warehouseId" AND take.quantity > 0
        AND level.quantity >= take.quantity AND NOT EXISTS (SELECT 1 FROM shortage)
      RETURNING 1
    )`;
}

/** WITH queries that write the order, its lines and the idempotency key, when nothing is short. */
function orderRows(write: OrderWrite): Prisma.Sql {
  const { orderId, selection, items, key, totals } = write;
  return Prisma.sql`
    placed AS (
      INSERT INTO "Order" (id, "selectionId", "customerId", "customerEmail", "customerFirstName", "customerLastName", "sessionId",
                           "claimId", "linkId", "relatedOrderId", "countryCode", currency, subtotal, shipping, tax, "grandTotal")
      SELECT ${orderId}::uuid, ${selection.id}::uuid, ${selection.customerId}::uuid, ${selection.customerEmail}, ${selection.customerFirstName},
             ${selection.customerLastName}, ${selection.sessionId}::uuid, ${selection.claimId}::uuid, ${selection.linkId}::uuid,
             ${selection.relatedOrderId}::uuid, ${selection.countryCode}, ${selection.currency}, ${totals.subtotal}, ${totals.shipping},
             ${totals.tax}, ${totals.grandTotal}
      WHERE NOT EXISTS (SELECT 1 FROM shortage)
      RETURNING id
    ), lines AS (
      INSERT INTO "OrderItem" (id, "orderId", position, kind, "variantId", sku, name, taxable, quantity, "unitPrice", "lineTotal")
      SELECT line.id, ${orderId}::uuid, line.position - 1, line.kind::"SelectionItemKind", line."variantId", line.sku, line.name,
             line.taxable, line.quantity, line."unitPrice", line."lineTotal"
      FROM unnest(
        ${items.map(() => uuidv7())}::uuid[], ${items.map((i) => i.kind)}::text[], ${items.map((i) => i.variantId)}::uuid[],
        ${items.map((i) => i.sku)}::text[], ${items.map((i) => i.name)}::text[],
        ${items.map((i) => i.taxable)}::boolean[], ${items.map((i) => i.quantity)}::int[], ${items.map((i) => i.unitPrice.toString())}::bigint[],
        ${items.map((i) => (i.unitPrice * BigInt(i.quantity)).toString())}::bigint[]
      ) WITH ORDINALITY AS line(id, kind, "variantId", sku, name, taxable, quantity, "unitPrice", "lineTotal", position)
      WHERE ${PLACED}
    ), idempotency AS (
      INSERT INTO "IdempotencyKey" (scope, key, "selectionId", "orderId")
      SELECT ${key.scope}, ${key.key}, ${selection.id}::uuid, ${orderId}::uuid WHERE ${PLACED}
    )`;
}

/**
 * WITH queries that settle what the order changes, once it is placed: the selection is
 * ORDERED; a consuming order consumes the link, deletes its admin selection and detaches that
 * selection's other links; and the events are written.
 */
function settlement(write: OrderWrite, record: RecordEvents): Prisma.Sql {
  const { orderId, selection } = write;
  const consumedLink = write.consumes ? selection.linkId : null;
  const adminSelectionId = write.consumes ? selection.linkSelectionId : null;
  return Prisma.sql`
    ordered AS (
      UPDATE "Selection" SET status = 'ORDERED', "updatedAt" = now() WHERE id = ${selection.id}::uuid AND ${PLACED}
    ), consumed AS (
      UPDATE "ShareableLink" SET status = 'CONSUMED', "consumedAt" = now(), "orderId" = ${orderId}::uuid, "selectionId" = NULL
      WHERE id = ${consumedLink}::uuid AND status = 'ACTIVE' AND ${PLACED}
      RETURNING id
    ), detached AS (
      UPDATE "ShareableLink" SET "selectionId" = NULL
      WHERE "selectionId" = ${adminSelectionId}::uuid AND id <> ${consumedLink}::uuid AND EXISTS (SELECT 1 FROM consumed)
    ), deleted AS (
      UPDATE "Selection" SET status = 'DELETED', "updatedAt" = now() WHERE id = ${adminSelectionId}::uuid AND EXISTS (SELECT 1 FROM consumed)
    ), events AS (
      ${write.events.length > 0 ? record.within(write.events, PLACED) : Prisma.sql`SELECT 1`}
    )`;
}

/**
 * The order in one statement, the last before the commit (an admin's direct order then
 * revokes its selection's link): takeStock, then only if all of it is there orderRows and the
 * settlement. Returns the shortages, which wrote nothing; the caller then rolls back.
 */
async function writeOrder(tx: Tx, record: RecordEvents, write: OrderWrite): Promise<{ shortages: Shortages }> {
  const rows = await tx.$queryRaw<{ shortages: string; took: number; planned: number; consumed: number }[]>`
    WITH ${takeStock(write)}, ${orderRows(write)}, ${settlement(write, record)}
    SELECT (SELECT coalesce(json_agg(shortage), '[]')::text FROM shortage) AS shortages, (SELECT count(*) FROM took)::int AS took,
           (SELECT count(*) FROM take WHERE quantity > 0)::int AS planned, (SELECT count(*) FROM consumed)::int AS consumed`;
  const result = rows[0]!;
  const shortages = JSON.parse(result.shortages) as Shortages;
  if (shortages.length > 0) return { shortages };
  if (result.took !== result.planned) throw new Error('Stock changed under a row lock: refusing to oversell');
  if (result.consumed !== (write.consumes ? 1 : 0)) throw new Error('The link changed under its row lock: refusing to settle it');
  return { shortages };
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
