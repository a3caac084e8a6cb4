// Customers, selections (carts) and their items, with the queries and mutations on them.
import { db } from '../db/client.js';
import { SelectionItemKind as SelectionItemKindValues, SelectionStatus as SelectionStatusValues } from '../generated/prisma/enums.js';
import { Forbidden, NotFound, SelectionStateFailed, ShippingUnavailable, ValidationFailed } from '../services/errors.js';
import { computeTotals } from '../services/money.js';
import { PLACE_ORDER_BLOCKERS, placeOrderBlockers, readinessOf } from '../services/order.js';
import type { OrderReadiness, PlaceOrderBlocker as PlaceOrderBlockerValue } from '../services/order.js';
import {
  addCustomSelectionItem, addSelectionItem, createSelection, lineCapabilities, removeSelectionItem,
  selectionCapabilities, setCustomer, setShippingCountry, ships, updateSelectionItem, visibleSelection,
} from '../services/selection.js';
import { LIMITS, isUuid } from '../services/validate.js';
import { adminOnly, builder, noRow, ownerOrAdmin, pageSize, searchArgument } from './builder.js';
import { OFFERS_PAGE, offersOf } from '../services/catalog.js';
import { Customer } from './customer.js';
import { customerAsSeenBy } from '../services/customer.js';
import { resultErrors } from './errors.js';
import type { SelectionFacts } from './loaders.js';
import { Money, SelectionTotals } from './money.js';

export const SelectionStatus = builder.enumType(SelectionStatusValues, {
  name: 'SelectionStatus',
  description: 'Where a selection is in its life.',
  values: {
    OPEN: { description: 'Can change and be ordered.' },
    ORDERED: { description: 'An order was placed from it; it no longer changes.' },
    DELETED: { description: 'Removed (an admin selection whose link was consumed).' },
  },
});

/** A value computed from a selection's facts, which may still be loading. */
function withFacts<T>(facts: SelectionFacts | Promise<SelectionFacts>, compute: (facts: SelectionFacts) => T): T | Promise<T> {
  return facts instanceof Promise ? facts.then(compute) : compute(facts);
}

export const SelectionItemKind = builder.enumType(SelectionItemKindValues, {
  name: 'SelectionItemKind',
  description: 'What a line is.',
  values: {
    CATALOG: { description: 'A variant of the catalog: takes stock at purchase.' },
    CUSTOM: { description: 'A line an admin wrote (e.g. an additional payment): no variant, no stock, always priceLocked.' },
  },
});

const LineCapabilities = builder.objectRef<ReturnType<typeof lineCapabilities>>('LineCapabilities').implement({
  description: 'What the holder of a selection may do with one line now (the same rules the mutations enforce).',
  fields: (t) => ({
    canIncrease: t.exposeBoolean('canIncrease', {
      description: `updateSelectionItem may raise the quantity: the selection is open, not locked, and the line is not priceLocked nor at ${LIMITS.lineQuantity.toLocaleString('en')} units.`,
    }),
    canDecrease: t.exposeBoolean('canDecrease', { description: 'updateSelectionItem may lower the quantity: the selection is open, not locked, and the line has more than one unit.' }),
    canRemove: t.exposeBoolean('canRemove', { description: 'removeSelectionItem may remove the line: the selection is open and not locked.' }),
  }),
});

