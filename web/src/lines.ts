// What the pages write under a selection line's name: one rule for the storefront and the
// dashboard, in the words of whoever reads it.

/** What a line note reads of a `SelectionItem`. */
export interface NotedLine {
  kind: string;
  sku?: string | null;
  priceLocked: boolean;
  taxable: boolean;
}

/** Who reads the note: the customer at the checkout, or an admin in the dashboard. */
export type Reader = 'customer' | 'admin';

const WORDS: Record<Reader, { custom: string; priceLocked: string }> = {
  customer: { custom: 'Custom charge', priceLocked: 'special price' },
  admin: { custom: 'Custom line', priceLocked: 'price-locked' },
};

/**
 * Under a line's name: a catalog line's SKU and whether its price is locked ("SKU MUG ·
 * special price" for a customer, "SKU MUG · price-locked" for an admin); a custom line's kind,
 * the shop's reference and whether it is taxed ("Custom charge · ref WRAP · no tax", "Custom
 * line · ref WRAP · no tax"). A custom line is always price-locked, so that is not repeated.
 */
export function lineNote(line: NotedLine, reader: Reader): string {
  const words = WORDS[reader];
  if (line.kind === 'CUSTOM') {
    return [words.custom, line.sku ? `ref ${line.sku}` : null, line.taxable ? null : 'no tax'].filter(Boolean).join(' · ');
  }
  return [`SKU ${line.sku ?? ''}`, line.priceLocked ? words.priceLocked : null].filter(Boolean).join(' · ');
}
