// GraphiQL in a real browser with no way out of this machine: the page, its scripts and its
// workers come from the server itself (yoga's default would load them from a CDN), it reads the
// schema, runs its first query, and the answer says which credential that query needs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { hasBrowser, launchBrowser, newPage, offline } from './helpers/browser.js';
import { startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';

describe.runIf(hasBrowser)('GraphiQL in the browser, offline', () => {
  let t: TestApp;
  let url: string;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestApp();
    url = (await t.app.start()).replace('localhost', '127.0.0.1');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('loads from this server alone, shows the schema and runs its first query', async () => {
    const page = await newPage(browser);
    const elsewhere = await offline(page, url);
    await page.goto(`${url}/graphql`);
    expect(await page.title()).toBe('Linkcart');

    // The schema arrived: the documentation explorer lists the root types.
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    await page.getByText('mutation:', { exact: false }).first().waitFor();

    // The first query needs an admin key, and the answer says so.
    await page.getByRole('button', { name: /^Execute query/ }).click();
    await page.getByText('markets needs an admin key').waitFor();
    expect(elsewhere).toEqual([]);
    await page.close();
  });
});