export const SelectionItem = builder.prismaObject('SelectionItem', {
  select: { id: true },
  description: 'One line of a selection: a catalog variant or a custom line, a quantity and a unit price.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id.' }),
    kind: t.expose('kind', { type: SelectionItemKind, description: 'CATALOG for a variant, CUSTOM for a line an admin wrote.' }),
    sku: t.string({
      nullable: true,
      description: 'The variant\'s SKU, or the merchant\'s optional reference on a custom line.',
      select: { sku: true, variant: { select: { sku: true } } },
      resolve: (item) => item.variant?.sku ?? item.sku,
    }),
    variant: t.relation('variant', { nullable: true, description: 'The variant on this line. Null for a custom line.' }),
    name: t.string({
      description: 'The variant\'s name, or the custom line\'s.',
      select: { name: true, variant: { select: { name: true } } },
      // The database holds a name on every custom line (SelectionItem_kind_check).
      resolve: (item) => item.variant?.name ?? item.name!,
    }),
    quantity: t.exposeInt('quantity', { description: 'Units, at least 1.' }),
    unitPrice: t.field({
      type: Money,
      description: 'Price of one unit, net of tax: the pricelist price, or a custom price set by an admin.',
      select: { unitPrice: true, selectionId: true },
      resolve: (item, _args, ctx) => withFacts(ctx.loaders.selections.of(item.selectionId), (s) => ({ amount: item.unitPrice, currency: s.currency })),
    }),
    priceLocked: t.exposeBoolean('priceLocked', {
      description: 'True when an admin set a custom price on this line (always on a custom line): its quantity can never be increased.',
    }),
    taxable: t.exposeBoolean('taxable', { description: 'False for a custom line outside the tax base (e.g. a deposit); true on every catalog line.' }),
    lineTotal: t.field({
      type: Money,
      description: 'unitPrice × quantity.',
      select: { unitPrice: true, quantity: true, selectionId: true },
      resolve: (item, _args, ctx) =>
        withFacts(ctx.loaders.selections.of(item.selectionId), (s) => ({ amount: item.unitPrice * BigInt(item.quantity), currency: s.currency })),
    }),
    capabilities: t.field({
      type: LineCapabilities,
      description: 'What the holder of the selection may do with this line now.',
      select: { quantity: true, priceLocked: true, selectionId: true },
      resolve: (item, _args, ctx) => withFacts(ctx.loaders.selections.of(item.selectionId), (s) => lineCapabilities(s, item)),
    }),
  }),
});

const ShippingCountry = builder.objectRef<{ code: string; shippable: boolean }>('ShippingCountry').implement({
  description: 'A country of a selection\'s market.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'ISO-3166 alpha-2 code.' }),
    shippable: t.exposeBoolean('shippable', { description: 'The selection can be shipped here: the market has a shipping rate for it in the selection\'s pricelist.' }),
  }),
});

const PlaceOrderBlocker = builder.enumType('PlaceOrderBlocker', {
  description: 'Why placeOrder would be refused now; empty when it would be accepted (stock permitting).',
  values: {
    SELECTION_EMPTY: { description: 'It has no lines (placeOrder: SELECTION_EMPTY).' },
    SELECTION_CLOSED: { description: 'It was ordered or deleted (placeOrder: SELECTION_CLOSED).' },
    CUSTOMER_MISSING: { description: 'No customer is attached: call setCustomer (placeOrder: VALIDATION).' },
    SHIPPING_UNAVAILABLE: { description: 'It cannot be shipped to its country (placeOrder: SHIPPING_UNAVAILABLE).' },
    LINK_USED: { description: 'The link it was claimed from has had its maxOrders orders (placeOrder: LINK_USED).' },
  } satisfies Record<PlaceOrderBlockerValue, { description: string }>,
});

const SelectionCapabilities = builder.objectRef<ReturnType<typeof selectionCapabilities>>('SelectionCapabilities').implement({
  description: 'What the holder of a selection may do with it now.',
  fields: (t) => ({
    canAddItems: t.exposeBoolean('canAddItems', {
      description: `addSelectionItem is accepted: the selection is open and not locked (an add is still refused past ${LIMITS.selectionLines} lines, or ${LIMITS.lineQuantity.toLocaleString('en')} units on a line).`,
    }),
    canChangeCountry: t.exposeBoolean('canChangeCountry', {
      description: 'setShippingCountry is accepted for another country: the selection is open and availableCountries has another shippable one.',
    }),
    canPlaceOrder: t.exposeBoolean('canPlaceOrder', { description: 'placeOrderBlockers is empty: placeOrder is accepted, stock permitting.' }),
  }),
});

/** What placeOrderBlockers reads of a selection, in the same query as the selection. */
const readinessSelect = {
  status: true,
  locked: true,
  countryCode: true,
  marketId: true,
  pricelistId: true,
  customerId: true,
  market: { select: { countries: true } },
  _count: { select: { items: true } },
  claim: { select: { link: { select: { maxOrders: true, _count: { select: { orders: true } } } } } },
} as const;

