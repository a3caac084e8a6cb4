// Selections (carts): built by admins, copied to storefront sessions by claims (DESIGN.md §1).
// Each change is one transaction that first locks the selection row, so concurrent changes
// to one cart apply one after the other.
import type { Caller } from '../auth/caller.js';
import { TRANSACTION, db } from '../db/client.js';
import type { Tx } from '../db/client.js';
import { lockSelection } from '../db/locks.js';
import type { LockedSelection } from '../db/locks.js';
import type { Prisma } from '../generated/prisma/client.js';
import { Forbidden, NotFound, SelectionStateFailed, ShippingUnavailable, ValidationFailed } from './errors.js';
import { upsertCustomer } from './customer.js';
import { parseMoney, parseRate } from './money.js';
import { LIMITS, checkCode, checkCountry, checkEmail, checkQuantity, checkText, isUuid, quantityProblem } from './validate.js';

const notFound = () => new NotFound('No such selection');

/** The where clause that limits a caller to the selections it may see, or null for none. */
export function visibleSelection(caller: Caller, id: string): Prisma.SelectionWhereUniqueInput | null {
  if (!isUuid(id)) return null;
  if (caller.kind === 'admin') return { id };
  if (caller.kind === 'session') return { id, sessionId: caller.sessionId };
  return null;
}

/** What decides whether a selection may change: its status, and whether a locked link gave it. */
export interface SelectionState {
  status: string;
  locked: boolean;
}

/**
 * The rule of change: only an OPEN selection changes, and a copy claimed with locked items
 * changes no line (SELECTION_LOCKED) though its country and customer may. Null when allowed.
 * The mutations throw what it returns; the capability fields show whether it returns null.
 */
export function changeRefusal(selection: SelectionState, changesItems: boolean): SelectionStateFailed | null {
  if (selection.status !== 'OPEN') return new SelectionStateFailed('SELECTION_CLOSED', `The selection is ${selection.status.toLowerCase()}`);
  if (changesItems && selection.locked) {
    return new SelectionStateFailed('SELECTION_LOCKED', 'The selection was issued with locked items: they cannot change');
  }
  return null;
}

/**
 * The rule of a line's quantity: 1 to LIMITS.lineQuantity units, a change of items
 * (changeRefusal), and never more units on a priceLocked line (custom lines are always
 * priceLocked).
 */
export function quantityRefusal(
  selection: SelectionState,
  line: { quantity: number; priceLocked: boolean },
  quantity: number,
): SelectionStateFailed | ValidationFailed | null {
  const refusal = quantityProblem(quantity, ['input', 'quantity'], 1, LIMITS.lineQuantity) ?? changeRefusal(selection, true);
  if (refusal) return refusal;
  if (quantity > line.quantity && line.priceLocked) {
    return new SelectionStateFailed('PRICE_LOCKED', 'This line has a custom price: its quantity cannot be increased');
  }
  return null;
}

/** What the holder may do with a line now: the answers of quantityRefusal and changeRefusal. */
export function lineCapabilities(selection: SelectionState, line: { quantity: number; priceLocked: boolean }) {
  return {
    canIncrease: quantityRefusal(selection, line, line.quantity + 1) === null,
    canDecrease: quantityRefusal(selection, line, line.quantity - 1) === null,
    canRemove: changeRefusal(selection, true) === null,
  };
}

/**
 * What the holder may do with a selection now: add items (changeRefusal), change the country
 * (changeRefusal, and ships() to some other country of the market), place the order (no
 * placeOrderBlockers).
 */
export function selectionCapabilities(
  selection: SelectionState & { countryCode: string; marketCountries: readonly string[] },
  ratedCountries: ReadonlySet<string>,
  placeOrderBlockers: readonly string[],
) {
  return {
    canAddItems: changeRefusal(selection, true) === null,
    canChangeCountry: changeRefusal(selection, false) === null
      && selection.marketCountries.some((code) => code !== selection.countryCode && ships(selection.marketCountries, ratedCountries, code)),
    canPlaceOrder: placeOrderBlockers.length === 0,
  };
}

/**
 * Locks the caller's selection for the rest of the transaction and checks it may change
 * (changeRefusal): someone else's selection is NOT_FOUND.
 */
