// Exact money: integer minor units (bigint) inside, decimal strings outside. No floats.
import { ValidationFailed } from './errors.js';

// ISO 4217 currencies whose minor unit is not 2 digits.
const MINOR_DIGITS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
  UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

const knownCurrencies = new Set(Intl.supportedValuesOf('currency'));

export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && knownCurrencies.has(code);
}

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

/** The Decimal scalar's syntax: an optional minus, digits, optionally a point and digits. */
export const DECIMAL_PATTERN = /^-?\d{1,30}(\.\d{1,30})?$/;

/**
 * The largest unit price, shipping price or catalog price, in minor units (a billion SEK).
 * With at most 500 lines of 10,000 units and tax of at most 100 %, every total stays far
 * inside the database's bigint.
 */
export const MAX_AMOUNT = 10n ** 11n;

/**
 * "149.5" in SEK -> 14950n. More fraction digits than the currency has, or a value past
 * `max` minor units, is a ValidationFailed naming `path`.
 */
export function parseMoney(value: string, currency: string, path: string[], max = MAX_AMOUNT): bigint {
  if (!DECIMAL_PATTERN.test(value)) throw new ValidationFailed(`"${value}" is not a decimal number`, path);
  const digits = minorDigits(currency);
  const [whole, fraction = ''] = value.replace(/^-/, '').split('.');
  if (fraction.length > digits) {
    throw new ValidationFailed(
      `${value} has more fraction digits than ${currency} has (${digits})`,
      path,
    );
  }
  const minor = BigInt(whole + fraction.padEnd(digits, '0'));
  if (value.startsWith('-') && minor !== 0n) throw new ValidationFailed('An amount cannot be negative', path);
  if (minor > max) throw new ValidationFailed(`${value} is too large`, path);
  return minor;
}

/** 14950n in SEK -> "149.50"; 1490n in JPY -> "1490". */
export function formatMoney(minor: bigint, currency: string): string {
  const digits = minorDigits(currency);
  const negative = minor < 0n;
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = text.slice(text.length - digits);
  return `${negative ? '-' : ''}${whole}${digits > 0 ? `.${fraction}` : ''}`;
}

/** Scale of a tax rate: percent with up to 4 fraction digits, as in the database column. */
export const RATE_SCALE = 10_000n;

/** "25" -> 250000n, "12.5" -> 125000n (percent × RATE_SCALE). */
export function parseRate(value: string, path: string[]): bigint {
  if (!DECIMAL_PATTERN.test(value)) throw new ValidationFailed(`"${value}" is not a decimal number`, path);
  const [whole, fraction = ''] = value.replace(/^-/, '').split('.');
  if (fraction.length > 4) throw new ValidationFailed('A tax rate has at most 4 fraction digits', path);
  const scaled = BigInt(whole + fraction.padEnd(4, '0'));
  if (value.startsWith('-') && scaled !== 0n) throw new ValidationFailed('A tax rate cannot be negative', path);
  if (scaled > 100n * RATE_SCALE) throw new ValidationFailed('A tax rate is at most 100 (percent)', path);
  return scaled;
}

/** Scaled rate -> "12.5" (for the database's decimal column and for display). */
export function formatRate(scaled: bigint): string {
  const text = scaled.toString().padStart(5, '0');
  const fraction = text.slice(-4).replace(/0+$/, '');
  return fraction ? `${text.slice(0, -4)}.${fraction}` : text.slice(0, -4);
}

/** numerator / denominator rounded half away from zero. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const abs = (n: bigint) => (n < 0n ? -n : n);
  if (2n * abs(remainder) >= abs(denominator)) {
    return quotient + ((numerator < 0n) !== (denominator < 0n) ? -1n : 1n);
  }
  return quotient;
}

export interface TotalsInput {
  /** `taxable: false` keeps a line out of the tax base (a custom line, e.g. a deposit). */
  lines: { quantity: number; unitPrice: bigint; taxable?: boolean }[];
  /** Minor units; null when the market has no rate for the country. */
  shippingRate: bigint | null;
  /** Percent × RATE_SCALE; null when the country has no tax rule. */
  taxRate: bigint | null;
  ignoreShipping: boolean;
  ignoreTax: boolean;
}

export interface Totals {
  subtotal: bigint;
  shipping: bigint;
  tax: bigint;
  grandTotal: bigint;
}

/**
 * DESIGN.md §1: subtotal = Σ lines; shipping = the market's rate (0 when ignored);
 * tax = rate × (Σ taxable lines + shipping), rounded half away from zero to the minor unit, on
 * the total rather than per line (0 when ignored); grandTotal = the sum. Every catalog line is
 * taxable; a custom line with taxable false (a deposit) is in the subtotal only.
 */
export function computeTotals(input: TotalsInput): Totals {
  let subtotal = 0n;
  let taxable = 0n;
  for (const line of input.lines) {
    const total = BigInt(line.quantity) * line.unitPrice;
    subtotal += total;
    if (line.taxable !== false) taxable += total;
  }
  const shipping = input.ignoreShipping ? 0n : (input.shippingRate ?? 0n);
  const tax = input.ignoreTax || input.taxRate === null
    ? 0n
    : divideRounded((taxable + shipping) * input.taxRate, 100n * RATE_SCALE);
  return { subtotal, shipping, tax, grandTotal: subtotal + shipping + tax };
}
