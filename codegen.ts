// Typed documents (client preset) from the committed schema.graphql, for the GraphQL
// documents written with graphql(`…`) in test/. Frontends point `documents` at their own code.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: true,
  // ESM: generated relative imports carry their .js extension.
  emitLegacyCommonJSImports: false,
  generates: {
    './test/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Decimal: 'string', ID: 'string' },
      },
    },
  },
};

export default config;