async function lockForChange(tx: Tx, caller: Caller, id: string, changesItems: boolean): Promise<LockedSelection> {
  const where = visibleSelection(caller, id);
  if (!where) throw notFound();
  const row = await lockSelection(tx, id);
  if (!row || (where.sessionId !== undefined && row.sessionId !== where.sessionId)) throw notFound();
  const refusal = changeRefusal(row, changesItems);
  if (refusal) throw refusal;
  return row;
}

/**
 * The rule of shipping: a selection can go to a country when its market serves the country and
 * has a shipping rate for it in the selection's pricelist.
 */
export function ships(marketCountries: readonly string[], ratedCountries: ReadonlySet<string>, countryCode: string): boolean {
  return marketCountries.includes(countryCode) && ratedCountries.has(countryCode);
}

export interface Shipping {
  marketCode: string;
  /** Minor units; null when the selection cannot be shipped to the country (ships()). */
  shippingRate: bigint | null;
  /** The market's warehouses in allocation order. */
  warehouseIds: string[];
}

/** The market's shipping price for the country in the pricelist, and its warehouses. */
export async function shippingOf(tx: Tx, marketId: string, pricelistId: string, countryCode: string): Promise<Shipping> {
  const market = await tx.market.findUniqueOrThrow({
    where: { id: marketId },
    select: {
      code: true,
      countries: true,
      shipping: { where: { pricelistId, countryCode }, select: { amount: true } },
      warehouses: { orderBy: { position: 'asc' }, select: { warehouseId: true } },
    },
  });
  return shippingFrom({
    code: market.code,
    countries: market.countries,
    rate: market.shipping[0]?.amount ?? null,
    warehouseIds: market.warehouses.map((w) => w.warehouseId),
  }, countryCode);
}

/** What shippingOf reads of a market, for one pricelist and country (placeOrder reads it beside the selection). */
export interface MarketShipping {
  code: string;
  countries: readonly string[];
  /** The market's shipping rate for the country in the pricelist, if it has one. */
  rate: bigint | null;
  /** In allocation order. */
  warehouseIds: string[];
}

/** Shipping to a country, from the market as read: the rate applies where ships() holds. */
export function shippingFrom(market: MarketShipping, countryCode: string): Shipping {
  const rated = new Set(market.rate === null ? [] : [countryCode]);
  return {
    marketCode: market.code,
    shippingRate: ships(market.countries, rated, countryCode) ? market.rate : null,
    warehouseIds: market.warehouseIds,
  };
}

/** What a selection is charged besides its lines, from the rows that set it. */
export interface Charges {
  /** Shipping price in minor units; null when the selection cannot be shipped to its country (ships()). */
  shippingRate: bigint | null;
  /** Tax rate (percent × RATE_SCALE); null when the country has no tax rule. */
  taxRate: bigint | null;
}

/** The charges of a selection depend on its market, pricelist and country. */
export interface ChargesKey {
  marketId: string;
  pricelistId: string;
  countryCode: string;
}

/**
 * ships() in SQL, for a read of many selections in one statement: each key's shipping rate
 * where its market serves the country (null otherwise) and its country's tax rate, in the
 * order of the keys.
 */
export async function chargesOf(keys: readonly ChargesKey[]): Promise<Charges[]> {
  const rows = await db().$queryRaw<{ position: bigint; shipping: bigint | null; rate: string | null; country: string }[]>`
    SELECT k.position, k.c AS country, CASE WHEN k.c::char(2) = ANY(mk.countries) THEN s.amount END AS shipping, t.rate::text AS rate
    FROM unnest(${keys.map((k) => k.marketId)}::uuid[], ${keys.map((k) => k.pricelistId)}::uuid[], ${keys.map((k) => k.countryCode)}::text[])
      WITH ORDINALITY AS k(m, p, c, position)
    LEFT JOIN "Market" mk ON mk.id = k.m
    LEFT JOIN "ShippingRate" s ON s."marketId" = k.m AND s."pricelistId" = k.p AND s."countryCode" = k.c::char(2)
    LEFT JOIN "TaxRule" t ON t."countryCode" = k.c::char(2)
    ORDER BY k.position`;
  return rows.map((r) => ({ shippingRate: r.shipping, taxRate: r.rate === null ? null : parseRate(r.rate, ['taxRule', r.country]) }));
}

