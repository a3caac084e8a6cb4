// Request limits (README "Security"): what one request may ask of the server. Values are
// pinned here and documented; every refusal is a GraphQL error, never a crash.
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { SelectionNode, ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const REQUEST_LIMITS = {
  /** Nesting of selections (the deepest query a client needs is about 7). */
  depth: 12,
  /** Aliased fields per operation. */
  aliases: 15,
  /** graphql-armor's cost: objects 2, scalars 1, × 1.5 per level of depth. */
  cost: 5_000,
  /** Lexical tokens per document (the README's largest document has about 300). */
  tokens: 2_000,
  directives: 20,
  /** Bytes of a request body; larger is 413. */
  bodyBytes: 1024 * 1024,
  /** Bytes of one WebSocket message. */
  socketMessageBytes: 1024 * 1024,
} as const;

/** The CSRF header a request needs unless its content type forces a CORS preflight. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

// A claim is a guess at a secret: one per request, so that aliases cannot batch guesses.
const oneClaimPerOperation: ValidationRule = (context) => ({
  OperationDefinition(operation) {
    let claims = 0;
    const count = (selections: readonly SelectionNode[], seen: Set<string>) => {
      for (const selection of selections) {
        if (selection.kind === 'Field' && selection.name.value === 'claimSelection') claims++;
        if (selection.kind === 'InlineFragment') count(selection.selectionSet.selections, seen);
        if (selection.kind === 'FragmentSpread' && !seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          const fragment = context.getFragment(selection.name.value);
          if (fragment) count(fragment.selectionSet.selections, seen);
        }
      }
    };
    count(operation.selectionSet.selections, new Set());
    if (claims > 1) context.reportError(new GraphQLError('claimSelection may appear once per request', { nodes: [operation] }));
  },
});

export function limitPlugins(production: boolean): Plugin[] {
  const plugins: Plugin[] = [
    useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
    maxTokensPlugin({ n: REQUEST_LIMITS.tokens }),
    maxDepthPlugin({ n: REQUEST_LIMITS.depth, ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesPlugin({ n: REQUEST_LIMITS.aliases }),
    costLimitPlugin({ maxCost: REQUEST_LIMITS.cost, ignoreIntrospection: true }),
    maxDirectivesPlugin({ n: REQUEST_LIMITS.directives }),
    { onValidate: ({ addValidationRule }) => addValidationRule(oneClaimPerOperation) },
  ] as Plugin[];
  if (production) {
    plugins.push(blockFieldSuggestionsPlugin() as Plugin, {
      onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
    });
  }
  return plugins;
}
