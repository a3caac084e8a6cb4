// The Pothos builder. The errors plugin wraps scope-auth (it is listed before it) so that an
// authorization failure on a field whose result union has ForbiddenError is returned as that
// typed error; scope-auth still runs before every resolver, and errors before prisma.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, getNamedType, isUnionType } from 'graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { AuthFailure } from '@pothos/plugin-scope-auth';
import { PAGE } from '../answer-size.js';
import type { Caller } from '../auth/caller.js';
import { PRODUCTION_PROCESS } from '../config.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import type { AppMetrics } from '../observability/metrics.js';
import type { LinkEvents } from '../events/stream.js';
import { db } from '../db/client.js';
import { Forbidden } from '../services/errors.js';
import { LIMITS } from '../services/validate.js';
import type PrismaTypes from '../generated/pothos-prisma-types.js';
import { getDatamodel } from '../generated/pothos-prisma-types.js';
import type { Loaders } from './loaders.js';

export interface Context {
  caller: Caller;
  /** The X-Session-Token the caller sent, when it resolved to a session. */
  sessionToken: string | null;
  /** The server's own base URL, for default link URLs. */
  publicUrl: string;
  /** The client's address (the socket peer, or X-Forwarded-For with TRUST_PROXY). */
  clientAddress: string;
  /** Failed claims per client address. */
  claimLimiter: RateLimiter;
  loaders: Loaders;
  /** The app's counters of claims, orders and consumed links. */
  metrics: AppMetrics;
  /** The app's link events: mutations announce what they committed, the subscription reads them. */
  events: LinkEvents;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { admin: boolean; session: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    Decimal: { Input: string; Output: string };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
}>({
  plugins: [ErrorsPlugin, ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    // A subscription is refused when it starts, not at each event.
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      admin: context.caller.kind === 'admin',
      session: context.caller.kind === 'session',
    }),
    // A field whose result union has ForbiddenError gets it as data; others a GraphQL error.
    unauthorizedError: (_parent, context, info, result) => {
      const message = refusal(context.caller, info, scopesOf(result.failure));
      const type = getNamedType(info.returnType);
      const typed = isUnionType(type) && type.getTypes().some((member) => member.name === 'ForbiddenError');
      return typed ? new Forbidden(message) : new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
    },
  },
  prisma: {
    // Imported from db/, never put on the context (STYLE.md).
    client: () => db(),
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    // Decided once per process (the builder is): off in production, where it would wrap every prisma field.
    onUnusedQuery: PRODUCTION_PROCESS ? null : 'warn',
    maxConnectionSize: PAGE.max,
    defaultConnectionSize: PAGE.default,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    pageInfoTypeOptions: { description: 'Where a page sits in a paginated list.' },
    hasNextPageFieldOptions: { description: 'More results follow: ask again with `after: endCursor`.' },
    hasPreviousPageFieldOptions: { description: 'Results precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first result of the page.' },
    endCursorFieldOptions: { description: 'Cursor of the last result of the page.' },
    cursorFieldOptions: { description: 'Pass as `after` to continue after this result.' },
    nodeFieldOptions: { description: 'The result.' },
    // Counted by the answer size (answer-size.ts) as the page its connection field asked for.
    edgesFieldOptions: { description: 'The results of this page, in order.', extensions: { items: 'page' } },
    pageInfoFieldOptions: { description: 'Whether more pages follow, and their cursors.' },
    firstArgOptions: { description: `Page size from the start (default ${PAGE.default}, at most ${PAGE.max}).` },
    afterArgOptions: { description: 'Continue after this cursor.' },
    lastArgOptions: { description: `Page size from the end (at most ${PAGE.max}).` },
    beforeArgOptions: { description: 'Continue before this cursor.' },
  },
});

builder.queryType({ description: 'Reads. Admins see everything; a storefront session only what it owns.' });
builder.mutationType({ description: 'Changes. Each one is a single database transaction.' });

/** The scopes a refused field would have accepted. */
function scopesOf(failure: AuthFailure, found = new Set<string>()): Set<string> {
  if ('scope' in failure) found.add(failure.scope);
  if ('failures' in failure) for (const inner of failure.failures) scopesOf(inner, found);
  return found;
}

/** Why a caller may not use a field, naming only credentials that the field accepts. */
function refusal(caller: Caller, info: GraphQLResolveInfo, accepted: Set<string>): string {
  const root = ['Query', 'Mutation', 'Subscription'].includes(info.parentType.name);
  const field = root ? info.fieldName : `${info.parentType.name}.${info.fieldName}`;
  if (!accepted.has('session')) {
    return caller.kind === 'session'
      ? `${field} is for admins: a storefront session may not use it.`
      : `${field} needs an admin key: send Authorization: Bearer <admin key>.`;
  }
  return `${field} needs an admin key (Authorization: Bearer <admin key>) or the X-Session-Token of the session that owns it.`;
}

/** Scope presets for fields. A refusal is a ForbiddenError where the result union has one. */
export const adminOnly = { authScopes: { admin: true } } as const;
export const ownerOrAdmin = { authScopes: { $any: { admin: true, session: true } } } as const;

/**
 * The answer of a prisma field that needs no database read (a malformed id): marks `query`
 * as seen, since onUnusedQuery exists to catch forgotten queries, not deliberate skips.
 */
export function noRow<T>(query: object, empty: T): T {
  void { ...query };
  return empty;
}

/**
 * The rows a list field with a `first` argument reads: `first` from 0 to `max`, `fallback`
 * when it is not given. `max` is the bound the field declares for the answer size.
 */
export function pageSize(first: number | null | undefined, fallback: number, max: number): number {
  return Math.min(Math.max(first ?? fallback, 0), max);
}

/** A search argument as given, or a GraphQL error (BAD_USER_INPUT) when it is longer than LIMITS.search. */
export function searchArgument(search: string | null | undefined): string | null | undefined {
  if ((search ?? '').length > LIMITS.search) {
    throw new GraphQLError(`search is at most ${LIMITS.search} characters`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return search;
}
