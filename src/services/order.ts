// Placing an order (DESIGN.md §1 step 5): one transaction that checks the selection, takes
// stock from the market's warehouses in allocation order, snapshots lines and totals, and
// consumes the link on the first purchase from any of its claims.
import type { Caller } from '../auth/caller.js';
import { db, isUniqueViolation } from '../db/client.js';
import { transactionWithEvents } from '../events/outbox.js';
import type { LinkEventInput, RecordEvents } from '../events/outbox.js';
import type { Prisma } from '../generated/prisma/client.js';
import {
  IdempotencyConflict, NotFound, OutOfStock, SelectionStateFailed, ValidationFailed,
} from './errors.js';
import type { StockShortage } from './errors.js';
import { computeTotals, parseRate } from './money.js';
import { revokeActiveLinksOf } from './link.js';
import { requireShipping, visibleSelection } from './selection.js';
import { LIMITS, hasControlCharacters, isWellFormed } from './validate.js';
import { v7 as uuidv7 } from 'uuid';

type Tx = Prisma.TransactionClient;

export interface PlaceOrderInput {
  selectionId: string;
  idempotencyKey: string;
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
  ignoreShipping: boolean;
  ignoreTax: boolean;
  currency: string;
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
 * this selection. Locks rows in one order — this selection, the link's admin selection, the stock
 * rows (sorted), the link — which issuing (admin selection, then links) and claiming (the
 * link) never reverse, so no two of them deadlock. A failure rolls everything back.
 */
export async function placeOrder(caller: Caller, input: PlaceOrderInput): Promise<{ orderId: string }> {
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
      if (record && record.selectionId === input.selectionId) return { orderId: record.orderId };
      if (record) throw new IdempotencyConflict();
    }
    throw error;
  }
}

async function placeLocked(tx: Tx, record: RecordEvents, selectionId: string, ownerSessionId: string | undefined, key: ScopedKey): Promise<{ orderId: string }> {
  const rows = await tx.$queryRaw<LockedSelection[]>`
    SELECT s.id, s.status::text AS status, s."sessionId", s."marketId", s."pricelistId", s."countryCode", s."customerId",
           s."customerFirstName", s."customerLastName", c.email AS "customerEmail", s."ignoreShipping", s."ignoreTax", p.currency
    FROM "Selection" s JOIN "Pricelist" p ON p.id = s."pricelistId" LEFT JOIN "Customer" c ON c.id = s."customerId"
    WHERE s.id = ${selectionId}::uuid
    FOR UPDATE OF s`;
  const selection = rows[0];
  if (!selection || (ownerSessionId !== undefined && selection.sessionId !== ownerSessionId)) throw new NotFound('No such selection');

  // Under the selection lock, a retry with the same key sees the first attempt's record.
  const previous = await tx.idempotencyKey.findUnique({ where: { scope_key: key }, select: { selectionId: true, orderId: true } });
  if (previous) {
    if (previous.selectionId !== selection.id) throw new IdempotencyConflict();
    return { orderId: previous.orderId };
  }
  if (selection.status !== 'OPEN') throw new SelectionStateFailed('SELECTION_CLOSED', `The selection is ${selection.status.toLowerCase()}`);

  const items = await tx.selectionItem.findMany({
    where: { selectionId: selection.id },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { variantId: true, quantity: true, unitPrice: true, variant: { select: { sku: true, name: true } } },
  });
  if (items.length === 0) throw new SelectionStateFailed('SELECTION_EMPTY', 'The selection has no items');
  if (!selection.customerId || !selection.customerEmail) throw new ValidationFailed('Attach a customer first (setCustomer)', ['input', 'selectionId']);

  const { shippingRate, warehouseIds } = await requireShipping(tx, selection.marketId, selection.pricelistId, selection.countryCode);
  const taxRule = await tx.taxRule.findUnique({ where: { countryCode: selection.countryCode }, select: { rate: true } });

  // Lock order, the same in every transaction that takes these locks: this selection, the
  // link's admin selection, the stock rows, the link row (see settleLink and link.ts).
  const claim = await tx.claim.findUnique({ where: { selectionId: selection.id }, select: { id: true, linkId: true } });
  if (claim) await lockAdminSelectionOf(tx, claim.linkId);
  // Before the stock: what follows the stock check holds its rows, so it is kept short.
  await tx.selection.update({ where: { id: selection.id }, data: { status: 'ORDERED' } });
  await takeStock(tx, items, warehouseIds);

  const totals = computeTotals({
    lines: items,
    shippingRate,
    taxRate: taxRule ? parseRate(taxRule.rate.toFixed(4), ['taxRule']) : null,
    ignoreShipping: selection.ignoreShipping,
    ignoreTax: selection.ignoreTax,
  });
  const order = await tx.order.create({
    data: {
      selectionId: selection.id,
      customerId: selection.customerId,
      customerEmail: selection.customerEmail,
      customerFirstName: selection.customerFirstName,
      customerLastName: selection.customerLastName,
      sessionId: selection.sessionId,
      claimId: claim?.id ?? null,
      linkId: claim?.linkId ?? null,
      countryCode: selection.countryCode,
      currency: selection.currency,
      ...totals,
    },
    select: { id: true },
  });
  await writeLinesAndKey(tx, order.id, items, key, selection.id);

  // An admin selection ordered directly can no longer be shared: its ACTIVE link is revoked.
  const events = claim ? await settleLink(tx, claim.linkId, claim.id, order.id) : await revokeActiveLinksOf(tx, selection.id);
  await record(events);
  return { orderId: order.id };
}

