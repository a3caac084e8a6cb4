// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'src/generated/', 'test/gql/', '.data/', 'bench/', 'web/dist/', 'web/src/gql/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Plain JavaScript runs on Node (scripts/build.mjs).
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      'no-console': 'off',
    },
  },
  // What a reviewer would otherwise grep for (issue 16): short functions, config read once,
  // row locks only in db/locks.ts, and auth/ below services/.
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 59 }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read the environment in config.ts (server.ts passes it in); take config as a parameter.' }],
      'no-restricted-syntax': ['error', {
        selector: 'TemplateElement[value.raw=/FOR (UPDATE|NO KEY UPDATE|SHARE|KEY SHARE)\\b/]',
        message: 'Row locks are taken by the typed functions of src/db/locks.ts, in the lock order written there.',
      }],
    },
  },
  { files: ['src/config.ts', 'src/server.ts'], rules: { 'no-restricted-properties': 'off' } },
  { files: ['src/db/locks.ts'], rules: { 'no-restricted-syntax': 'off' } },
  {
    files: ['src/auth/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../services/*'], message: 'auth/ is below services/: services may import auth, not the reverse.' }] }] },
  },
);