function readiness(
  s: {
    status: string;
    countryCode: string;
    customerId: string | null;
    market: { countries: string[] };
    _count: { items: number };
    claim: { link: { maxOrders: number | null; _count: { orders: number } } } | null;
  },
  rated: ReadonlySet<string>,
): OrderReadiness {
  const link = s.claim && { maxOrders: s.claim.link.maxOrders, orders: s.claim.link._count.orders };
  return readinessOf(s, s._count.items, ships(s.market.countries, rated, s.countryCode), link);
}

const ITEM_ORDER = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

export const Selection = builder.prismaObject('Selection', {
  description: 'A cart. Admins build them; a claim of a shareable link gives the claimant a copy.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id.' }),
    status: t.expose('status', { type: SelectionStatus, description: 'OPEN until ordered or deleted.' }),
    market: t.relation('market', { description: 'The market it sells in; fixed for claimed copies.' }),
    pricelist: t.relation('pricelist', { description: 'The pricelist of its prices; fixed for claimed copies.' }),
    currency: t.string({
      description: 'ISO-4217 code of every amount in the selection (the pricelist\'s currency).',
      select: { pricelist: { select: { currency: true } } },
      resolve: (selection) => selection.pricelist.currency,
    }),
    countryCode: t.exposeString('countryCode', { description: 'Shipping country.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created (for a claimed copy: when it was claimed).' }),
    offers: t.prismaField({
      type: ['Price'],
      description: `What can be added to it: variants priced in its pricelist, by SKU, whose SKU or name contains \`search\` (any case; every variant when empty). Adding is still refused when the selection is locked.`,
      extensions: { items: OFFERS_PAGE.max },
      args: {
        search: t.arg.string({ required: false, description: `Part of a SKU or a name, at most ${LIMITS.search} characters.` }),
        first: t.arg.int({ required: false, defaultValue: OFFERS_PAGE.default, description: `How many offers, at most ${OFFERS_PAGE.max}.` }),
      },
      select: { pricelistId: true },
      resolve: (query, selection, { search, first }) =>
        db().price.findMany({
          ...query,
          where: offersOf(selection.pricelistId, searchArgument(search)),
          orderBy: { variant: { sku: 'asc' } },
          take: pageSize(first, OFFERS_PAGE.default, OFFERS_PAGE.max),
        }),
    }),
    customer: t.field({
      type: Customer,
      nullable: true,
      description: 'Who it is for, once known, with the names given for this selection.',
      select: { customer: true, customerFirstName: true, customerLastName: true },
      resolve: (s, _args, ctx) => s.customer && customerAsSeenBy(ctx.caller, s.customer, s),
    }),
    relatedOrder: t.relation('relatedOrder', {
      ...adminOnly,
      unauthorizedResolver: () => null,
      nullable: true,
      description: 'Admin only: the earlier order this selection asks an additional payment for. Null for others.',
    }),
    locked: t.exposeBoolean('locked', { description: 'True for a copy claimed from a link issued with lockItems.' }),
    ignoreShipping: t.exposeBoolean('ignoreShipping', { description: 'Shipping is zero (set by the link a copy was claimed from).' }),
    ignoreTax: t.exposeBoolean('ignoreTax', { description: 'Tax is zero (set by the link a copy was claimed from).' }),
  }),
});

// A selection's lines and what they add up to.
builder.prismaObjectFields('Selection', (t) => ({
    items: t.field({
      type: [SelectionItem],
      description: `The lines, oldest first (at most ${LIMITS.selectionLines}).`,
      extensions: { items: LIMITS.selectionLines },
      select: (_args, _ctx, nestedSelection) => ({
        status: true,
        locked: true,
        pricelist: { select: { currency: true } },
        items: nestedSelection({ orderBy: ITEM_ORDER }),
      }),
      resolve: (selection, _args, ctx) => {
        ctx.loaders.selections.prime(selection.id, { currency: selection.pricelist.currency, status: selection.status, locked: selection.locked });
        return selection.items;
      },
    }),
    totals: t.field({
      type: SelectionTotals,
      description: 'Subtotal, shipping, tax and grand total, exact to the currency\'s minor unit. Tax is on the taxable lines and shipping.',
      select: {
        marketId: true,
        pricelistId: true,
        countryCode: true,
        ignoreShipping: true,
        ignoreTax: true,
        pricelist: { select: { currency: true } },
        // The same arguments as the items field, so both load in one query.
        items: { orderBy: ITEM_ORDER, select: { quantity: true, unitPrice: true, taxable: true } },
      },
      resolve: async (s, _args, ctx) => {
        const { shippingRate, taxRate } = await ctx.loaders.charges.load(s);
        const totals = computeTotals({ lines: s.items, shippingRate, taxRate, ignoreShipping: s.ignoreShipping, ignoreTax: s.ignoreTax });
        return { ...totals, currency: s.pricelist.currency };
      },
    }),
}));

