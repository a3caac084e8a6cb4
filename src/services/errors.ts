// Expected failures, thrown by services and mapped to the contract's error types by the
// schema (@pothos/plugin-errors). Anything else is unexpected and masked by yoga.

export type ErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'LINK_NOT_FOUND'
  | 'LINK_USED'
  | 'LINK_REVOKED'
  | 'LINK_EXPIRED'
  | 'SELECTION_LOCKED'
  | 'PRICE_LOCKED'
  | 'SELECTION_EMPTY'
  | 'SELECTION_CLOSED'
  | 'OUT_OF_STOCK'
  | 'SHIPPING_UNAVAILABLE'
  | 'IDEMPOTENCY_CONFLICT';

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
}

/** Bad input. `path` names the offending input field, e.g. ["input", "quantity"]. */
export class ValidationFailed extends DomainError {
  readonly code = 'VALIDATION';
  constructor(
    message: string,
    readonly path: string[],
  ) {
    super(message);
  }
}

export class NotFound extends DomainError {
  readonly code = 'NOT_FOUND';
}

export class Forbidden extends DomainError {
  readonly code = 'FORBIDDEN';
}

export class RateLimited extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed attempts; retry in ${retryAfterSeconds} s`);
  }
}

export class LinkUnavailable extends DomainError {
  constructor(
    readonly code: 'LINK_NOT_FOUND' | 'LINK_USED' | 'LINK_REVOKED' | 'LINK_EXPIRED',
    message: string,
  ) {
    super(message);
  }
}

export class SelectionStateFailed extends DomainError {
  constructor(
    readonly code: 'SELECTION_LOCKED' | 'PRICE_LOCKED' | 'SELECTION_EMPTY' | 'SELECTION_CLOSED',
    message: string,
  ) {
    super(message);
  }
}

export interface StockShortage {
  sku: string;
  requested: number;
  available: number;
}

export class OutOfStock extends DomainError {
  readonly code = 'OUT_OF_STOCK';
  constructor(readonly shortages: StockShortage[]) {
    super(`Not enough stock for ${shortages.map((s) => s.sku).join(', ')}`);
  }
}

export class ShippingUnavailable extends DomainError {
  readonly code = 'SHIPPING_UNAVAILABLE';
  constructor(
    readonly countryCode: string,
    marketCode: string,
  ) {
    super(`Market ${marketCode} has no shipping setup for ${countryCode}`);
  }
}

export class IdempotencyConflict extends DomainError {
  readonly code = 'IDEMPOTENCY_CONFLICT';
  constructor() {
    super('You already used this idempotency key with another selection');
  }
}
