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
    // Deadlines only for a test that hangs: no test may fail because a loaded machine is slow
    // (a test takes seconds when idle; three times that under load is still far from these).
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