// What the holder may do with a selection now: beside the type, so that each reads on its own.
builder.prismaObjectFields('Selection', (t) => ({
    availableCountries: t.field({
      type: [ShippingCountry],
      description: 'The countries of its market, each saying whether this selection can be shipped there (a shipping rate in its pricelist): what setShippingCountry accepts.',
      extensions: { items: LIMITS.marketCountries },
      select: { marketId: true, pricelistId: true, market: { select: { countries: true } } },
      resolve: async (selection, _args, ctx) => {
        const rated = await ctx.loaders.ratedCountries.load(`${selection.marketId}|${selection.pricelistId}`);
        return selection.market.countries.map((code) => ({ code, shippable: ships(selection.market.countries, rated, code) }));
      },
    }),
    capabilities: t.field({
      type: SelectionCapabilities,
      description: 'What the holder may do with it now: the rules the mutations enforce, so a storefront need not re-derive them.',
      select: readinessSelect,
      resolve: async (s, _args, ctx) => {
        const rated = await ctx.loaders.ratedCountries.load(`${s.marketId}|${s.pricelistId}`);
        return selectionCapabilities({ ...s, marketCountries: s.market.countries }, rated, placeOrderBlockers(readiness(s, rated)));
      },
    }),
    placeOrderBlockers: t.field({
      type: [PlaceOrderBlocker],
      description: 'Why placeOrder would be refused now; empty when it would be accepted (stock permitting).',
      extensions: { items: PLACE_ORDER_BLOCKERS.length },
      select: readinessSelect,
      resolve: async (s, _args, ctx) => placeOrderBlockers(readiness(s, await ctx.loaders.ratedCountries.load(`${s.marketId}|${s.pricelistId}`))),
    }),
}));

builder.queryField('selection', (t) =>
  t.prismaField({
    type: 'Selection',
    nullable: true,
    description: 'Admins see every selection; a storefront session only the one its X-Session-Token owns. Null otherwise.',
    ...ownerOrAdmin,
    unauthorizedResolver: () => null,
    args: { id: t.arg.id({ description: 'The selection\'s id.' }) },
    resolve: (query, _root, { id }, ctx) => {
      const where = visibleSelection(ctx.caller, id);
      return where ? db().selection.findUnique({ ...query, where }) : noRow(query, null);
    },
  }),
);

builder.queryField('selections', (t) =>
  t.prismaConnection(
    {
      ...adminOnly,
      type: 'Selection',
      cursor: 'id',
      description: 'Admin only. The selections admins built (not the copies claimants hold), newest first, a page at a time (at most 100); of one customer, of one status, when asked.',
      args: {
        customerId: t.arg.id({ required: false, description: 'Only this customer\'s selections.' }),
        status: t.arg({ type: SelectionStatus, required: false, description: 'Only selections of this status.' }),
      },
      resolve: (query, _root, { customerId, status }) => {
        if (customerId != null && !isUuid(customerId)) return noRow(query, []);
        return db().selection.findMany({
          ...query,
          where: { sessionId: null, ...(customerId ? { customerId } : {}), ...(status ? { status } : {}) },
          orderBy: { id: 'desc' },
        });
      },
    },
    { name: 'SelectionConnection', description: 'A page of selections.' },
    { name: 'SelectionEdge', description: 'One selection and its cursor.' },
  ),
);

// ---------------------------------------------------------------- inputs

const CreateSelectionInput = builder.inputType('CreateSelectionInput', {
  description: 'A new, empty selection.',
  fields: (t) => ({
    marketCode: t.string({ description: 'The market to sell in.' }),
    pricelistCode: t.string({ description: 'The pricelist of its prices.' }),
    countryCode: t.string({ description: 'Shipping country: one the market has a shipping price for in this pricelist.' }),
    customerEmail: t.string({ required: false, description: 'The customer, created if new. With relatedOrderId: leave it out, or give that order\'s customer.' }),
    relatedOrderId: t.id({
      required: false,
      description: 'Admin: the selection asks an additional payment for this earlier order; its customer is that order\'s.',
    }),
  }),
});

