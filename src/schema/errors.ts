// The contract's error types: every expected failure is data inside a field's result union.
import {
  Forbidden, IdempotencyConflict, LinkUnavailable, NotFound, OutOfStock, RateLimited, SelectionStateFailed,
  ShippingUnavailable, ValidationFailed,
} from '../services/errors.js';
import type { DomainError, ErrorCode as Code } from '../services/errors.js';
import { LIMITS } from '../services/validate.js';
import { builder } from './builder.js';

const codeDescriptions: Record<Code, string> = {
  VALIDATION: 'The input is not acceptable; `path` names the field.',
  NOT_FOUND: 'Nothing with this id or code exists for this caller.',
  FORBIDDEN: 'This caller may not do this.',
  RATE_LIMITED: 'Too many failed attempts from this client: wait `retryAfterSeconds`.',
  LINK_NOT_FOUND: 'No link matches this hash pair (also for a malformed pair, or a right hash1 with a wrong hash2).',
  LINK_USED: 'The link was consumed by a purchase: a new claimant gets nothing in a basket; at placeOrder, the link already had its maxOrders orders.',
  LINK_REVOKED: 'The link was revoked by an admin.',
  LINK_EXPIRED: 'The link is past its expiry time.',
  SELECTION_LOCKED: 'The selection came from a link issued with lockItems: no item can be added, changed or removed.',
  PRICE_LOCKED: 'The line carries a custom price: its quantity can never be increased.',
  SELECTION_EMPTY: 'The selection has no items.',
  SELECTION_CLOSED: 'The selection was already ordered or deleted.',
  OUT_OF_STOCK: 'Not enough stock in the market\'s warehouses; see `shortages`.',
  SHIPPING_UNAVAILABLE: 'The market has no shipping setup for this country.',
  IDEMPOTENCY_CONFLICT: 'You (this session, or this admin key) already used the idempotency key with a different selection.',
};

export const ErrorCode = builder.enumType('ErrorCode', {
  description: 'Machine-readable reason of an expected failure.',
  values: Object.fromEntries(
    Object.entries(codeDescriptions).map(([code, description]) => [code, { description }]),
  ) as Record<Code, { description: string }>,
});

export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description: 'Every expected failure is returned as data: a type implementing Error inside the field\'s result union.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, for people.' }),
    code: t.field({ type: ErrorCode, description: 'What went wrong, for programs.', resolve: (error) => error.code }),
  }),
});

const plain = (name: string, description: string) => ({ name, description, interfaces: [ErrorInterface] });

builder.objectType(NotFound, plain('NotFoundError', 'Nothing with this id or code exists, or it belongs to another session.'));
builder.objectType(Forbidden, plain('ForbiddenError', 'The caller may not do this: an admin key or the owning session is needed.'));
builder.objectType(IdempotencyConflict, plain('IdempotencyConflictError', 'The idempotency key was already used with another selection.'));
builder.objectType(LinkUnavailable, plain('LinkUnavailableError', 'code is LINK_NOT_FOUND, LINK_USED, LINK_REVOKED or LINK_EXPIRED.'));
builder.objectType(SelectionStateFailed, plain('SelectionStateError', 'code is SELECTION_LOCKED, PRICE_LOCKED, SELECTION_EMPTY or SELECTION_CLOSED.'));

builder.objectType(ValidationFailed, {
  ...plain('ValidationError', 'The input is not acceptable.'),
  fields: (t) => ({
    path: t.exposeStringList('path', { description: 'Path of the offending input field, e.g. ["input", "quantity"].', extensions: { items: 12 } }),
  }),
});

builder.objectType(RateLimited, {
  ...plain('RateLimitedError', 'Too many failed attempts from this client.'),
  fields: (t) => ({
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', { description: 'Seconds until attempts are accepted again.' }),
  }),
});

builder.objectType(ShippingUnavailable, {
  ...plain('ShippingUnavailableError', 'The market has no shipping setup for this country.'),
  fields: (t) => ({ countryCode: t.exposeString('countryCode', { description: 'The country that cannot be shipped to.' }) }),
});

const StockShortage = builder.objectRef<{ sku: string; requested: number; available: number }>('StockShortage').implement({
  description: 'One SKU that the market\'s warehouses cannot supply in full.',
  fields: (t) => ({
    sku: t.exposeString('sku', { description: 'The SKU that is short.' }),
    requested: t.exposeInt('requested', { description: 'Units the order asked for.' }),
    available: t.exposeInt('available', { description: 'Units in stock across the market\'s warehouses.' }),
  }),
});

builder.objectType(OutOfStock, {
  ...plain('OutOfStockError', 'The order needs more stock than there is; nothing was taken.'),
  fields: (t) => ({
    shortages: t.field({ type: [StockShortage], description: 'Every SKU that is short.', extensions: { items: LIMITS.selectionLines }, resolve: (e) => e.shortages }),
  }),
});

/**
 * Options for a mutation field whose result is `<Name>Result`: its success type or one of
 * the listed error types.
 */
export function resultErrors(name: string, types: (abstract new (...args: never[]) => DomainError)[]) {
  return {
    types: types as never as (new (...args: never[]) => Error)[],
    directResult: true as const,
    union: { name: `${name}Result`, description: `The result of ${name[0]!.toLowerCase()}${name.slice(1)}: success or a typed error.` },
  };
}
