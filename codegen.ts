// Typed documents (client preset) from the committed schema.graphql: for the tests' documents
// written with graphql(`…`) in test/, and for the pages' in web/src (with fragment masking:
// each component sees only the fields its own fragment asks for). Frontends point `documents`
// at their own code.
import type { CodegenConfig } from '@graphql-codegen/cli';

const scalars = { DateTime: 'string', Decimal: 'string', ID: 'string' };

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  // ESM: generated relative imports carry their .js extension.
  emitLegacyCommonJSImports: false,
  generates: {
    './test/gql/': {
      documents: ['test/**/*.ts', '!test/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, scalars },
    },
    './web/src/gql/': {
      documents: ['web/src/**/*.tsx', 'web/src/**/*.ts', '!web/src/gql/**'],
      preset: 'client',
      config: { useTypeImports: true, enumsAsTypes: true, scalars },
    },
  },
};

export default config;