/**
 * The order's lines and its idempotency key, in one statement: they are written while the
 * stock rows are locked, so every round trip saved lets the next buyer of these SKUs go on
 * sooner (and a nested createMany costs Prisma a plan per call and a read-back).
 */
async function writeLinesAndKey(
  tx: Tx,
  orderId: string,
  items: { variantId: string; quantity: number; unitPrice: bigint; variant: { sku: string; name: string } }[],
  key: ScopedKey,
  selectionId: string,
): Promise<void> {
  await tx.$executeRaw`
    WITH lines AS (
      INSERT INTO "OrderItem" (id, "orderId", position, "variantId", sku, name, quantity, "unitPrice", "lineTotal")
      SELECT line.id, ${orderId}::uuid, line.position - 1, line."variantId", line.sku, line.name, line.quantity, line."unitPrice", line."lineTotal"
      FROM unnest(
        ${items.map(() => uuidv7())}::uuid[], ${items.map((i) => i.variantId)}::uuid[], ${items.map((i) => i.variant.sku)}::text[],
        ${items.map((i) => i.variant.name)}::text[], ${items.map((i) => i.quantity)}::int[], ${items.map((i) => i.unitPrice.toString())}::bigint[],
        ${items.map((i) => (i.unitPrice * BigInt(i.quantity)).toString())}::bigint[]
      ) WITH ORDINALITY AS line(id, "variantId", sku, name, quantity, "unitPrice", "lineTotal", position)
    )
    INSERT INTO "IdempotencyKey" (scope, key, "selectionId", "orderId") VALUES (${key.scope}, ${key.key}, ${selectionId}::uuid, ${orderId}::uuid)`;
}

/**
 * Takes each SKU's quantity from the warehouses in allocation order, never below zero. Stock
 * rows are locked in one global order (variant, warehouse), so carts over the same SKUs in
 * any order cannot deadlock; the decrement is conditional as a second guard.
 */
async function takeStock(
  tx: Tx,
  items: { variantId: string; quantity: number; variant: { sku: string } }[],
  warehouseIds: string[],
): Promise<void> {
  const wanted = new Map<string, { sku: string; quantity: number }>();
  for (const item of items) {
    const entry = wanted.get(item.variantId) ?? { sku: item.variant.sku, quantity: 0 };
    entry.quantity += item.quantity;
    wanted.set(item.variantId, entry);
  }
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
async function settleLink(tx: Tx, linkId: string, claimId: string, orderId: string): Promise<LinkEventInput[]> {
  const rows = await tx.$queryRaw<{ status: string; selectionId: string | null }[]>`
    SELECT status::text AS status, "selectionId" FROM "ShareableLink" WHERE id = ${linkId}::uuid FOR UPDATE`;
  const link = rows[0]!;
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

async function lockAdminSelectionOf(tx: Tx, linkId: string): Promise<void> {
  const link = await tx.shareableLink.findUniqueOrThrow({ where: { id: linkId }, select: { selectionId: true } });
  if (link.selectionId) await tx.$queryRaw`SELECT id FROM "Selection" WHERE id = ${link.selectionId}::uuid FOR UPDATE`;
}

/** The admin selection behind a consumed link: marked DELETED, detached from its links. */
async function deleteAdminSelection(tx: Tx, selectionId: string): Promise<void> {
  await tx.shareableLink.updateMany({ where: { selectionId }, data: { selectionId: null } });
  await tx.selection.update({ where: { id: selectionId }, data: { status: 'DELETED' } });
}
