// Orders: placed by the owning session (or an admin), read by admins and by that session.
import { db } from '../db/client.js';
import { OrderStatus as OrderStatusValues } from '../generated/prisma/enums.js';
import {
  Forbidden, IdempotencyConflict, LinkUnavailable, NotFound, OutOfStock, SelectionStateFailed, ShippingUnavailable, ValidationFailed,
} from '../services/errors.js';
import { LIMITS, isUuid } from '../services/validate.js';
import { adminOnly, builder, noRow, ownerOrAdmin, pageSize } from './builder.js';
import { Customer } from './customer.js';
import { SelectionItemKind } from './selection.js';
import { customerAsSeenBy } from '../services/customer.js';
import { ShareableLink } from './link.js';
import { resultErrors } from './errors.js';
import { Money, SelectionTotals } from './money.js';
import { orderVisibleTo, ordersVisibleTo, placeOrder } from '../services/order.js';

/** Supplementary orders `Order.supplementaryOrders` answers when `first` is not given. */
const SUPPLEMENTARY_PAGE = 10;

export const OrderStatus = builder.enumType(OrderStatusValues, {
  name: 'OrderStatus',
  description: 'Where an order is in its life.',
  values: { CONFIRMED: { description: 'Placed: stock is taken and the totals are final.' } },
});

/** 42n -> "LC-000042" */
export function orderNumber(number: bigint): string {
  return `LC-${number.toString().padStart(6, '0')}`;
}

export const OrderItem = builder.prismaObject('OrderItem', {
  description: 'A line of an order, as it was when the order was placed.',
  fields: (t) => ({
    kind: t.expose('kind', { type: SelectionItemKind, description: 'CATALOG for a variant, CUSTOM for a line an admin wrote (no stock was taken for it).' }),
    sku: t.exposeString('sku', { nullable: true, description: 'The variant\'s SKU, or the merchant\'s optional reference on a custom line.' }),
    name: t.exposeString('name', { description: 'The variant\'s name when the order was placed, or the custom line\'s.' }),
    quantity: t.exposeInt('quantity', { description: 'Units ordered.' }),
    unitPrice: t.field({
      type: Money,
      description: 'Price of one unit, net of tax.',
      select: { unitPrice: true, order: { select: { currency: true } } },
      resolve: (item) => ({ amount: item.unitPrice, currency: item.order.currency }),
    }),
    lineTotal: t.field({
      type: Money,
      description: 'unitPrice × quantity.',
      select: { lineTotal: true, order: { select: { currency: true } } },
      resolve: (item) => ({ amount: item.lineTotal, currency: item.order.currency }),
    }),
  }),
});

export const Order = builder.prismaObject('Order', {
  description: 'A placed order: a snapshot of a selection\'s lines and totals.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id.' }),
    number: t.string({
      description: 'Human-readable, unique, increasing order number, e.g. "LC-000042".',
      select: { number: true },
      resolve: (order) => orderNumber(order.number),
    }),
    status: t.expose('status', { type: OrderStatus, description: 'CONFIRMED once placed.' }),
    customer: t.field({
      type: Customer,
      description: 'Who ordered, with the e-mail and names as given for the order.',
      select: { customer: true, customerEmail: true, customerFirstName: true, customerLastName: true },
      resolve: (order, _args, ctx) => ({ ...customerAsSeenBy(ctx.caller, order.customer, order), email: order.customerEmail }),
    }),
    countryCode: t.exposeString('countryCode', { description: 'Shipping country.' }),
    items: t.relation('items', { description: 'The lines, in selection order.', extensions: { items: LIMITS.selectionLines }, query: { orderBy: { position: 'asc' } } }),
    totals: t.field({
      type: SelectionTotals,
      description: 'The totals as charged.',
      select: { subtotal: true, shipping: true, tax: true, grandTotal: true, currency: true },
      resolve: (order) => order,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was placed.' }),
    supplementaryOrders: t.relation('supplementaryOrders', {
      description: 'Orders placed later as additional payments for this one, oldest first: the first `first` of them. A storefront session sees only its own.',
      extensions: { items: LIMITS.supplementaryOrders },
      args: {
        first: t.arg.int({
          required: false,
          defaultValue: SUPPLEMENTARY_PAGE,
          description: `How many, at most ${LIMITS.supplementaryOrders}.`,
        }),
      },
      query: ({ first }, ctx) => ({
        where: ordersVisibleTo(ctx.caller),
        orderBy: { number: 'asc' },
        take: pageSize(first, SUPPLEMENTARY_PAGE, LIMITS.supplementaryOrders),
      }),
    }),
  }),
});

