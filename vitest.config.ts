import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One graphql instance: Pothos and yoga load its CommonJS build, so the tests must too.
  resolve: { alias: { graphql: 'graphql/index.js' } },
  test: {
    include: ['test/**/*.test.ts'],
    // A migrated template database, made once; each file copies it.
    globalSetup: ['test/global-setup.ts'],
    // Each test file runs in its own process with its own database (test/helpers/app.ts).
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
