// The GraphQL context of a request or a socket's operation (STYLE.md "one context factory for
// HTTP and WebSocket"): the caller from the credentials, and what the app lends its resolvers.
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import type { YogaInitialContext } from 'graphql-yoga';
import type { Config } from '../config.js';
import type { LinkEvents } from '../events/stream.js';
import type { AppMetrics } from '../observability/metrics.js';
import type { Context } from '../schema/builder.js';
import type { Loaders } from '../schema/loaders.js';
import { Unauthenticated } from './caller.js';
import type { Caller, CallerResolver, Credentials } from './caller.js';
import type { RateLimiter } from './rate-limit.js';

/** What the HTTP server (or graphql-ws, for a socket's operation) hands yoga with each request. */
export interface ServerContext {
  req?: IncomingMessage;
  request?: Request;
  connectionParams?: Record<string, unknown>;
}

/**
 * Credentials from HTTP headers, or for a graphql-ws socket (the admin dashboard's: storefront
 * sessions use HTTP) the admin key in connectionParams.
 */
export function credentialsOf(request: Request | null, connectionParams: Record<string, unknown> | undefined): Credentials {
  if (request && !connectionParams) {
    return { authorization: request.headers.get('authorization'), sessionToken: request.headers.get('x-session-token') };
  }
  const authorization = connectionParams?.authorization ?? connectionParams?.Authorization;
  return { authorization: typeof authorization === 'string' ? authorization : null };
}

/** The scheme a 401 names in WWW-Authenticate (RFC 9110 §11.6.1), per refused header. */
const challenge = { Authorization: 'Bearer realm="linkcart"', 'X-Session-Token': 'X-Session-Token realm="linkcart"' } as const;

/** The caller, or for a refused credential an HTTP 401 that names the header. */
async function callerOf(callers: CallerResolver, credentials: Credentials): Promise<Caller> {
  try {
    return await callers.resolve(credentials);
  } catch (error) {
    if (!(error instanceof Unauthenticated)) throw error;
    throw new GraphQLError(error.message, {
      extensions: {
        code: 'UNAUTHENTICATED',
        header: error.header,
        http: { status: 401, headers: { 'WWW-Authenticate': challenge[error.header] } },
      },
    });
  }
}

/**
 * The client's address: the socket's peer, or behind a trusted proxy the address that proxy
 * appended to X-Forwarded-For (the last entry; earlier ones are the client's own claims).
 */
function clientAddressOf(request: Request, req: IncomingMessage | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',').map((part) => part.trim()).filter(Boolean);
    const last = forwarded?.[forwarded.length - 1];
    if (last) return last.slice(0, 64);
  }
  return req?.socket.remoteAddress ?? 'unknown';
}

export interface ContextOptions {
  config: Pick<Config, 'publicUrl' | 'trustProxy'>;
  callers: CallerResolver;
  claimLimiter: RateLimiter;
  metrics: AppMetrics;
  events: LinkEvents;
  /** The request's dataloaders (schema/loaders.ts createLoaders): auth/ only types the schema. */
  createLoaders: () => Loaders;
}

/** The context factory of the app's yoga: each request (or socket operation) gets its caller and fresh loaders. */
export function createContext({ config, callers, claimLimiter, metrics, events, createLoaders }: ContextOptions) {
  return async ({ request, req, connectionParams }: YogaInitialContext & ServerContext): Promise<Context> => {
    const credentials = credentialsOf(request, connectionParams);
    const caller = await callerOf(callers, credentials);
    return {
      caller,
      sessionToken: caller.kind === 'session' ? (credentials.sessionToken?.trim() ?? null) : null,
      publicUrl: config.publicUrl,
      clientAddress: clientAddressOf(request, req, config.trustProxy),
      claimLimiter,
      loaders: createLoaders(),
      metrics,
      events,
    };
  };
}
