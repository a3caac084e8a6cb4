// Request limits (README "Security"): what one request may ask of the server. Values are
// pinned here and documented; every refusal is a GraphQL error, never a crash.
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin, costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, Kind, NoSchemaIntrospectionCustomRule, TypeInfo, getOperationAST, getVariableValues, validate, visit, visitWithTypeInfo } from 'graphql';
import type { ArgumentNode, DocumentNode, ExecutionArgs, ExecutionResult, FieldNode, GraphQLSchema, SelectionNode, ValidationRule } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import type { Plugin } from 'graphql-yoga';
import { PAGE, answerSize } from './answer-size.js';
import type { Context } from './schema/builder.js';

export const REQUEST_LIMITS = {
  /** Nesting of selections (the deepest query a client needs is about 7). */
  depth: 12,
  /** Aliased fields per operation. */
  aliases: 15,
  /** graphql-armor's cost: objects 2, scalars 1, × 1.5 per level of depth. */
  cost: 5_000,
  /**
   * The most values an answer may hold (answer-size.ts: every list counted at its bound), for
   * an admin and for everyone else (a storefront session, an anonymous claimant). A storefront
   * reading a full 500-line selection with its variants and products needs about 10,000.
   */
  answerValues: { admin: 100_000, storefront: 20_000 },
  /** Lexical tokens per document (the README's largest document has about 300). */
  tokens: 2_000,
  directives: 20,
  /** Bytes of a request body; larger is 413. */
  bodyBytes: 1024 * 1024,
  /** Bytes of one WebSocket message. */
  socketMessageBytes: 1024 * 1024,
  /** Nesting of arrays and objects in a JSON body, a GET parameter or a WebSocket message. */
  jsonDepth: 64,
} as const;

/**
 * Whether a JSON text (its UTF-8 bytes) nests arrays and objects deeper than `max`, found by one
 * pass that stops at the first level too deep. Parsing a deeply nested text costs far more
 * (about 90 ms for 400,000 levels here) and blocks every other client meanwhile, so a text is
 * checked before it is decoded and parsed. Brackets inside strings do not count; brackets,
 * quotes and backslashes are ASCII, which never occurs inside a multi-byte UTF-8 character.
 */
export function nestsDeeperThan(json: Uint8Array | string, max: number = REQUEST_LIMITS.jsonDepth): boolean {
  const bytes = typeof json === 'string' ? Buffer.from(json) : json;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes[i]!;
    if (inString) {
      if (code === 0x5c) i++; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > max) return true;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return false;
}

/** The CSRF header a POST needs unless its content type forces a CORS preflight. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/**
 * yoga's CSRF prevention for POSTs only. A GET can only read (a mutation over GET is 405), and
 * credentials travel in headers that no cross-site page can make a browser send without a CORS
 * preflight, so a forged GET runs as an anonymous caller would anyway. Clients that send queries
 * as GET by default (urql, Apollo's persisted queries) then need no extra header.
 */
function csrfPrevention(): Plugin {
  const { onRequestParse } = useCSRFPrevention({ requestHeaders: [CSRF_HEADER] });
  return {
    onRequestParse(payload) {
      if (payload.request.method !== 'GET') return onRequestParse?.(payload);
    },
  };
}

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


/**
 * graphql-armor's cost counts page sizes written in the document only. Typed clients pass
 * them as variables, or leave them out: this writes them in (and the default where none is
 * given) and checks the cost again before anything executes.
 */
