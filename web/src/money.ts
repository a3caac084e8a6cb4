// Money as the API gives it: an exact decimal string ("1234.50") and an ISO 4217 currency.
// Formatted for the reader's locale without ever becoming a float (Intl formats a decimal
// string exactly), with the fraction digits the API sent ("0.000" KWD stays three digits).

/** "1 234,50 kr" in sv-SE, "SEK 1,234.50" in en-US: the amount exactly as the API sent it. */
export function formatMoney(amount: string, currency: string, locale?: string): string {
  const fraction = amount.split('.')[1]?.length ?? 0;
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: fraction, maximumFractionDigits: fraction });
  // Intl formats a numeric string as an exact decimal (ECMA-402 "Intl.NumberFormat v3").
  return format.format(amount as unknown as number);
}

/**
 * What an admin typed as an amount, as the API's decimal string: "250", "250.00", or "250,00"
 * with a decimal comma; null for anything else (the API checks the currency's digits and range).
 */
export function decimalInput(text: string): string | null {
  const match = /^(\d+)(?:[.,](\d+))?$/.exec(text.trim());
  if (!match) return null;
  return match[2] === undefined ? match[1]! : `${match[1]}.${match[2]}`;
}