/** shippingOf, refusing (SHIPPING_UNAVAILABLE) a country the selection cannot be shipped to. */
export async function requireShipping(
  tx: Tx,
  marketId: string,
  pricelistId: string,
  countryCode: string,
): Promise<{ shippingRate: bigint; warehouseIds: string[] }> {
  const shipping = await shippingOf(tx, marketId, pricelistId, countryCode);
  if (shipping.shippingRate === null) throw new ShippingUnavailable(countryCode, shipping.marketCode);
  return { shippingRate: shipping.shippingRate, warehouseIds: shipping.warehouseIds };
}

/**
 * The rule of an additional payment's customer: a selection for an earlier order is that
 * order's customer's, whoever sets it (createSelection, setCustomer).
 */
function checkRelatedCustomer(related: { customerEmail: string }, email: string, path: string[]): void {
  if (email !== related.customerEmail) {
    throw new ValidationFailed('This selection is an additional payment for an earlier order: its customer is that order\'s', path);
  }
}

function optionalName(value: string | null | undefined, path: string[]): string | null | undefined {
  return value == null ? value : checkText(value, path, LIMITS.personName);
}

export interface CreateSelectionInput {
  marketCode: string;
  pricelistCode: string;
  countryCode: string;
  customerEmail?: string | null;
  relatedOrderId?: string | null;
}

/**
 * A new, empty selection. With relatedOrderId it asks an additional payment for that earlier
 * order: it is that order's customer's (with the names given for it), and a customerEmail
 * other than that customer's is refused.
 */
export async function createSelection(input: CreateSelectionInput): Promise<{ selectionId: string }> {
  checkCode(input.marketCode, ['input', 'marketCode']);
  checkCode(input.pricelistCode, ['input', 'pricelistCode']);
  const countryCode = checkCountry(input.countryCode, ['input', 'countryCode']);
  const email = input.customerEmail == null ? null : checkEmail(input.customerEmail, ['input', 'customerEmail']);
  const relatedOrderId = input.relatedOrderId ?? null;
  const noOrder = () => new NotFound('No order has this relatedOrderId');
  if (relatedOrderId !== null && !isUuid(relatedOrderId)) throw noOrder();
  return db().$transaction(async (tx) => {
    const market = await tx.market.findUnique({ where: { code: input.marketCode }, select: { id: true, code: true } });
    const pricelist = await tx.pricelist.findUnique({ where: { code: input.pricelistCode }, select: { id: true } });
    if (!market) throw new NotFound(`No market "${input.marketCode}"`);
    if (!pricelist) throw new NotFound(`No pricelist "${input.pricelistCode}"`);
    const related = relatedOrderId === null ? null : await tx.order.findUnique({
      where: { id: relatedOrderId },
      select: { id: true, customerId: true, customerEmail: true, customerFirstName: true, customerLastName: true },
    });
    if (relatedOrderId !== null && !related) throw noOrder();
    if (related && email !== null) checkRelatedCustomer(related, email, ['input', 'customerEmail']);
    await requireShipping(tx, market.id, pricelist.id, countryCode);
    const customer = related ? { id: related.customerId } : email ? await upsertCustomer(tx, email, {}, true) : null;
    const selection = await tx.selection.create({
      data: {
        marketId: market.id,
        pricelistId: pricelist.id,
        countryCode,
        customerId: customer?.id ?? null,
        ...(related && { relatedOrderId: related.id, customerFirstName: related.customerFirstName, customerLastName: related.customerLastName }),
      },
      select: { id: true },
    });
    return { selectionId: selection.id };
  }, TRANSACTION.change);
}

export interface AddSelectionItemInput {
  selectionId: string;
  sku: string;
  quantity: number;
  unitPrice?: string | null;
}

/**
 * Adds units of a SKU. Without unitPrice, at the pricelist price, onto the SKU's existing
 * pricelist-priced line if there is one. With unitPrice (admins only), always as a new
 * priceLocked line: a custom-priced line's quantity is never increased.
 */
