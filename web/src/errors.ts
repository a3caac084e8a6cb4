// The API's typed refusals as sentences a customer or an admin can act on. The pages show the
// sentence next to the control that caused it; the code decides the words, never the message.
import type { PlaceOrderBlocker } from './gql/graphql.js';

/** What the pages read of an error: every result union's errors implement `Error { message code }`. */
export interface ApiError {
  code: string;
  message: string;
  retryAfterSeconds?: number | null;
  shortages?: readonly { sku: string; requested: number; available: number }[] | null;
  countryCode?: string | null;
}

const SENTENCES: Record<string, (error: ApiError) => string> = {
  LINK_NOT_FOUND: () => 'This link does not work: check that you copied all of it.',
  LINK_USED: () => 'This link has already been used for a purchase.',
  LINK_EXPIRED: () => 'This link has expired. Ask the shop for a new one.',
  LINK_REVOKED: () => 'This link was withdrawn by the shop. Ask them for a new one.',
  RATE_LIMITED: (error) => `Too many attempts from this connection. Try again in ${waitText(error.retryAfterSeconds ?? 60)}.`,
  OUT_OF_STOCK: (error) =>
    `Not enough in stock: ${(error.shortages ?? []).map((s) => `${s.sku} (${s.available === 0 ? 'none left' : `only ${s.available} left`}, you asked for ${s.requested})`).join('; ')}.`,
  PRICE_LOCKED: () => 'This line has a special price: its quantity cannot be increased.',
  SELECTION_LOCKED: () => 'The items of this order are fixed by the shop and cannot be changed.',
  SHIPPING_UNAVAILABLE: (error) => `We do not ship to ${error.countryCode ?? 'that country'} for this order.`,
  SELECTION_CLOSED: () => 'This order has already been placed.',
  SELECTION_EMPTY: () => 'There is nothing to order yet.',
  IDEMPOTENCY_CONFLICT: () => 'This order attempt was already used for another order. Reload the page and try again.',
  VALIDATION: (error) => error.message,
  NOT_FOUND: () => 'This could not be found any more. Reload the page.',
  FORBIDDEN: () => 'You are not allowed to do this.',
};

function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** The sentence for a typed error; its own message for a code this page does not know. */
export function sentenceFor(error: ApiError): string {
  return SENTENCES[error.code]?.(error) ?? error.message;
}

/** A pay-once link's LINK_USED, as a blocker and as placeOrder's refusal. */
const LINK_PAID = 'This payment link has already been paid: it cannot be paid again.';

/** What a blocker's sentence depends on besides the blocker: the selection's capabilities. */
export interface BlockerContext {
  /** `Selection.capabilities.canChangeCountry`: another country the order can be shipped to may be chosen. */
  canChangeCountry: boolean;
}

/**
 * Why "Place order" cannot be pressed now: one sentence per entry of the selection's
 * placeOrderBlockers, each saying what the customer can do about it, if anything.
 */
const BLOCKERS: Record<PlaceOrderBlocker, (context: BlockerContext) => string> = {
  SELECTION_EMPTY: () => 'Your order is empty: add a product to continue.',
  SELECTION_CLOSED: () => 'This order has already been placed.',
  CUSTOMER_MISSING: () => 'Enter your e-mail address and save your details to continue.',
  SHIPPING_UNAVAILABLE: (context) => context.canChangeCountry
    ? 'We do not deliver to the chosen country: choose another one to continue.'
    : 'This order cannot be shipped to this country: contact the shop.',
  LINK_USED: () => LINK_PAID,
};

/** The sentence for one of `Selection.placeOrderBlockers`. */
export function blockerSentence(blocker: PlaceOrderBlocker, context: BlockerContext): string {
  return BLOCKERS[blocker](context);
}

/** The blockers placeOrder refuses with a code of the same name. */
const REFUSED_AS: readonly PlaceOrderBlocker[] = ['SELECTION_EMPTY', 'SELECTION_CLOSED', 'SHIPPING_UNAVAILABLE', 'LINK_USED'];

/**
 * The blocker a placeOrder refusal is, by its code (SELECTION_EMPTY, SELECTION_CLOSED,
 * SHIPPING_UNAVAILABLE, LINK_USED); null for any other (OUT_OF_STOCK, or VALIDATION, which is
 * how placeOrder refuses CUSTOMER_MISSING).
 */
export function blockerOf(code: string): PlaceOrderBlocker | null {
  return REFUSED_AS.find((blocker) => blocker === code) ?? null;
}

/**
 * The sentence for placeOrder's refusal. LINK_USED there means the link had all the orders it
 * allows (a pay-once link someone already paid), not that a new visitor came too late.
 */
export function placeOrderSentence(error: ApiError): string {
  return error.code === 'LINK_USED' ? LINK_PAID : sentenceFor(error);
}

/** What a page says when a request got no answer at all: the storefront's shop, the dashboard's server. */
export const UNREACHABLE = {
  shop: 'The shop could not be reached. Try again.',
  server: 'The server could not be reached. Try again.',
} as const;

/**
 * The sentence for a mutation's outcome, shown next to the control that sent it: `unreachable`
 * when no answer came (`failed`), the refusal's sentence for a typed error, '' for a success.
 */
export function problemOf(failed: boolean, answer: object | null | undefined, unreachable: string): string {
  if (failed) return unreachable;
  return answer && 'code' in answer && typeof answer.code === 'string' ? sentenceFor(answer as ApiError) : '';
}
