// Orders: placed by the owning session (or an admin), read by admins and by that session.
import { db } from '../db/client.js';
import { OrderStatus as OrderStatusValues } from '../generated/prisma/enums.js';
import {
  Forbidden, IdempotencyConflict, NotFound, OutOfStock, SelectionStateFailed, ShippingUnavailable, ValidationFailed,
} from '../services/errors.js';
import { LIMITS, isUuid } from '../services/validate.js';
import { adminOnly, builder, noRow, ownerOrAdmin } from './builder.js';
import { Customer, customerAsSeenBy } from './selection.js';
import { ShareableLink } from './link.js';
import { resultErrors } from './errors.js';
import { Money, SelectionTotals } from './money.js';
import { placeOrder } from '../services/order.js';

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
    sku: t.exposeString('sku', { description: 'The variant\'s SKU.' }),
    name: t.exposeString('name', { description: 'The variant\'s name when the order was placed.' }),
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
  }),
});

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
      const where = ctx.caller.kind === 'session' ? { id, sessionId: ctx.caller.sessionId } : { id };
      return db().order.findUnique({ ...query, where });
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
    description: 'The owning session (or an admin). Takes stock and places the order in one transaction.',
    errors: resultErrors('PlaceOrder', [
      ValidationFailed, NotFound, Forbidden, SelectionStateFailed, OutOfStock, ShippingUnavailable, IdempotencyConflict,
    ]),
    args: { input: t.arg({ type: PlaceOrderInput, description: 'The selection and an idempotency key.' }) },
    resolve: (_root, { input }, ctx) => placeOrder(ctx.caller, input),
  }),
);
