// "Try again in a moment", as GraphQL over HTTP says it: status 503, Retry-After, and an error
// whose extensions.code is SERVICE_UNAVAILABLE, for a client to tell a retry from a bug.
import type { ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';

/** Seconds a client is asked to wait before it tries again. */
export const RETRY_AFTER_SECONDS = 1;

export type UnavailableReason = 'starting' | 'stopping' | 'overloaded' | 'database';

const MESSAGES: Record<UnavailableReason, string> = {
  starting: 'The service is starting and its database does not answer yet; try again in a moment.',
  stopping: 'This server is shutting down; try again (another instance will answer).',
  overloaded: 'The service is busy; try again in a moment.',
  database: 'The service cannot reach its database; try again in a moment.',
};

const extensions = (reason: UnavailableReason) => ({ code: 'SERVICE_UNAVAILABLE', reason, retryAfterSeconds: RETRY_AFTER_SECONDS });

/** The GraphQL error of an operation that failed because the database did not answer. */
export function unavailableError(reason: UnavailableReason): GraphQLError {
  return new GraphQLError(MESSAGES[reason], {
    extensions: { ...extensions(reason), http: { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } } },
  });
}

/** Answers a request that is not taken at all, at once, without reading the operation. */
export function refuseUnavailable(res: ServerResponse, reason: UnavailableReason, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ errors: [{ message: MESSAGES[reason], extensions: extensions(reason) }] });
  res.writeHead(503, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'retry-after': String(RETRY_AFTER_SECONDS),
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
