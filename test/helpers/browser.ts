// A real browser for the pages: Debian's Chromium (`apt-get install chromium`) driven by
// playwright-core (DESIGN.md §5); nothing is downloaded. Sessions and CI run as root, hence
// --no-sandbox; the other flags keep Chromium from calling out of a machine with no internet.
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { startTestApp } from './app.js';
import type { TestApp } from './app.js';
import { seedCatalog } from './fixtures.js';

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
  page.setDefaultTimeout(PAGE_TIMEOUT);
  return page;
}

const PAGE_TIMEOUT = 120_000;

/** Where the pages' screenshots go (gitignored): one per state a test reaches. */
export const SCREENSHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');

export interface People {
  /** A new person: a browser context of their own (en-US unless `options` say otherwise), offline but for the origin. */
  person(options?: BrowserContextOptions): Promise<Page>;
  /** Uncaught errors in any of their pages: none is expected. */
  errors: string[];
  /** Closes every person's context. */
  close(): Promise<void>;
}

/** The people of a test, each in a browser context of their own, who may reach `origin` only. */
export function people(browser: Browser, origin: string): People {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];
  return {
    errors,
    async person(options = {}) {
      const context = await browser.newContext({ locale: 'en-US', ...options });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(PAGE_TIMEOUT);
      await offline(page, origin);
      page.on('pageerror', (error) => errors.push(error.message));
      return page;
    },
    async close() {
      for (const context of contexts.splice(0)) await context.close();
    },
  };
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

/** A browser suite's app, served on a real port, and the people who open its pages. */
export interface PageSuite {
  t: TestApp;
  /** The app's origin as the pages see it (127.0.0.1, which `people` may reach). */
  origin: string;
  crowd: People;
  /** Closes the people, the browser and the app, in that order. */
  close(): Promise<void>;
}

/** Starts a test app on a port of its own (with the standard catalog unless `seed` is false) and a browser. */
export async function servePages(options: { seed?: boolean } = {}): Promise<PageSuite> {
  const t = await startTestApp();
  const origin = (await t.app.start()).replace('localhost', '127.0.0.1');
  if (options.seed !== false) await seedCatalog(t);
  const browser = await launchBrowser();
  const crowd = people(browser, origin);
  return {
    t,
    origin,
    crowd,
    async close() {
      await crowd.close();
      await browser.close();
      await t.stop();
    },
  };
}
