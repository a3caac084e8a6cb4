// Every row lock the services take, one typed function each. Transactions take them in this
// order, so that none waits for another that waits for it (no deadlock):
//   1. the selection being changed, issued or ordered (FOR UPDATE);
//   2. the link: a purchase from a claimed copy locks the link's admin selection, then the link
//      (FOR NO KEY UPDATE); a claim reads the link FOR SHARE; a revocation locks it FOR UPDATE;
//   3. stock rows, sorted by (variant, warehouse), inside the order's last statement;
//   4. an admin selection's ACTIVE links, revoked when it is re-issued or ordered directly
//      (their UPDATE locks them; nothing else holds a link while waiting for a selection).
// Every function returns the row as locked, typed; undefined when there is no such row.
import { Prisma } from '../generated/prisma/client.js';
import type { SelectionStatus, ShareableLinkStatus } from '../generated/prisma/enums.js';
import type { Tx } from './client.js';

/** A selection locked for a change or for issuing a link, with its pricelist's currency. */
export interface LockedSelection {
  id: string;
  status: SelectionStatus;
  /** The storefront session that owns a claimed copy; null for an admin selection. */
  sessionId: string | null;
  marketId: string;
  pricelistId: string;
  countryCode: string;
  /** A copy claimed from a link issued with lockItems. */
  locked: boolean;
  relatedOrderId: string | null;
  currency: string;
}

export async function lockSelection(tx: Tx, id: string): Promise<LockedSelection | undefined> {
  const rows = await tx.$queryRaw<LockedSelection[]>`
    SELECT s.id, s.status::text AS status, s."sessionId", s."marketId", s."pricelistId", s."countryCode", s.locked,
           s."relatedOrderId", p.currency
    FROM "Selection" s JOIN "Pricelist" p ON p.id = s."pricelistId"
    WHERE s.id = ${id}::uuid
    FOR UPDATE OF s`;
  return rows[0];
}

/** The selection being ordered, as locked, with what placeOrder needs beside it. */
export interface SelectionToOrder extends LockedSelection {
  customerId: string | null;
  customerFirstName: string | null;
  customerLastName: string | null;
  customerEmail: string | null;
  ignoreShipping: boolean;
  ignoreTax: boolean;
  /** The tax rate of its country, as a decimal string; null: no tax rule. */
  taxRate: string | null;
  /** Its market's code, countries, warehouses and shipping rate for its pricelist and country (shippingFrom). */
  marketCode: string;
  marketCountries: string[];
  shippingAmount: bigint | null;
  warehouseIds: string[];
  /** What the caller's idempotency key placed before (as of the statement's start), or nulls. */
  keySelectionId: string | null;
  keyOrderId: string | null;
  /** The claim that made this copy and that claim's link, as of the statement's start; nulls for an admin selection. */
  claimId: string | null;
  linkId: string | null;
  linkStatus: ShareableLinkStatus | null;
  linkSelectionId: string | null;
  maxOrders: number | null;
}

/**
 * Locks the selection and reads, in the same statement, its pricelist's currency, its
 * customer, its market's shipping, its country's tax rate, the caller's idempotency key and
 * the claim and link it came from. If it waited for the lock, PostgreSQL re-reads the locked
 * row but not the joined ones: what depends on a column a change may set (the country's rate
 * and tax) is read by subqueries, which run again against the row as locked; placeOrder reads
 * the customer's e-mail again when it is missing. The lines are read after the lock, in a
 * statement of their own: a change to them holds this lock, and a statement's snapshot is
 * taken when it starts.
 */
