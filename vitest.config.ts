import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One graphql instance: Pothos and yoga load its CommonJS build, so the tests must too.
  resolve: { alias: { graphql: 'graphql/index.js' } },
  test: {
    include: ['test/**/*.test.ts'],
    // A migrated template database, made once; each file copies it.
    globalSetup: ['test/global-setup.ts'],
    // Two worker processes; each test file opens its own database and app (test/helpers/app.ts)
    // and closes them at its end. Files share a worker's loaded modules (isolate: false): loading
    // the app and compiling PGlite's WebAssembly once per worker instead of once per file takes
    // about 40 % off the suite's CPU time.
    pool: 'forks',
    isolate: false,
    fileParallelism: true,
    maxWorkers: 2,
    // Deadlines only for a test that hangs: no test may fail because a loaded machine is slow
    // (a test takes seconds when idle; three times that under load is still far from these).
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
