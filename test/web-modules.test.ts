// The pages' small pure modules (web/src): money formatting, the sentences for typed errors and
// the note under a selection line.
import { describe, expect, it } from 'vitest';
import { UNREACHABLE, blockerOf, blockerSentence, placeOrderSentence, problemOf, sentenceFor } from '../web/src/errors.js';
import { lineNote } from '../web/src/lines.js';
import { decimalInput, formatMoney } from '../web/src/money.js';

/** Intl separates with no-break spaces; the tests write ordinary ones. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('formatMoney', () => {
  it('formats the API\'s decimal string for the locale, with the fraction digits it was given', () => {
    expect(plain(formatMoney('1234.50', 'SEK', 'en-US'))).toBe('SEK 1,234.50');
    expect(plain(formatMoney('1234.50', 'SEK', 'sv-SE'))).toBe('1 234,50 kr');
    expect(plain(formatMoney('0.000', 'KWD', 'en-US'))).toBe('KWD 0.000');
    expect(plain(formatMoney('2000', 'JPY', 'en-US'))).toBe('¥2,000');
  });

  it('never rounds through a float: 17 significant digits stay exact', () => {
    expect(formatMoney('12345678901234567.89', 'USD', 'en-US')).toBe('$12,345,678,901,234,567.89');
    expect(formatMoney('-0.10', 'EUR', 'en-US')).toBe('-€0.10');
  });
});

describe('decimalInput', () => {
  it('takes what an admin types as an amount, with a decimal point or comma, as the API\'s decimal string', () => {
    expect(decimalInput('250')).toBe('250');
    expect(decimalInput(' 250.00 ')).toBe('250.00');
    expect(decimalInput('250,5')).toBe('250.5');
  });

  it('is null for anything else, so that no malformed Decimal is sent', () => {
    for (const text of ['', 'abc', '-5', '1,250.00', '1 250', '2.', '.5', '1e3']) expect(decimalInput(text), text).toBeNull();
  });
});

describe('sentenceFor', () => {
  it('says what each refusal means for the customer', () => {
    expect(sentenceFor({ code: 'LINK_USED', message: 'x' })).toBe('This link has already been used for a purchase.');
    expect(sentenceFor({ code: 'LINK_EXPIRED', message: 'x' })).toBe('This link has expired. Ask the shop for a new one.');
    expect(sentenceFor({ code: 'PRICE_LOCKED', message: 'x' })).toBe('This line has a special price: its quantity cannot be increased.');
    expect(sentenceFor({ code: 'SHIPPING_UNAVAILABLE', message: 'x', countryCode: 'DK' })).toBe('We do not ship to DK for this order.');
  });

  it('names the SKUs that are short and what is left', () => {
    const shortages = [{ sku: 'TEE-S', requested: 3, available: 1 }, { sku: 'MUG', requested: 1, available: 0 }];
    expect(sentenceFor({ code: 'OUT_OF_STOCK', message: 'x', shortages })).toBe('Not enough in stock: TEE-S (only 1 left, you asked for 3); MUG (none left, you asked for 1).');
  });

  it('gives the wait of a rate limit in seconds or whole minutes', () => {
    expect(sentenceFor({ code: 'RATE_LIMITED', message: 'x', retryAfterSeconds: 1 })).toBe('Too many attempts from this connection. Try again in 1 second.');
    expect(sentenceFor({ code: 'RATE_LIMITED', message: 'x', retryAfterSeconds: 900 })).toBe('Too many attempts from this connection. Try again in 15 minutes.');
    expect(sentenceFor({ code: 'RATE_LIMITED', message: 'x', retryAfterSeconds: 61 })).toBe('Too many attempts from this connection. Try again in 2 minutes.');
  });

  it('falls back to the API\'s own message for a code it does not know, and for VALIDATION', () => {
    expect(sentenceFor({ code: 'SOMETHING_NEW', message: 'Something new happened' })).toBe('Something new happened');
    expect(sentenceFor({ code: 'VALIDATION', message: 'Must not be empty' })).toBe('Must not be empty');
  });
});

describe('problemOf', () => {
  it('is the unreachable sentence without an answer, the refusal\'s sentence for a typed error, nothing for a success', () => {
    expect(problemOf(true, undefined, UNREACHABLE.shop)).toBe('The shop could not be reached. Try again.');
    expect(problemOf(false, { __typename: 'LinkUnavailableError', code: 'LINK_USED', message: 'x' }, UNREACHABLE.shop)).toBe('This link has already been used for a purchase.');
    expect(problemOf(false, { __typename: 'OutOfStockError', code: 'OUT_OF_STOCK', message: 'x', shortages: [{ sku: 'MUG', requested: 2, available: 1 }] }, UNREACHABLE.server))
      .toBe('Not enough in stock: MUG (only 1 left, you asked for 2).');
    expect(problemOf(false, { __typename: 'SetCustomerSuccess', selection: { id: 'x' } }, UNREACHABLE.shop)).toBe('');
    expect(problemOf(false, null, UNREACHABLE.server)).toBe('');
  });
});

describe('blockerSentence', () => {
  const changeable = { canChangeCountry: true };
  it('says, for each reason "Place order" cannot be pressed, what the customer can do', () => {
    expect(blockerSentence('CUSTOMER_MISSING', changeable)).toBe('Enter your e-mail address and save your details to continue.');
    expect(blockerSentence('SELECTION_EMPTY', changeable)).toBe('Your order is empty: add a product to continue.');
    expect(blockerSentence('SELECTION_CLOSED', changeable)).toBe('This order has already been placed.');
    expect(blockerSentence('SHIPPING_UNAVAILABLE', changeable)).toBe('We do not deliver to the chosen country: choose another one to continue.');
    expect(blockerSentence('LINK_USED', changeable)).toBe('This payment link has already been paid: it cannot be paid again.');
  });

  it('asks for another country only when one can be chosen, and otherwise to contact the shop', () => {
    expect(blockerSentence('SHIPPING_UNAVAILABLE', { canChangeCountry: false })).toBe('This order cannot be shipped to this country: contact the shop.');
    expect(blockerSentence('CUSTOMER_MISSING', { canChangeCountry: false })).toBe('Enter your e-mail address and save your details to continue.');
  });
});

describe('blockerOf', () => {
  it('is the blocker a placeOrder refusal stands for, by its code', () => {
    for (const code of ['SELECTION_EMPTY', 'SELECTION_CLOSED', 'SHIPPING_UNAVAILABLE', 'LINK_USED'] as const) expect(blockerOf(code)).toBe(code);
  });

  it('is null for a refusal that is no blocker: out of stock, and VALIDATION (how placeOrder refuses a missing customer)', () => {
    for (const code of ['OUT_OF_STOCK', 'VALIDATION', 'CUSTOMER_MISSING', 'toString', '']) expect(blockerOf(code), code).toBeNull();
  });
});

describe('lineNote', () => {
  const catalog = { kind: 'CATALOG', sku: 'MUG', priceLocked: false, taxable: true };
  const custom = { kind: 'CUSTOM', sku: 'WRAP', priceLocked: true, taxable: false };

  it('gives a catalog line\'s SKU, and a locked price in the reader\'s words', () => {
    expect(lineNote(catalog, 'customer')).toBe('SKU MUG');
    expect(lineNote(catalog, 'admin')).toBe('SKU MUG');
    expect(lineNote({ ...catalog, priceLocked: true }, 'customer')).toBe('SKU MUG · special price');
    expect(lineNote({ ...catalog, priceLocked: true }, 'admin')).toBe('SKU MUG · price-locked');
  });

  it('calls a custom line a charge for the customer and a custom line for the admin, with its reference and whether it is taxed', () => {
    expect(lineNote(custom, 'customer')).toBe('Custom charge · ref WRAP · no tax');
    expect(lineNote(custom, 'admin')).toBe('Custom line · ref WRAP · no tax');
    expect(lineNote({ ...custom, sku: null, taxable: true }, 'customer')).toBe('Custom charge');
    expect(lineNote({ ...custom, sku: undefined, taxable: true }, 'admin')).toBe('Custom line');
  });
});

describe('placeOrderSentence', () => {
  it('says a pay-once link was already paid for LINK_USED, where a claim says the link was used', () => {
    const linkUsed = { code: 'LINK_USED', message: 'x' };
    expect(placeOrderSentence(linkUsed)).toBe('This payment link has already been paid: it cannot be paid again.');
    expect(sentenceFor(linkUsed)).toBe('This link has already been used for a purchase.');
  });

  it('is sentenceFor for every other refusal', () => {
    expect(placeOrderSentence({ code: 'OUT_OF_STOCK', message: 'x', shortages: [{ sku: 'MUG', requested: 2, available: 0 }] }))
      .toBe('Not enough in stock: MUG (none left, you asked for 2).');
    expect(placeOrderSentence({ code: 'SELECTION_CLOSED', message: 'x' })).toBe('This order has already been placed.');
  });
});
