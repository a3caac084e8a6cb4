// The admin dashboard in a real browser, beside a customer: the admin signs in, builds a
// selection with a custom-priced line (a refused quantity shown beside it), issues a locked
// link without shipping through the dialog and copies its URL; the customer buys through it; the admin's links table shows the
// claim and the purchase live, without a reload; an admin asks an additional payment for an
// earlier order (a custom line, a pay-once link) that one customer pays and an earlier copy
// cannot, after which the selection's editor offers nothing more to add. One browser context
// per person.
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, hasBrowser, launchBrowser, people, servePages } from './helpers/browser.js';
import type { PageSuite, People } from './helpers/browser.js';
import { ADMIN_KEY, asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { AddItem, Checkout, Claim, IssueLink } from './helpers/documents.js';
import { createSelection, seedCatalog } from './helpers/fixtures.js';

describe.runIf(hasBrowser)('the admin dashboard', () => {
  let t: TestApp;
  let origin: string;
  let crowd: People;
  let pages: PageSuite | undefined;

  beforeAll(async () => {
    pages = await servePages();
    ({ t, origin, crowd } = pages);
  });
  afterAll(() => pages?.close());

  it('signs in, builds a selection with a special price, issues a locked link, and sees the customer claim and buy it live', async () => {
    const admin = await crowd.person();
    await admin.goto(`${origin}/admin`);
    await admin.getByLabel('Admin key').fill('not-the-key');
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByRole('alert').getByText('That admin key is not valid: it is unknown or was revoked.').waitFor();
    await admin.getByLabel('Admin key').fill(ADMIN_KEY);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByRole('heading', { name: 'Links', exact: true }).waitFor();

    await admin.getByRole('button', { name: 'New selection' }).click();
    await admin.getByLabel('Market').selectOption('SE');
    await admin.getByLabel('Pricelist').selectOption('SEK');
    await admin.getByLabel('Country').selectOption('SE');
    await admin.getByRole('button', { name: 'Create selection' }).click();

    await admin.getByLabel('Find a variant').fill('mug');
    await admin.getByLabel('Quantity of Mug to add').fill('2');
    await admin.getByLabel('Special unit price for Mug').fill('50.00');
    await admin.getByRole('form', { name: 'Add Mug' }).getByRole('button', { name: 'Add' }).click();
    const lines = admin.getByRole('table', { name: 'Lines' });
    await lines.getByText('SKU MUG · price-locked').waitFor();
    await lines.getByText('SEK 100.00').waitFor();
    // A price-locked line cannot grow: the refusal is shown beside that line, and its field goes back.
    const mug = lines.getByRole('row').filter({ hasText: 'SKU MUG' });
    const quantity = mug.getByLabel('Quantity of Mug', { exact: true });
    await quantity.fill('3');
    await quantity.blur();
    await mug.getByRole('alert').getByText('This line has a special price: its quantity cannot be increased.').waitFor();
    await expect.poll(() => quantity.inputValue()).toBe('2');
    expect(await quantity.getAttribute('aria-invalid')).toBe('true');
    // At phone width the editor, with the refusal beside its line, fits the screen.
    await admin.setViewportSize({ width: 375, height: 740 });
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await admin.screenshot({ path: `${SCREENSHOTS}/admin-selection-phone.png`, fullPage: true });
    await admin.setViewportSize({ width: 1280, height: 720 });
    // Fewer is accepted: the line's refusal goes.
    await quantity.fill('1');
    await quantity.blur();
    // Its unit price and its total: 1 × 50.00.
    await expect.poll(() => mug.getByRole('cell', { name: 'SEK 50.00', exact: true }).count()).toBe(2);
    expect(await mug.getByRole('alert').count()).toBe(0);
    await admin.screenshot({ path: `${SCREENSHOTS}/admin-selection.png`, fullPage: true });

    await admin.getByRole('button', { name: 'Link', exact: true }).click();
    const dialog = admin.getByRole('dialog', { name: 'Share a link' });
    await dialog.getByLabel('Lock items').check();
    await dialog.getByLabel('Ignore shipping').check();
    await dialog.getByRole('button', { name: 'Issue link' }).click();
    const copied = await dialog.getByLabel('Link URL').inputValue();
    expect(copied).toMatch(/\/selection\/[^/]+\/[^/]+$/);
    await admin.screenshot({ path: `${SCREENSHOTS}/admin-link-dialog.png`, fullPage: true });
    await dialog.getByRole('button', { name: 'Close' }).click();

    await admin.getByRole('button', { name: 'Links', exact: true }).click();
    const hash1 = new URL(copied).pathname.split('/')[2]!;
    const row = admin.getByRole('row', { name: `Link ${hash1}` });
    await row.getByRole('cell', { name: 'ACTIVE' }).waitFor();

    // The customer opens the copied link (on this test server's address) and buys.
    const customer = await crowd.person();
    await customer.goto(`${origin}${new URL(copied).pathname}`);
    const items = customer.getByRole('table', { name: 'Items' });
    await items.getByText('Mug', { exact: true }).waitFor();
    // Locked: no quantity controls at all; shipping ignored: 0.00; tax 25 % of 50.00.
    expect(await customer.getByRole('button', { name: /^(More|Fewer|Remove) / }).count()).toBe(0);
    await customer.getByRole('table', { name: 'Totals' }).getByText('SEK 62.50').waitFor();
    await row.getByRole('cell', { name: '1', exact: true }).waitFor(); // the claim, live
    await customer.getByLabel('E-mail').fill('buyer@example.com');
    await customer.getByRole('button', { name: 'Save details' }).click();
    await customer.getByText('Saved: buyer@example.com').waitFor();
    await customer.getByRole('button', { name: 'Place order' }).click();
    await customer.getByRole('heading', { name: /Thank you!/ }).waitFor();

    // The admin's page, never reloaded, shows the link consumed and the events.
    await row.getByRole('cell', { name: 'CONSUMED' }).waitFor();
    const feed = admin.getByRole('list', { name: 'Event feed' });
    await feed.getByText('CONSUMED').waitFor();
    await feed.getByText('CLAIMED').waitFor();
    await admin.getByRole('button', { name: `Timeline of ${hash1}` }).click();
    const timeline = admin.getByRole('region', { name: `Timeline of ${hash1}` });
    await expect.poll(async () => (await timeline.getByRole('listitem').allInnerTexts()).map((text) => text.split(' · ')[0]), { timeout: 120_000 })
      .toEqual(['Issued', 'Claimed', expect.stringMatching(/^Consumed by the first purchase \(order LC-\d+\)$/), expect.stringMatching(/^Order placed \(order LC-\d+\)$/)]);
    await admin.screenshot({ path: `${SCREENSHOTS}/admin-links-live.png`, fullPage: true });

    // The order, with the link it came from; the buyer, found by e-mail, gets a new selection.
    await admin.getByRole('button', { name: 'Orders', exact: true }).click();
    const orderRow = admin.getByRole('table', { name: 'Orders table' }).getByRole('row').filter({ hasText: 'buyer@example.com' });
    await orderRow.getByText(hash1).waitFor();
    await orderRow.getByRole('button').click();
    const detail = admin.getByRole('article', { name: /^Order LC-/ });
    await detail.getByText(`from link ${hash1} (CONSUMED)`).waitFor();
    await detail.getByRole('table', { name: 'Order lines' }).getByRole('cell', { name: 'Mug MUG' }).waitFor();
    await admin.screenshot({ path: `${SCREENSHOTS}/admin-order.png`, fullPage: true });
    await admin.getByRole('button', { name: 'Customers', exact: true }).click();
    await admin.getByLabel('Search customers').fill('BUYER@');
    await admin.getByRole('button', { name: 'Open buyer@example.com' }).click();
    const card = admin.getByRole('article', { name: 'Customer buyer@example.com' });
    await card.getByRole('table', { name: 'Orders of the customer' }).getByText(hash1).waitFor();
    await admin.screenshot({ path: `${SCREENSHOTS}/admin-customer.png`, fullPage: true });
    await admin.getByRole('button', { name: 'All customers' }).click();
    await admin.getByRole('button', { name: 'Create selection for buyer@example.com' }).click();
    expect(await admin.getByLabel('Customer e-mail (optional)').inputValue()).toBe('buyer@example.com');
    expect(crowd.errors).toEqual([]);
  });

  it('asks an additional payment for an earlier order: a custom line, a pay-once link that one customer pays and an earlier copy cannot', async () => {
    // The earlier order: bought through a link, set up through the API.
    const selectionId = await createSelection(t, { customerEmail: 'returning@example.com' });
    is((await t.admin(AddItem, { input: { selectionId, sku: 'TEE-S', quantity: 1 } })).addSelectionItem, 'AddSelectionItemSuccess');
    const first = is((await t.admin(IssueLink, { input: { selectionId, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
    const claim = is((await t.admin(Claim, { input: { hash1: first.link.hash1, hash2: first.hash2 } })).claimSelection, 'ClaimSelectionSuccess');
    const bought = await t.data(Checkout, { selectionId: claim.selection.id, key: 'earlier-order', email: 'returning@example.com' }, asSession(claim.sessionToken));
    const earlier = is(bought.placeOrder, 'PlaceOrderSuccess').order.number;

    // The admin opens that order and starts a selection asking an additional payment for it.
    const admin = await crowd.person();
    await admin.goto(`${origin}/admin#key=${encodeURIComponent(ADMIN_KEY)}`);
    await admin.getByRole('button', { name: 'Orders', exact: true }).click();
    await admin.getByRole('table', { name: 'Orders table' }).getByRole('button', { name: earlier, exact: true }).click();
    await admin.getByRole('article', { name: `Order ${earlier}` }).getByRole('button', { name: 'Ask for an additional payment' }).click();
    const builder = admin.getByRole('form', { name: 'Create selection' });
    await builder.getByText(`For order ${earlier}: an additional payment from returning@example.com.`).waitFor();
    await builder.getByLabel('Market').selectOption('SE');
    await builder.getByLabel('Pricelist').selectOption('SEK');
    expect(await builder.getByLabel('Country').inputValue()).toBe('SE'); // the earlier order's country
    await builder.getByRole('button', { name: 'Create selection' }).click();

    const editor = admin.getByRole('region', { name: 'Selection', exact: true });
    await editor.getByText(`For order ${earlier}: an additional payment from returning@example.com.`).waitFor();
    const custom = editor.getByRole('form', { name: 'Add a custom line' });
    await custom.getByLabel('Name').fill('Express upgrade');
    await custom.getByLabel('Unit price').fill('0');
    await custom.getByLabel('Reference (optional)').fill('EXPRESS');
    await custom.getByRole('button', { name: 'Add custom line' }).click();
    // The API's refusal, beside the field it is about.
    await expect.poll(() => custom.getByLabel('Unit price').getAttribute('aria-invalid')).toBe('true');
    await custom.getByRole('alert').getByText('A custom line is priced above zero').waitFor();
    await custom.getByLabel('Unit price').fill('250.00');
    await custom.getByRole('button', { name: 'Add custom line' }).click();
    const lines = editor.getByRole('table', { name: 'Lines' });
    await lines.getByText('Express upgrade', { exact: true }).waitFor();
    await lines.getByText('Custom line · ref EXPRESS').waitFor();
    // 250.00, shipping to SE 49.00, tax 25 % of 299.00 = 74.75.
    await editor.getByRole('table', { name: 'Totals' }).getByText('SEK 373.75').waitFor();
    expect(await custom.getByRole('alert').count()).toBe(0);
    await admin.screenshot({ path: `${SCREENSHOTS}/admin-additional-payment.png`, fullPage: true });

    await editor.getByRole('button', { name: 'Link', exact: true }).click();
    const dialog = admin.getByRole('dialog', { name: 'Share a link' });
    // An additional payment is paid once: the option starts checked.
    expect(await dialog.getByLabel('Can be paid only once').isChecked()).toBe(true);
    await dialog.getByLabel('Ignore shipping').check();
    await dialog.getByRole('button', { name: 'Issue link' }).click();
    const path = new URL(await dialog.getByLabel('Link URL').inputValue()).pathname;
    await dialog.getByText('It can be paid once.').waitFor();
    await admin.screenshot({ path: `${SCREENSHOTS}/admin-pay-once-link.png`, fullPage: true });

    // Someone opens the link early (an earlier copy, the customer's second device); then the customer pays.
    const early = await crowd.person();
    await early.goto(`${origin}${path}`);
    await early.getByRole('table', { name: 'Items' }).getByText('Express upgrade', { exact: true }).waitFor();
    const customer = await crowd.person();
    await customer.goto(`${origin}${path}`);
    const items = customer.getByRole('table', { name: 'Items' });
    await items.getByText('Express upgrade', { exact: true }).waitFor();
    await items.getByText('Custom charge · ref EXPRESS').waitFor();
    // The custom line cannot grow: no enabled control to increase it.
    expect(await customer.getByRole('button', { name: 'More Express upgrade', disabled: false }).count()).toBe(0);
    // Shipping ignored; tax 25 % of 250.00.
    await customer.getByRole('table', { name: 'Totals' }).getByText('SEK 312.50').waitFor();
    // The customer is the earlier order's: nothing to fill in before paying.
    await customer.getByText('Saved: returning@example.com').waitFor();
    await customer.getByRole('button', { name: 'Place order' }).click();
    await customer.getByRole('heading', { name: /Thank you! Order .+ is placed\./ }).waitFor();
    const paid = (await customer.getByRole('heading', { name: /Thank you!/ }).innerText()).match(/LC-\d+/)![0];
    await customer.getByRole('table', { name: 'Order lines' }).getByRole('cell', { name: 'Express upgrade custom charge · EXPRESS' }).waitFor();

    // The earlier copy cannot pay the link again.
    const earlyPlace = early.getByRole('region', { name: 'Place order' });
    await earlyPlace.getByRole('button', { name: 'Place order' }).click();
    await earlyPlace.getByText('This payment link has already been paid: it cannot be paid again.').waitFor();
    await expect.poll(() => earlyPlace.getByRole('button', { name: 'Place order' }).isDisabled()).toBe(true);
    await early.screenshot({ path: `${SCREENSHOTS}/checkout-additional-payment-paid.png`, fullPage: true });

    // Bought through its link, the admin's selection is closed: its editor offers nothing to add, and says why.
    await admin.getByRole('dialog', { name: 'Share a link' }).getByRole('button', { name: 'Close' }).click();
    await editor.getByText('Nothing more can be added: this selection is closed (bought through its link, or deleted). Start a new selection to sell more.').waitFor();
    expect(await editor.getByRole('form', { name: 'Add a custom line' }).count()).toBe(0);
    expect(await editor.getByLabel('Find a variant').count()).toBe(0);
    await admin.screenshot({ path: `${SCREENSHOTS}/admin-selection-closed.png`, fullPage: true });

    // The orders: the new one is for the earlier one, which lists it as an additional payment.
    await admin.getByRole('button', { name: 'Orders', exact: true }).click();
    const orders = admin.getByRole('table', { name: 'Orders table' });
    await orders.getByRole('row').filter({ hasText: paid }).getByText(`for ${earlier}`).waitFor();
    await orders.getByRole('button', { name: paid, exact: true }).click();
    const detail = admin.getByRole('article', { name: `Order ${paid}` });
    await detail.getByText(`An additional payment for order ${earlier}`).waitFor();
    await detail.getByRole('button', { name: earlier, exact: true }).click();
    await admin.getByRole('article', { name: `Order ${earlier}` }).getByText(`Additional payments: ${paid}`).waitFor();
    await admin.screenshot({ path: `${SCREENSHOTS}/admin-supplementary-orders.png`, fullPage: true });
    // At phone width the order, and the customer's card with both orders, fit the screen.
    await admin.setViewportSize({ width: 375, height: 740 });
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await admin.getByRole('button', { name: 'Customers', exact: true }).click();
    await admin.getByRole('button', { name: 'Open returning@example.com' }).click();
    const card = admin.getByRole('article', { name: 'Customer returning@example.com' });
    await card.getByRole('table', { name: 'Orders of the customer' }).getByText(`for ${earlier}`).waitFor();
    await card.getByRole('button', { name: `Ask for an additional payment for ${paid}` }).waitFor();
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await admin.screenshot({ path: `${SCREENSHOTS}/admin-customer-phone.png`, fullPage: true });
    expect(crowd.errors).toEqual([]);
  });
});

describe.runIf(hasBrowser)('a newcomer on an empty database', () => {
  let origin: string;
  let crowd: People;
  let pages: PageSuite | undefined;
  beforeAll(async () => {
    pages = await servePages({ seed: false });
    ({ origin, crowd } = pages);
  });
  afterAll(() => pages?.close());

  it('loads the demo catalog, builds a selection from it, links it and buys through the link, without writing GraphQL', async () => {
    const admin = await crowd.person();
    await admin.goto(`${origin}/admin#key=${encodeURIComponent(ADMIN_KEY)}`);
    // The key in the link's fragment signs the tab in and leaves the address bar.
    await admin.getByRole('button', { name: 'Load demo catalog' }).click();
    expect(new URL(admin.url()).hash).toBe('');
    await admin.getByLabel('Market').selectOption('DEMO');
    await admin.getByLabel('Country').selectOption('NL');
    await admin.getByLabel('Customer e-mail (optional)').fill('ada@example.com');
    await admin.getByRole('button', { name: 'Create selection' }).click();
    await admin.getByLabel('Find a variant').fill('poster');
    await admin.getByRole('form', { name: 'Add Limited poster (signed)' }).getByRole('button', { name: 'Add' }).click();
    await admin.getByRole('table', { name: 'Lines' }).getByText('Limited poster (signed)').waitFor();
    await admin.getByRole('button', { name: 'Link', exact: true }).click();
    await admin.getByRole('dialog', { name: 'Share a link' }).getByRole('button', { name: 'Issue link' }).click();
    const url = await admin.getByRole('dialog', { name: 'Share a link' }).getByLabel('Link URL').inputValue();
    await admin.screenshot({ path: `${SCREENSHOTS}/demo-link.png`, fullPage: true });

    const customer = await crowd.person();
    await customer.goto(`${origin}${new URL(url).pathname}`);
    // 120.00 + shipping to NL 6.90, tax 21 % of 126.90 = 26.65 (rounded half up): 153.55.
    await customer.getByRole('table', { name: 'Totals' }).getByText('€153.55').waitFor();
    await customer.getByLabel('E-mail').fill('ada@example.com');
    await customer.getByRole('button', { name: 'Save details' }).click();
    await customer.getByText('Saved: ada@example.com').waitFor();
    await customer.getByRole('button', { name: 'Place order' }).click();
    await customer.getByRole('heading', { name: /Thank you! Order .+ is placed\./ }).waitFor();
    await customer.screenshot({ path: `${SCREENSHOTS}/demo-order.png`, fullPage: true });

    // The dashboard at phone width: nothing wider than the screen.
    await admin.getByRole('dialog', { name: 'Share a link' }).getByRole('button', { name: 'Close' }).click();
    await admin.setViewportSize({ width: 375, height: 740 });
    for (const tab of ['Links', 'Orders', 'Customers', 'New selection']) {
      await admin.getByRole('button', { name: tab, exact: true }).click();
      await admin.getByRole('heading', { name: tab === 'New selection' ? 'Create selection' : tab, exact: true }).waitFor();
      expect(await admin.evaluate(() => document.documentElement.scrollWidth), tab).toBeLessThanOrEqual(375);
    }
    await admin.getByRole('button', { name: 'Links', exact: true }).click();
    await admin.screenshot({ path: `${SCREENSHOTS}/admin-phone.png`, fullPage: true });
    await crowd.close();
  });
});

/**
 * A TCP proxy in front of the app, as a load balancer would be: `cut()` drops every connection
 * through it and refuses new ones until `restore()`.
 */
async function cuttableProxy(target: number): Promise<{ origin: string; cut(): void; restore(): void; close(): Promise<void> }> {
  const open = new Set<Socket>();
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut() {
      refusing = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      refusing = false;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe.runIf(hasBrowser)('a dashboard whose socket is cut', () => {
  let t: TestApp;
  let port: number;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestApp();
    port = Number(new URL(await t.app.start()).port);
    await seedCatalog(t);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('shows the events committed while it was cut after it reconnects, in order, once each', async () => {
    const proxy = await cuttableProxy(port);
    const crowd = people(browser, proxy.origin);
    try {
      const admin = await crowd.person();
      const selectionId = await createSelection(t);
      is((await t.admin(AddItem, { input: { selectionId, sku: 'MUG', quantity: 1 } })).addSelectionItem, 'AddSelectionItemSuccess');
      const issued = is((await t.admin(IssueLink, { input: { selectionId, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
      await admin.goto(`${proxy.origin}/admin#key=${encodeURIComponent(ADMIN_KEY)}`);
      const feed = admin.getByRole('list', { name: 'Event feed' });
      await feed.getByText('ISSUED').waitFor();

      proxy.cut();
      const claim = async () => {
        const answer = await t.request(Claim, { input: { hash1: issued.link.hash1, hash2: issued.hash2 } });
        expect(answer.data?.claimSelection.__typename).toBe('ClaimSelectionSuccess');
      };
      await claim();
      await claim();
      proxy.restore();

      // After the reconnect: the two claims, newest first, each once; the link's row shows them.
      await admin.getByRole('row', { name: `Link ${issued.link.hash1}` }).getByRole('cell', { name: '2', exact: true }).waitFor();
      await expect.poll(async () => (await feed.getByRole('listitem').allInnerTexts()).map((text) => text.split(' ')[0]), { timeout: 120_000 })
        .toEqual(['CLAIMED', 'CLAIMED', 'ISSUED']);
      await admin.screenshot({ path: `${SCREENSHOTS}/admin-after-reconnect.png`, fullPage: true });
    } finally {
      await crowd.close();
      await proxy.close();
    }
  });
});
