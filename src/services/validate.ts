// Input checks shared by the services. Each failure is a ValidationFailed naming the field.
import { ValidationFailed } from './errors.js';
import { isCurrency } from './money.js';

export const LIMITS = {
  code: 64,
  name: 200,
  personName: 100,
  email: 254,
  /** Units of one SKU on one selection line. */
  lineQuantity: 10_000,
  /** Lines on one selection. */
  selectionLines: 500,
  stockQuantity: 1_000_000_000,
  /** Entries in one list of an importCatalog input. */
  importList: 1_000,
  /** Variants in one importCatalog input, all its products together. */
  importVariants: 5_000,
  /** Prices, and stock levels, of one variant in an importCatalog input. */
  variantEntries: 100,
  /** Variants of one product, however many imports added them. */
  variantsPerProduct: 200,
  marketCountries: 250,
  marketWarehouses: 100,
  /** Claims of one link that `ShareableLink.claims` answers at most. */
  claimsPerAnswer: 1_000,
  idempotencyKey: 200,
  /** The largest maxOrders a link takes. */
  linkOrders: 1_000_000,
  /** Supplementary orders that `Order.supplementaryOrders` answers at most. */
  supplementaryOrders: 100,
  /** Characters of a search (offers, customers). */
  search: 100,
} as const;

const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// C0 and C1 control characters (tab and newline included: names are single-line).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Codes that are regions but not countries one can ship to.
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'UK', 'QO', 'XA', 'XB', 'ZZ', 'AC', 'CP', 'DG', 'EA', 'IC', 'TA']);
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/** False for a string with a lone UTF-16 surrogate, which the database would alter. */
export function isWellFormed(value: string): boolean {
  return (value as string & { isWellFormed(): boolean }).isWellFormed();
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A code or SKU: 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit. */
export function checkCode(value: string, path: string[]): string {
  if (value.length === 0 || value.length > LIMITS.code || !CODE.test(value)) {
    throw new ValidationFailed(
      `A code is 1–${LIMITS.code} letters, digits, ".", "_" or "-", starting with a letter or digit`,
      path,
    );
  }
  return value;
}

/** A display text: trimmed, 1–max characters, no control characters. */
export function checkText(value: string, path: string[], max: number = LIMITS.name): string {
  const trimmed = value.trim();
  // Something visible: a name of only spaces, zero-width or format characters is empty.
  if (!/[\p{L}\p{N}\p{P}\p{S}]/u.test(trimmed)) throw new ValidationFailed('Must not be empty', path);
  if (!isWellFormed(trimmed)) throw new ValidationFailed('Not valid Unicode (a lone surrogate)', path);
  // Characters as the database counts them: code points, not UTF-16 units.
  if ([...trimmed].length > max) throw new ValidationFailed(`At most ${max} characters`, path);
  if (hasControlCharacters(trimmed)) throw new ValidationFailed('Control characters are not allowed', path);
  return trimmed;
}

/** An ISO-3166 alpha-2 country code, upper case. */
export function checkCountry(value: string, path: string[]): string {
  const valid =
    /^[A-Z]{2}$/.test(value) && !NOT_COUNTRIES.has(value) && regionNames.of(value) !== value;
  if (!valid) throw new ValidationFailed(`"${value.slice(0, 10)}" is not an ISO-3166 alpha-2 country code`, path);
  return value;
}

export function checkCurrency(value: string, path: string[]): string {
  if (!isCurrency(value)) throw new ValidationFailed(`"${value.slice(0, 10)}" is not an ISO-4217 currency code`, path);
  return value;
}

/** An e-mail address, lower-cased. */
export function checkEmail(value: string, path: string[]): string {
  const email = value.trim().toLowerCase();
  if (email.length > LIMITS.email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || hasControlCharacters(email)) {
    throw new ValidationFailed('Not a valid e-mail address', path);
  }
  return email;
}

/** Why a quantity is not a whole number from min to max, or null. */
export function quantityProblem(value: number, path: string[], min: number, max: number): ValidationFailed | null {
  return Number.isInteger(value) && value >= min && value <= max ? null : new ValidationFailed(`Must be a whole number from ${min} to ${max}`, path);
}

export function checkQuantity(value: number, path: string[], min: number, max: number): number {
  const problem = quantityProblem(value, path, min, max);
  if (problem) throw problem;
  return value;
}

export function checkListSize(list: readonly unknown[] | null | undefined, path: string[], max: number): void {
  if (list && list.length > max) throw new ValidationFailed(`At most ${max} entries`, path);
}

/**
 * The same key twice in one input list is ambiguous: refuse it, naming the second entry
 * (`path/index/field` for a list of objects, `path/index` for a list of strings).
 */
export function checkUnique<T>(list: readonly T[], key: (item: T) => string, path: string[], field?: string): void {
  const seen = new Set<string>();
  list.forEach((item, index) => {
    const value = key(item);
    if (seen.has(value)) {
      throw new ValidationFailed(`"${value}" appears twice`, [...path, String(index), ...(field ? [field] : [])]);
    }
    seen.add(value);
  });
}
