import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { createSelection, seedCatalog } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedCatalog(t);
});
afterAll(() => t.stop());

it('creates a selection', async () => {
  const id = await createSelection(t);
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
});