const AddCustomSelectionItemInput = builder.inputType('AddCustomSelectionItemInput', {
  description: 'A line that is not a catalog variant, e.g. an additional payment.',
  fields: (t) => ({
    selectionId: t.id({ description: 'The selection.' }),
    name: t.string({ description: `Shown to the customer, e.g. "Express upgrade for order LC-001042" (1–${LIMITS.name} characters).` }),
    unitPrice: t.field({ type: 'Decimal', description: 'The price of one unit, net of tax, in the selection\'s currency: above zero.' }),
    quantity: t.int({ defaultValue: 1, description: 'Units, 1 to 10,000.' }),
    sku: t.string({ required: false, description: 'The merchant\'s own reference (a code: letters, digits, ".", "_" or "-").' }),
    taxable: t.boolean({ defaultValue: true, description: 'False keeps the line out of the tax base (e.g. a deposit).' }),
  }),
});

const AddSelectionItemInput = builder.inputType('AddSelectionItemInput', {
  description: 'Units of a SKU to add.',
  fields: (t) => ({
    selectionId: t.id({ description: 'The selection.' }),
    sku: t.string({ description: 'The variant\'s SKU.' }),
    quantity: t.int({ description: 'Units to add, 1 to 10,000 (a line holds at most 10,000).' }),
    unitPrice: t.field({ type: 'Decimal', required: false, description: 'Admin only: a custom unit price. The line is then priceLocked.' }),
  }),
});

const UpdateSelectionItemInput = builder.inputType('UpdateSelectionItemInput', {
  description: 'A change to one line: its quantity, its unit price, or both.',
  fields: (t) => ({
    selectionId: t.id({ description: 'The selection.' }),
    itemId: t.id({ description: 'The line.' }),
    quantity: t.int({ required: false, description: 'The new quantity, 1 to 10,000; never more than now on a priceLocked line.' }),
    unitPrice: t.field({ type: 'Decimal', required: false, description: 'Admin only. A custom unit price; the line becomes priceLocked.' }),
  }),
});

const RemoveSelectionItemInput = builder.inputType('RemoveSelectionItemInput', {
  description: 'A line to remove.',
  fields: (t) => ({
    selectionId: t.id({ description: 'The selection.' }),
    itemId: t.id({ description: 'The line.' }),
  }),
});

const SetShippingCountryInput = builder.inputType('SetShippingCountryInput', {
  description: 'A new shipping country within the selection\'s market.',
  fields: (t) => ({
    selectionId: t.id({ description: 'The selection.' }),
    countryCode: t.string({ description: 'ISO-3166 alpha-2 code of a country the market ships to.' }),
  }),
});

const SetCustomerInput = builder.inputType('SetCustomerInput', {
  description: 'The customer to attach, found or created by e-mail.',
  fields: (t) => ({
    selectionId: t.id({ description: 'The selection.' }),
    email: t.string({ description: 'E-mail address.' }),
    firstName: t.string({ required: false, description: 'Given name (at most 100 characters).' }),
    lastName: t.string({ required: false, description: 'Family name (at most 100 characters).' }),
  }),
});

// ---------------------------------------------------------------- results

/** A success type with the selection after the change and, for item changes, the line. */
function success<T extends { selectionId: string; itemId?: string }>(name: string, description: string, withItem = false) {
  return builder.objectRef<T>(name).implement({
    description,
    fields: (t) => ({
      selection: t.prismaField({
        type: 'Selection',
        description: 'The selection after the change.',
        resolve: (query, r) => db().selection.findUniqueOrThrow({ ...query, where: { id: r.selectionId } }),
      }),
      ...(withItem && {
        item: t.prismaField({
          type: 'SelectionItem',
          description: 'The line that was added or changed.',
          resolve: (query, r) => db().selectionItem.findUniqueOrThrow({ ...query, where: { id: r.itemId! } }),
        }),
      }),
    }),
  });
}

type SelectionResult = { selectionId: string };
type ItemResult = { selectionId: string; itemId: string };