function withPageSizes(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>): DocumentNode | null {
  const typeInfo = new TypeInfo(schema);
  let changed = false;
  const inlined = visit(document, visitWithTypeInfo(typeInfo, {
    Field(node: FieldNode) {
      const args = typeInfo.getFieldDef()?.args ?? [];
      if (!args.some((arg) => arg.name === 'first') || !args.some((arg) => arg.name === 'last')) return undefined;
      // The page the server will really return: the size given (as a literal or a variable),
      // at most MAX_PAGE.
      const size = (arg: ArgumentNode): ArgumentNode => {
        if (!['first', 'last'].includes(arg.name.value)) return arg;
        const given = arg.value.kind === Kind.VARIABLE ? variables[arg.value.name.value] : arg.value.kind === Kind.INT ? Number(arg.value.value) : undefined;
        const pages = typeof given === 'number' && Number.isFinite(given) ? Math.min(Math.max(given, 0), PAGE.max) : PAGE.default;
        changed = true;
        return { ...arg, value: { kind: Kind.INT, value: String(pages) } };
      };
      const given = node.arguments ?? [];
      const sized = given.map(size);
      if (!given.some((arg) => arg.name.value === 'first' || arg.name.value === 'last')) {
        changed = true;
        sized.push({ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: { kind: Kind.INT, value: String(PAGE.default) } });
      }
      return { ...node, arguments: sized };
    },
  }));
  return changed ? inlined : null;
}

/**
 * Documents with no paginated field, which withPageSizes leaves as they are. Parsed documents
 * are cached and reused by yoga, so most requests skip the walk over the document.
 */
const withoutPages = new WeakSet<DocumentNode>();

/**
 * What the cost limits refuse in an operation about to run, given its variables and its caller:
 * graphql-armor's cost with the page sizes written in, and the answer size against the caller's
 * budget. Called before anything executes, for HTTP and server-sent events (the plugin below)
 * and for graphql-ws (app.ts), where a refusal must fail the operation, not the socket.
 */
export function costErrors(args: ExecutionArgs): GraphQLError[] {
  const variables = (args.variableValues ?? {}) as Record<string, unknown>;
  if (!withoutPages.has(args.document)) {
    // Page sizes as execution will see them: a variable's declared default applies.
    const operation = getOperationAST(args.document, args.operationName);
    const coerced = operation && getVariableValues(args.schema, operation.variableDefinitions ?? [], variables).coerced;
    // No operation, or variables that do not fit it: execution refuses them, running nothing.
    if (!coerced) return [];
    const document = withPageSizes(args.schema, args.document, coerced);
    if (document === null) withoutPages.add(args.document);
    if (document) {
      // graphql-armor throws its refusal unless told not to; either way it is this operation's error.
      try {
        const errors = validate(args.schema, document, [costLimitRule({ maxCost: REQUEST_LIMITS.cost, ignoreIntrospection: true })]);
        if (errors.length > 0) return [...errors];
      } catch (error) {
        if (error instanceof GraphQLError) return [error];
        throw error;
      }
    }
  }
  const admin = (args.contextValue as Partial<Context> | undefined)?.caller?.kind === 'admin';
  const budget = REQUEST_LIMITS.answerValues[admin ? 'admin' : 'storefront'];
  const size = answerSize(args.schema, args.document, args.operationName, variables);
  if (size <= budget) return [];
  return [
    new GraphQLError(
      `Answer size limit of ${budget} values exceeded, found ${size}: every list counts at its bound (README "Security"). Ask for smaller pages or fewer nested lists.`,
      { extensions: { code: 'ANSWER_TOO_LARGE', limit: budget, found: size } },
    ),
  ];
}

const costLimits: Plugin = {
  onExecute({ args, setResultAndStopExecution }) {
    const errors = costErrors(args);
    if (errors.length > 0) setResultAndStopExecution({ errors });
  },
  onSubscribe({ args, setResultAndStopExecution }) {
    const errors = costErrors(args);
    if (errors.length > 0) setResultAndStopExecution({ errors });
  },
};

const badRequest = (message: string) => createGraphQLError(message, { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });

const tooDeep = (what: string) => badRequest(`${what} nests arrays and objects deeper than ${REQUEST_LIMITS.jsonDepth} levels`);