export async function addSelectionItem(caller: Caller, input: AddSelectionItemInput): Promise<{ selectionId: string; itemId: string }> {
  if (input.unitPrice != null && caller.kind !== 'admin') throw new Forbidden('Only admins may set a unit price');
  checkQuantity(input.quantity, ['input', 'quantity'], 1, LIMITS.lineQuantity);
  checkCode(input.sku, ['input', 'sku']);
  return db().$transaction(async (tx) => {
    const selection = await lockForChange(tx, caller, input.selectionId, true);
    const variant = await tx.variant.findUnique({
      where: { sku: input.sku },
      select: { id: true, prices: { where: { pricelistId: selection.pricelistId }, select: { amount: true } } },
    });
    if (!variant) throw new NotFound(`No variant with SKU "${input.sku}"`);

    if (input.unitPrice != null) {
      const unitPrice = parseMoney(input.unitPrice, selection.currency, ['input', 'unitPrice']);
      await checkLineCount(tx, selection.id, ['input', 'sku']);
      const item = await tx.selectionItem.create({
        data: { selectionId: selection.id, variantId: variant.id, quantity: input.quantity, unitPrice, priceLocked: true },
        select: { id: true },
      });
      return { selectionId: selection.id, itemId: item.id };
    }

    const price = variant.prices[0];
    if (!price) throw new ValidationFailed(`SKU "${input.sku}" has no price in this selection's pricelist`, ['input', 'sku']);
    // Onto the SKU's line at today's pricelist price, if there is one; a line priced earlier
    // at another pricelist price keeps its price and gets no more units.
    const existing = await tx.selectionItem.findFirst({
      where: { selectionId: selection.id, variantId: variant.id, priceLocked: false, unitPrice: price.amount },
      select: { id: true, quantity: true },
    });
    if (existing) {
      const quantity = existing.quantity + input.quantity;
      if (quantity > LIMITS.lineQuantity) {
        throw new ValidationFailed(`A line holds at most ${LIMITS.lineQuantity} units (it has ${existing.quantity})`, ['input', 'quantity']);
      }
      await tx.selectionItem.update({ where: { id: existing.id }, data: { quantity } });
      return { selectionId: selection.id, itemId: existing.id };
    }
    await checkLineCount(tx, selection.id, ['input', 'sku']);
    const item = await tx.selectionItem.create({
      data: { selectionId: selection.id, variantId: variant.id, quantity: input.quantity, unitPrice: price.amount },
      select: { id: true },
    });
    return { selectionId: selection.id, itemId: item.id };
  }, TRANSACTION.change);
}

export interface AddCustomSelectionItemInput {
  selectionId: string;
  name: string;
  unitPrice: string;
  quantity: number;
  sku?: string | null;
  taxable: boolean;
}

/** A custom line's price: the pricelist's currency, above zero, at most MAX_AMOUNT. */
function customPrice(value: string, currency: string, path: string[]): bigint {
  const amount = parseMoney(value, currency, path);
  if (amount === 0n) throw new ValidationFailed('A custom line is priced above zero', path);
  return amount;
}

/**
 * Adds a line that is no catalog variant (admins only), e.g. an additional payment: its own
 * name, an optional merchant reference, a price; always priceLocked, it takes no stock.
 */
export async function addCustomSelectionItem(caller: Caller, input: AddCustomSelectionItemInput): Promise<{ selectionId: string; itemId: string }> {
  if (caller.kind !== 'admin') throw new Forbidden('Only admins may add a custom line');
  const name = checkText(input.name, ['input', 'name'], LIMITS.name);
  checkQuantity(input.quantity, ['input', 'quantity'], 1, LIMITS.lineQuantity);
  const sku = input.sku == null ? null : checkCode(input.sku, ['input', 'sku']);
  return db().$transaction(async (tx) => {
    const selection = await lockForChange(tx, caller, input.selectionId, true);
    const unitPrice = customPrice(input.unitPrice, selection.currency, ['input', 'unitPrice']);
    await checkLineCount(tx, selection.id, ['input', 'selectionId']);
    const item = await tx.selectionItem.create({
      data: { selectionId: selection.id, kind: 'CUSTOM', name, sku, taxable: input.taxable, quantity: input.quantity, unitPrice, priceLocked: true },
      select: { id: true },
    });
    return { selectionId: selection.id, itemId: item.id };
  }, TRANSACTION.change);
}

/** Refuses a new line on a full selection, naming `path` (the input that asked for the line). */
async function checkLineCount(tx: Tx, selectionId: string, path: string[]) {
  const lines = await tx.selectionItem.count({ where: { selectionId } });
  if (lines >= LIMITS.selectionLines) throw new ValidationFailed(`A selection holds at most ${LIMITS.selectionLines} lines`, path);
}