export async function lockSelectionToOrder(tx: Tx, selectionId: string, key: { scope: string; key: string }): Promise<SelectionToOrder | undefined> {
  const rows = await tx.$queryRaw<SelectionToOrder[]>`
    SELECT s.id, s.status::text AS status, s."sessionId", s."marketId", s."pricelistId", s."countryCode", s.locked, s."customerId",
           s."customerFirstName", s."customerLastName", c.email AS "customerEmail", s."relatedOrderId", s."ignoreShipping", s."ignoreTax", p.currency,
           m.code AS "marketCode", m.countries::text[] AS "marketCountries",
           (SELECT rate.amount FROM "ShippingRate" rate
            WHERE rate."marketId" = s."marketId" AND rate."pricelistId" = s."pricelistId" AND rate."countryCode" = s."countryCode") AS "shippingAmount",
           ARRAY(SELECT w."warehouseId"::text FROM "MarketWarehouse" w WHERE w."marketId" = s."marketId" ORDER BY w.position) AS "warehouseIds",
           (SELECT tax.rate::text FROM "TaxRule" tax WHERE tax."countryCode" = s."countryCode") AS "taxRate", k."selectionId" AS "keySelectionId", k."orderId" AS "keyOrderId",
           claim.id AS "claimId", claim."linkId", link.status::text AS "linkStatus", link."selectionId" AS "linkSelectionId", link."maxOrders"
    FROM "Selection" s
      JOIN "Pricelist" p ON p.id = s."pricelistId"
      JOIN "Market" m ON m.id = s."marketId"
      LEFT JOIN "Customer" c ON c.id = s."customerId"
      LEFT JOIN "IdempotencyKey" k ON k.scope = ${key.scope} AND k.key = ${key.key}
      LEFT JOIN "Claim" claim ON claim."selectionId" = s.id
      LEFT JOIN "ShareableLink" link ON link.id = claim."linkId"
    WHERE s.id = ${selectionId}::uuid
    FOR UPDATE OF s`;
  return rows[0];
}

/** A link as its status rules read it. */
export interface LinkState {
  id: string;
  status: ShareableLinkStatus;
  expiresAt: Date | null;
}

/** Locks a link to change its status (revocation). */
export async function lockLink(tx: Tx, id: string): Promise<LinkState | undefined> {
  const rows = await tx.$queryRaw<LinkState[]>`
    SELECT id, status::text AS status, "expiresAt" FROM "ShareableLink" WHERE id = ${id}::uuid FOR UPDATE`;
  return rows[0];
}

/** A link as a claim reads it: its state, the digest to compare, and what the copy takes from it. */
export interface ClaimedLink extends LinkState {
  hash2Digest: Uint8Array;
  /** The admin selection to copy; null once the first purchase deleted it. */
  selectionId: string | null;
  lockItems: boolean;
  ignoreShipping: boolean;
  ignoreTax: boolean;
}

/**
 * Reads the link with this hash1 FOR SHARE: claims run side by side, but never alongside the
 * purchase that may consume the link (lockLinkToSettle), so each claim lands wholly before it
 * or after it.
 */
export async function shareLinkByHash1(tx: Tx, hash1: string): Promise<ClaimedLink | undefined> {
  const rows = await tx.$queryRaw<ClaimedLink[]>`
    SELECT id, status::text AS status, "expiresAt", "hash2Digest", "selectionId", "lockItems", "ignoreShipping", "ignoreTax"
    FROM "ShareableLink" WHERE hash1 = ${hash1} FOR SHARE`;
  return rows[0];
}

/**
 * Locks the admin selection a link copies from (if it still exists), then the link, FOR NO KEY
 * UPDATE: it waits for claims (FOR SHARE), not for the foreign keys of orders and claims.
 * Returns the link's status as locked.
 */
export async function lockLinkToSettle(tx: Tx, link: { linkId: string; adminSelectionId: string | null }): Promise<ShareableLinkStatus> {
  const rows = await tx.$queryRaw<{ status: ShareableLinkStatus }[]>`
    WITH admin AS (SELECT id FROM "Selection" WHERE id = ${link.adminSelectionId}::uuid FOR NO KEY UPDATE)
    SELECT status::text AS status FROM "ShareableLink"
    WHERE id = ${link.linkId}::uuid AND (SELECT count(*) FROM admin) >= 0
    FOR NO KEY UPDATE`;
  return rows[0]!.status;
}

/**
 * The body of a WITH query, in the statement that takes the stock, after WITH queries named
 * `wanted` (a "variantId" column) and `warehouse` (id, position): the stock rows of the wanted
 * variants in those warehouses, locked in (variant, warehouse) order so that carts over the
 * same SKUs in any order cannot deadlock. Its rows: "variantId", "warehouseId", quantity, position.
 */
export const LOCKED_STOCK_LEVELS = Prisma.sql`
  SELECT level."variantId", level."warehouseId", level.quantity, warehouse.position
  FROM "StockLevel" level JOIN warehouse ON warehouse.id = level."warehouseId"
  WHERE level."variantId" IN (SELECT "variantId" FROM wanted)
  ORDER BY level."variantId", level."warehouseId"
  FOR UPDATE OF level`;