/**
 * A JSON body must be valid UTF-8 (not silently repaired) and valid JSON nesting at most
 * jsonDepth levels; the variables and extensions of a GET or a form POST likewise. Anything
 * else is 400 before GraphQL sees it.
 */
const strictBodies: Plugin = {
  onRequestParse({ request, setRequestParser }) {
    // The media type as yoga reads it (the first of a comma-separated list, before parameters),
    // case and spaces aside: every body yoga would parse as JSON or as a form is parsed here.
    const mediaType = (request.headers.get('content-type') ?? '').split(',')[0]!.split(';')[0]!.trim().toLowerCase();
    if (request.method === 'POST' && (mediaType === 'application/json' || mediaType === 'application/graphql+json')) {
      setRequestParser(async (req) => {
        const bytes = new Uint8Array(await req.arrayBuffer());
        if (nestsDeeperThan(bytes)) throw tooDeep('The body');
        let text: string;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          throw badRequest('The body is not valid UTF-8');
        }
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          throw badRequest('The body is not valid JSON');
        }
        if (body === null || typeof body !== 'object') throw badRequest('The body must be a JSON object');
        return body as never;
      });
    }
    if (request.method === 'GET') {
      const params = new URL(request.url).searchParams;
      jsonParameter(params, 'variables');
      jsonParameter(params, 'extensions');
    }
    // GraphQL multipart requests exist for file uploads, which this API has none of.
    if (request.method === 'POST' && mediaType.startsWith('multipart/')) {
      throw createGraphQLError('Multipart bodies are not accepted: send application/json', { extensions: { http: { status: 415 }, code: 'BAD_REQUEST' } });
    }
    if (request.method === 'POST' && mediaType === 'application/x-www-form-urlencoded') {
      setRequestParser(async (req) => {
        const params = new URLSearchParams(await req.text());
        return {
          query: params.get('query') ?? undefined,
          operationName: params.get('operationName') ?? undefined,
          variables: jsonParameter(params, 'variables') as Record<string, unknown> | undefined,
          extensions: jsonParameter(params, 'extensions') as Record<string, unknown> | undefined,
        };
      });
    }
  },
};

/** A JSON parameter of a GET or a form POST, parsed; 400 when it nests too deep or is not JSON. */
function jsonParameter(params: URLSearchParams, name: string): unknown {
  const value = params.get(name);
  if (value === null) return undefined;
  if (nestsDeeperThan(value)) throw tooDeep(`The ${name} parameter`);
  try {
    return JSON.parse(value);
  } catch {
    throw badRequest(`The ${name} parameter is not valid JSON`);
  }
}

/** In production, no "Did you mean …?" of any kind: names of fields, enum values, input fields. */
const noSuggestions: Plugin = {
  onResultProcess({ result }) {
    for (const single of Array.isArray(result) ? result : [result]) {
      const errors = (single as ExecutionResult | null)?.errors;
      if (!errors) continue;
      for (const error of errors) {
        (error as { message: string }).message = error.message.replace(/\s*Did you mean [^?]*\?/g, '');
      }
    }
  },
};

export function limitPlugins(production: boolean): Plugin[] {
  const plugins: Plugin[] = [
    csrfPrevention(),
    strictBodies,
    costLimits,
    maxTokensPlugin({ n: REQUEST_LIMITS.tokens }),
    maxDepthPlugin({ n: REQUEST_LIMITS.depth, ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesPlugin({ n: REQUEST_LIMITS.aliases }),
    costLimitPlugin({ maxCost: REQUEST_LIMITS.cost, ignoreIntrospection: true }),
    maxDirectivesPlugin({ n: REQUEST_LIMITS.directives }),
    { onValidate: ({ addValidationRule }) => addValidationRule(oneClaimPerOperation) },
  ] as Plugin[];
  if (production) {
    plugins.push(blockFieldSuggestionsPlugin() as Plugin, noSuggestions, {
      onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
    });
  }
  return plugins;
}