async function lockedItem(tx: Tx, selectionId: string, itemId: string) {
  const item = isUuid(itemId)
    ? await tx.selectionItem.findFirst({ where: { id: itemId, selectionId }, select: { id: true, kind: true, quantity: true, priceLocked: true } })
    : null;
  if (!item) throw new NotFound('No such item in this selection');
  return item;
}

export interface UpdateSelectionItemInput {
  selectionId: string;
  itemId: string;
  quantity?: number | null;
  unitPrice?: string | null;
}

/** Changes a line's quantity and (admins only) its unit price, which makes it priceLocked. */
export async function updateSelectionItem(caller: Caller, input: UpdateSelectionItemInput): Promise<{ selectionId: string; itemId: string }> {
  if (input.unitPrice != null && caller.kind !== 'admin') throw new Forbidden('Only admins may set a unit price');
  if (input.quantity == null && input.unitPrice == null) throw new ValidationFailed('Give a quantity, a unitPrice or both', ['input']);
  // The range is input: refused before any row is locked, as quantityRefusal (the rule) would first.
  if (input.quantity != null) checkQuantity(input.quantity, ['input', 'quantity'], 1, LIMITS.lineQuantity);
  return db().$transaction(async (tx) => {
    const selection = await lockForChange(tx, caller, input.selectionId, true);
    const item = await lockedItem(tx, selection.id, input.itemId);
    const refusal = input.quantity == null ? null : quantityRefusal(selection, item, input.quantity);
    if (refusal) throw refusal;
    const path = ['input', 'unitPrice'];
    const unitPrice = input.unitPrice == null ? undefined
      : item.kind === 'CUSTOM' ? customPrice(input.unitPrice, selection.currency, path)
      : parseMoney(input.unitPrice, selection.currency, path);
    await tx.selectionItem.update({
      where: { id: item.id },
      data: {
        ...(input.quantity != null && { quantity: input.quantity }),
        ...(unitPrice !== undefined && { unitPrice, priceLocked: true }),
      },
    });
    return { selectionId: selection.id, itemId: item.id };
  }, TRANSACTION.change);
}

export async function removeSelectionItem(caller: Caller, input: { selectionId: string; itemId: string }): Promise<{ selectionId: string }> {
  return db().$transaction(async (tx) => {
    const selection = await lockForChange(tx, caller, input.selectionId, true);
    const item = await lockedItem(tx, selection.id, input.itemId);
    await tx.selectionItem.delete({ where: { id: item.id } });
    return { selectionId: selection.id };
  }, TRANSACTION.change);
}

/** Changes the shipping country within the market; market, pricelist and prices stay. */
export async function setShippingCountry(caller: Caller, input: { selectionId: string; countryCode: string }): Promise<{ selectionId: string }> {
  const countryCode = checkCountry(input.countryCode, ['input', 'countryCode']);
  return db().$transaction(async (tx) => {
    const selection = await lockForChange(tx, caller, input.selectionId, false);
    await requireShipping(tx, selection.marketId, selection.pricelistId, countryCode);
    await tx.selection.update({ where: { id: selection.id }, data: { countryCode } });
    return { selectionId: selection.id };
  }, TRANSACTION.change);
}

export interface SetCustomerInput {
  selectionId: string;
  email: string;
  firstName?: string | null;
  lastName?: string | null;
}

/**
 * Attaches the selection to the customer with this e-mail; the names given stay with the
 * selection. A selection for an earlier order takes that order's customer only.
 */
export async function setCustomer(caller: Caller, input: SetCustomerInput): Promise<{ selectionId: string }> {
  const email = checkEmail(input.email, ['input', 'email']);
  const names = {
    firstName: optionalName(input.firstName, ['input', 'firstName']),
    lastName: optionalName(input.lastName, ['input', 'lastName']),
  };
  return db().$transaction(async (tx) => {
    const selection = await lockForChange(tx, caller, input.selectionId, false);
    if (selection.relatedOrderId !== null) {
      const related = await tx.order.findUniqueOrThrow({ where: { id: selection.relatedOrderId }, select: { customerEmail: true } });
      checkRelatedCustomer(related, email, ['input', 'email']);
    }
    const customer = await upsertCustomer(tx, email, names, caller.kind === 'admin');
    await tx.selection.update({
      where: { id: selection.id },
      data: { customerId: customer.id, customerFirstName: names.firstName ?? null, customerLastName: names.lastName ?? null },
    });
    return { selectionId: selection.id };
  }, TRANSACTION.change);
}