// Beside Order rather than in it: a field of Order returning Order would make its type refer to itself.
builder.prismaObjectField('Order', 'relatedOrder', (t) =>
  t.field({
    type: Order,
    nullable: true,
    description: 'The earlier order this one is an additional payment for. A storefront session sees it only when it placed that order too.',
    select: (_args, _ctx, nestedSelection) => ({ relatedOrder: nestedSelection() }),
    resolve: (order, _args, ctx) => (order.relatedOrder && orderVisibleTo(ctx.caller, order.relatedOrder) ? order.relatedOrder : null),
  }),
);

builder.queryField('orders', (t) =>
  t.prismaConnection(
    {
      ...adminOnly,
      type: 'Order',
      cursor: 'id',
      description: 'Admin only. Orders, newest first, a page at a time (at most 100), optionally of one customer.',
      args: { customerId: t.arg.id({ required: false, description: 'Only this customer\'s orders.' }) },
      resolve: (query, _root, { customerId }) => {
        if (customerId != null && !isUuid(customerId)) return noRow(query, []);
        return db().order.findMany({ ...query, where: customerId ? { customerId } : {}, orderBy: { id: 'desc' } });
      },
    },
    { name: 'OrderConnection', description: 'A page of orders.' },
    {
      name: 'OrderEdge',
      description: 'One order and its cursor.',
      // On the admin's list, not on Order: a session reading its order has no way to its link.
      fields: (t) => ({
        link: t.field({
          type: ShareableLink,
          nullable: true,
          description: 'The shareable link whose claim the order came from; null for an admin selection ordered directly.',
          resolve: (edge, _args, ctx) => (edge.node.linkId ? ctx.loaders.links.load(edge.node.linkId) : null),
        }),
      }),
    },
  ),
);

builder.queryField('order', (t) =>
  t.prismaField({
    type: 'Order',
    nullable: true,
    description: 'Admins see every order; a storefront session only its own. Null otherwise.',
    ...ownerOrAdmin,
    unauthorizedResolver: () => null,
    args: { id: t.arg.id({ description: 'The order\'s id.' }) },
    resolve: (query, _root, { id }, ctx) => {
      if (!isUuid(id)) return noRow(query, null);
      return db().order.findFirst({ ...query, where: { id, ...ordersVisibleTo(ctx.caller) } });
    },
  }),
);

const PlaceOrderInput = builder.inputType('PlaceOrderInput', {
  description: 'The selection to buy.',
  fields: (t) => ({
    selectionId: t.id({ description: 'The selection.' }),
    idempotencyKey: t.string({
      description:
        'Retrying with the same key returns the same order instead of placing another. Keys are scoped to the caller: a storefront session\'s keys are its own, and each admin key\'s are its own. The same key from another caller is never matched (it places an independent order); reusing one of your keys for another selection is IDEMPOTENCY_CONFLICT.',
    }),
  }),
});

const PlaceOrderSuccess = builder.objectRef<{ orderId: string }>('PlaceOrderSuccess').implement({
  description: 'The placed order.',
  fields: (t) => ({
    order: t.prismaField({
      type: 'Order',
      description: 'The order.',
      resolve: (query, r) => db().order.findUniqueOrThrow({ ...query, where: { id: r.orderId } }),
    }),
  }),
});

builder.mutationField('placeOrder', (t) =>
  t.field({
    ...ownerOrAdmin,
    type: PlaceOrderSuccess,
    description: 'The owning session (or an admin). Takes stock and places the order in one transaction. Refused with what `Selection.placeOrderBlockers` shows beforehand, or OUT_OF_STOCK.',
    errors: resultErrors('PlaceOrder', [
      ValidationFailed, NotFound, Forbidden, SelectionStateFailed, OutOfStock, ShippingUnavailable, IdempotencyConflict, LinkUnavailable,
    ]),
    args: { input: t.arg({ type: PlaceOrderInput, description: 'The selection and an idempotency key.' }) },
    resolve: async (_root, { input }, ctx) => {
      const placed = await placeOrder(ctx.events, ctx.caller, input);
      if (!placed.replayed) ctx.metrics.orders.inc();
      if (placed.linkConsumed) ctx.metrics.linksConsumed.inc();
      return placed;
    },
  }),
);
