// A real browser for the pages: Debian's Chromium (`apt-get install chromium`) driven by
// playwright-core (DESIGN.md §5); nothing is downloaded. Sessions and CI run as root, hence
// --no-sandbox; the other flags keep Chromium from calling out of a machine with no internet.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Browser suites run wherever Chromium is installed, and always in CI, where a missing browser
 * fails the run instead of skipping it; elsewhere they are skipped with a note.
 */
export const hasBrowser = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!hasBrowser) console.warn(`[browser tests] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A page whose waits (for an element, a navigation) give up only after two minutes: they end as
 * soon as the page is ready, and a loaded machine must not fail a test that would pass.
 */
export async function newPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(120_000);
  return page;
}

/**
 * Lets the page reach `origin` only, as on a machine with no internet: every other request is
 * aborted and its URL collected, so that a test can assert the page needed none.
 */
export async function offline(page: Page, origin: string): Promise<string[]> {
  const elsewhere: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url === origin) return route.continue();
    elsewhere.push(url);
    return route.abort('internetdisconnected');
  });
  return elsewhere;
}
