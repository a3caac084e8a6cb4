// The link's checkout page in a real browser (Chromium through playwright-core): a customer
// opens the URL the admin sent, sees the copy, buys; a reload shows the same claim; a later
// visitor is told the link was used; of two early claimants with stock for one, the second is
// told what is out of stock; a custom line is shown by its name and cannot grow, "Place order"
// says what it waits for, and an earlier copy of a pay-once link is told it was paid; an order
// the shop no longer ships to its country asks for another country while one can be chosen,
// else to contact the shop. Each person is a browser context of their own.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import { SCREENSHOTS, hasBrowser, servePages } from './helpers/browser.js';
import type { PageSuite, People } from './helpers/browser.js';
import { is } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem, ImportCatalog, IssueLink } from './helpers/documents.js';
import { createSelection } from './helpers/fixtures.js';
import { graphql } from './gql/index.js';

const AddCustomLine = graphql(`
  mutation CheckoutTestAddCustomLine($input: AddCustomSelectionItemInput!) {
    addCustomSelectionItem(input: $input) { __typename ... on Error { code message } }
  }
`);

describe.runIf(hasBrowser)('the checkout page of a link', () => {
  let t: TestApp;
  let origin: string;
  let crowd: People;
  let pages: PageSuite | undefined;

  beforeAll(async () => {
    pages = await servePages();
    ({ t, origin, crowd } = pages);
  });
  afterAll(() => pages?.close());
  const person = (): Promise<Page> => crowd.person();

  /** A custom line: no variant, the admin's name, price and optional reference. */
  interface CustomLine { name: string; unitPrice: string; quantity?: number; sku?: string; taxable?: boolean }

  /** A link to a selection with the given lines (and custom lines); its checkout URL on this server. */
  async function link(
    lines: { sku: string; quantity: number; unitPrice?: string }[],
    options: { custom?: CustomLine[]; maxOrders?: number; market?: { marketCode: string; countryCode: string } } = {},
  ): Promise<{ url: string; id: string }> {
    const selectionId = await createSelection(t, options.market);
    for (const line of lines) is((await t.admin(AddItem, { input: { selectionId, ...line } })).addSelectionItem, 'AddSelectionItemSuccess');
    for (const line of options.custom ?? []) {
      is((await t.admin(AddCustomLine, { input: { selectionId, ...line } })).addCustomSelectionItem, 'AddCustomSelectionItemSuccess');
    }
    const issued = is(
      (await t.admin(IssueLink, { input: { selectionId, lockItems: false, maxOrders: options.maxOrders ?? null } })).issueShareableLink,
      'IssueShareableLinkSuccess',
    );
    return { url: `${origin}/selection/${issued.link.hash1}/${issued.hash2}`, id: issued.link.id };
  }

  async function buy(page: Page, email: string) {
    await page.getByLabel('E-mail').fill(email);
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.getByText(`Saved: ${email}`).waitFor();
    await page.getByRole('button', { name: 'Place order' }).click();
  }

  it('shows the copy, keeps price-locked lines from growing, places the order once, and shows the same claim after a reload', async () => {
    const { url, id } = await link([{ sku: 'TEE-S', quantity: 2 }, { sku: 'MUG', quantity: 1, unitPrice: '50.00' }]);
    const page = await person();
    await page.goto(url);

    const items = page.getByRole('table', { name: 'Items' });
    await expect.poll(() => items.getByRole('row').count()).toBe(3);
    await items.getByText('T-shirt S').waitFor();
    await items.getByText('SKU MUG · special price').waitFor();
    await items.getByText('SEK 298.00').waitFor();
    // The special-price line can be lowered or removed, never increased.
    expect(await page.getByRole('button', { name: 'More Mug' }).count()).toBe(0);
    await page.getByRole('button', { name: 'More T-shirt S' }).click();
    await page.getByLabel('Quantity of T-shirt S').getByText('3').waitFor();
    const totals = page.getByRole('table', { name: 'Totals' });
    // 3 × 149.00 + 50.00 = 497.00, shipping to SE 49.00, tax 25 % of 546.00 = 136.50.
    await totals.getByText('SEK 682.50').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/checkout-copy.png`, fullPage: true });

    // The market serves SE, NO and DK; it has no shipping to DK, so DK cannot be chosen.
    const country = page.getByLabel('Ship to');
    expect(await country.getByRole('option', { name: 'Denmark (no delivery)' }).isDisabled()).toBe(true);
    await country.selectOption('NO');
    // Shipping to NO 99.00; tax 25 % of 596.00 = 149.00.
    await totals.getByText('SEK 745.00').waitFor();

    // A product of the pricelist, found by name, joins at the list price: 149.00 more, and tax.
    await page.getByLabel('Add a product').fill('t-shirt m');
    await page.getByRole('button', { name: 'Add T-shirt M' }).click();
    await items.getByText('T-shirt M').waitFor();
    await totals.getByText('SEK 931.25').waitFor();

    await buy(page, 'first@example.com');
    await page.getByRole('heading', { name: /Thank you! Order .+ is placed\./ }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/checkout-confirmation.png`, fullPage: true });

    await page.reload();
    await page.getByRole('heading', { name: /Thank you! Order .+ is placed\./ }).waitFor();
    expect(await db().claim.count({ where: { linkId: id } })).toBe(1);
    expect(await db().order.count({ where: { linkId: id } })).toBe(1);

    // Someone opening the link afterwards is told it was used.
    const later = await person();
    await later.goto(url);
    await later.getByRole('alert').getByText('This link has already been used for a purchase.').waitFor();
    await later.screenshot({ path: `${SCREENSHOTS}/checkout-link-used.png`, fullPage: true });
    expect(crowd.errors).toEqual([]);
  });

  it('fits a phone: nothing wider than the screen, every control reachable', async () => {
    const { url } = await link([{ sku: 'TEE-S', quantity: 1 }, { sku: 'MUG', quantity: 2, unitPrice: '45.00' }], {
      custom: [{ name: 'Gift wrapping with a long handwritten card for the recipient', unitPrice: '30.00', sku: 'GIFT-WRAP-CARD' }],
    });
    const phone = await crowd.person({ locale: 'sv-SE', viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    await phone.goto(url);
    await phone.getByRole('table', { name: 'Items' }).getByText('T-shirt S').waitFor();
    // Swedish formatting of the same decimal strings: 149,00 kr.
    await phone.getByRole('table', { name: 'Items' }).getByText('149,00 kr').first().waitFor();
    await phone.screenshot({ path: `${SCREENSHOTS}/checkout-phone.png`, fullPage: true });
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await phone.getByRole('button', { name: 'Place order' }).scrollIntoViewIfNeeded();
  });

  it('tells the second of two early claimants, with stock for one, what is out of stock', async () => {
    const { importCatalog } = await t.admin(ImportCatalog, { input: { products: [{ code: 'LAST', name: 'Last one', variants: [{ sku: 'LAST-1', name: 'Last one', prices: [{ pricelistCode: 'SEK', amount: '10.00' }], stock: [{ warehouseCode: 'W1', quantity: 1 }] }] }] } });
    expect(importCatalog.__typename).toBe('ImportCatalogSuccess');
    const { url } = await link([{ sku: 'LAST-1', quantity: 1 }]);
    const [first, second] = [await person(), await person()];
    await first.goto(url);
    await second.goto(url);
    await first.getByText('Last one').waitFor();
    await second.getByText('Last one').waitFor();

    await buy(first, 'early@example.com');
    await first.getByRole('heading', { name: /Thank you!/ }).waitFor();
    await buy(second, 'late@example.com');
    await second.getByRole('alert').getByText('Not enough in stock: LAST-1 (none left, you asked for 1).').waitFor();
    await second.screenshot({ path: `${SCREENSHOTS}/checkout-out-of-stock.png`, fullPage: true });
    expect(crowd.errors).toEqual([]);
  });

  it('shows a custom line by its name and keeps it from growing, says what "Place order" waits for, and tells an earlier copy of a pay-once link that it was paid', async () => {
    const { url } = await link([{ sku: 'TEE-S', quantity: 1 }], {
      custom: [{ name: 'Gift wrapping', unitPrice: '30.00', quantity: 2, sku: 'WRAP', taxable: false }],
      maxOrders: 1,
    });
    const [early, buyer] = [await person(), await person()];
    await early.goto(url);
    await buyer.goto(url);

    const items = buyer.getByRole('table', { name: 'Items' });
    await items.getByText('Gift wrapping', { exact: true }).waitFor();
    await items.getByText('Custom charge · ref WRAP · no tax').waitFor();
    // Its controls are the API's capabilities: fewer and remove, never more (custom lines are price-locked).
    await buyer.getByRole('button', { name: 'Fewer Gift wrapping' }).waitFor();
    expect(await buyer.getByRole('button', { name: 'More Gift wrapping' }).count()).toBe(0);
    await buyer.getByRole('button', { name: 'More T-shirt S' }).waitFor();
    // 149.00 + 2 × 30.00 = 209.00; shipping to SE 49.00; tax 25 % of 149.00 + 49.00 (the wrapping is not taxed) = 49.50.
    await buyer.getByRole('table', { name: 'Totals' }).getByText('SEK 307.50').waitFor();

    // No customer yet: "Place order" waits for the e-mail address and says so.
    const place = buyer.getByRole('region', { name: 'Place order' });
    await place.getByText('Enter your e-mail address and save your details to continue.').waitFor();
    expect(await place.getByRole('button', { name: 'Place order' }).isDisabled()).toBe(true);
    await buyer.screenshot({ path: `${SCREENSHOTS}/checkout-custom-line.png`, fullPage: true });

    // The early copy saves its details first; then the buyer pays.
    await early.getByLabel('E-mail').fill('early@example.com');
    await early.getByRole('button', { name: 'Save details' }).click();
    await early.getByText('Saved: early@example.com').waitFor();
    await buy(buyer, 'buyer@example.com');
    await buyer.getByRole('heading', { name: /Thank you! Order .+ is placed\./ }).waitFor();
    await buyer.getByRole('table', { name: 'Order lines' }).getByRole('cell', { name: 'Gift wrapping custom charge · WRAP' }).waitFor();

    // The early copy still shows "Place order": trying says the link was paid, and the button stops.
    const earlyPlace = early.getByRole('region', { name: 'Place order' });
    await earlyPlace.getByRole('button', { name: 'Place order' }).click();
    await earlyPlace.getByText('This payment link has already been paid: it cannot be paid again.').waitFor();
    await expect.poll(() => earlyPlace.getByRole('button', { name: 'Place order' }).isDisabled()).toBe(true);
    // And so it says on a reload, before any try.
    await early.reload();
    await earlyPlace.getByText('This payment link has already been paid: it cannot be paid again.').waitFor();
    expect(await earlyPlace.getByRole('button', { name: 'Place order' }).isDisabled()).toBe(true);
    await early.screenshot({ path: `${SCREENSHOTS}/checkout-paid-once.png`, fullPage: true });
    expect(crowd.errors).toEqual([]);
  });

  it('asks for another country when the shop stops shipping to the order\'s, and to contact the shop when no other is left', async () => {
    // A market of its own, so that the rates removed below are no other test's.
    const { importCatalog } = await t.admin(ImportCatalog, { input: {
      markets: [{ code: 'NA', name: 'North Atlantic', countries: ['IS', 'FO'], warehouseCodes: ['W1'] }],
      shipping: [
        { marketCode: 'NA', pricelistCode: 'SEK', countryCode: 'IS', amount: '150.00' },
        { marketCode: 'NA', pricelistCode: 'SEK', countryCode: 'FO', amount: '200.00' },
      ],
      taxRules: [{ countryCode: 'IS', rate: '24' }, { countryCode: 'FO', rate: '25' }],
    } });
    expect(importCatalog.__typename).toBe('ImportCatalogSuccess');
    const { url } = await link([{ sku: 'MUG', quantity: 1 }], { market: { marketCode: 'NA', countryCode: 'IS' } });
    const page = await person();
    await page.goto(url);
    await page.getByRole('table', { name: 'Items' }).getByText('Mug', { exact: true }).waitFor();
    const place = page.getByRole('region', { name: 'Place order' });
    await place.getByText('Enter your e-mail address and save your details to continue.').waitFor();

    // The shop stops shipping to Iceland: the Faroe Islands can still be chosen.
    await db().shippingRate.deleteMany({ where: { countryCode: 'IS' } });
    await page.reload();
    await place.getByText('We do not deliver to the chosen country: choose another one to continue.').waitFor();
    expect(await page.getByLabel('Ship to').getByRole('option', { name: 'Iceland (no delivery)' }).isDisabled()).toBe(true);

    // And to the Faroe Islands: no country is left to choose, so the page says to contact the shop.
    await db().shippingRate.deleteMany({ where: { countryCode: 'FO' } });
    await page.reload();
    await place.getByText('This order cannot be shipped to this country: contact the shop.').waitFor();
    await page.getByText('Cannot be shipped to Iceland').waitFor();
    expect(await page.getByLabel('Ship to').count()).toBe(0);
    expect(await place.getByText(/choose another/).count()).toBe(0);
    expect(await place.getByRole('button', { name: 'Place order' }).isDisabled()).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/checkout-no-shipping.png`, fullPage: true });
    expect(crowd.errors).toEqual([]);
  });
});