const CreateSelectionSuccess = success<SelectionResult>('CreateSelectionSuccess', 'The new selection.');
const AddSelectionItemSuccess = success<ItemResult>('AddSelectionItemSuccess', 'The units were added.', true);
const AddCustomSelectionItemSuccess = success<ItemResult>('AddCustomSelectionItemSuccess', 'The custom line was added.', true);
const UpdateSelectionItemSuccess = success<ItemResult>('UpdateSelectionItemSuccess', 'The line was changed.', true);
const RemoveSelectionItemSuccess = success<SelectionResult>('RemoveSelectionItemSuccess', 'The line was removed.');
const SetShippingCountrySuccess = success<SelectionResult>('SetShippingCountrySuccess', 'The shipping country was changed.');
const SetCustomerSuccess = success<SelectionResult>('SetCustomerSuccess', 'The customer was attached.');

const itemErrors = [ValidationFailed, NotFound, Forbidden, SelectionStateFailed];

builder.mutationFields((t) => ({
  createSelection: t.field({
    ...adminOnly,
    type: CreateSelectionSuccess,
    description: 'Admin. Creates an empty selection for a market, pricelist and shipping country.',
    errors: resultErrors('CreateSelection', [ValidationFailed, NotFound, Forbidden, ShippingUnavailable]),
    args: { input: t.arg({ type: CreateSelectionInput, description: 'The market, pricelist, country and customer.' }) },
    resolve: (_root, { input }) => createSelection(input),
  }),
  addSelectionItem: t.field({
    ...ownerOrAdmin,
    type: AddSelectionItemSuccess,
    description: 'Admin, or the storefront session that owns the selection. Adds units of a SKU.',
    errors: resultErrors('AddSelectionItem', itemErrors),
    args: { input: t.arg({ type: AddSelectionItemInput, description: 'The SKU and quantity.' }) },
    resolve: (_root, { input }, ctx) => addSelectionItem(ctx.caller, input),
  }),
  addCustomSelectionItem: t.field({
    ...adminOnly,
    type: AddCustomSelectionItemSuccess,
    description: 'Admin. A line that is not a catalog variant: no stock, always priceLocked.',
    errors: resultErrors('AddCustomSelectionItem', itemErrors),
    args: { input: t.arg({ type: AddCustomSelectionItemInput, description: 'The selection, the line\'s name, price and quantity.' }) },
    resolve: (_root, { input }, ctx) => addCustomSelectionItem(ctx.caller, input),
  }),
  updateSelectionItem: t.field({
    ...ownerOrAdmin,
    type: UpdateSelectionItemSuccess,
    description: 'Admin, or the storefront session that owns the selection. Changes a line.',
    errors: resultErrors('UpdateSelectionItem', itemErrors),
    args: { input: t.arg({ type: UpdateSelectionItemInput, description: 'The line and its new values.' }) },
    resolve: (_root, { input }, ctx) => updateSelectionItem(ctx.caller, input),
  }),
  removeSelectionItem: t.field({
    ...ownerOrAdmin,
    type: RemoveSelectionItemSuccess,
    description: 'Admin, or the storefront session that owns the selection. Removes a line.',
    errors: resultErrors('RemoveSelectionItem', itemErrors),
    args: { input: t.arg({ type: RemoveSelectionItemInput, description: 'The line.' }) },
    resolve: (_root, { input }, ctx) => removeSelectionItem(ctx.caller, input),
  }),
  setShippingCountry: t.field({
    ...ownerOrAdmin,
    type: SetShippingCountrySuccess,
    description: 'Admin, or the owning session. Market and pricelist stay locked, and so do the prices.',
    errors: resultErrors('SetShippingCountry', [ValidationFailed, NotFound, Forbidden, ShippingUnavailable, SelectionStateFailed]),
    args: { input: t.arg({ type: SetShippingCountryInput, description: 'The selection and country.' }) },
    resolve: (_root, { input }, ctx) => setShippingCountry(ctx.caller, input),
  }),
  setCustomer: t.field({
    ...ownerOrAdmin,
    type: SetCustomerSuccess,
    description: 'Admin, or the owning session: attaches the selection to a customer.',
    errors: resultErrors('SetCustomer', [ValidationFailed, NotFound, Forbidden, SelectionStateFailed]),
    args: { input: t.arg({ type: SetCustomerInput, description: 'The selection and the customer\'s details.' }) },
    resolve: (_root, { input }, ctx) => setCustomer(ctx.caller, input),
  }),
}));
