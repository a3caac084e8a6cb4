// Structured logs: JSON lines (pino), and one line per GraphQL request over HTTP saying who
// asked for what, how long it took and which errors it met. Variables and headers are never
// logged; the paths below are redacted in case a secret reaches a log call anyway.
import { randomUUID } from 'node:crypto';
import { GraphQLError, getOperationAST } from 'graphql';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { pino } from 'pino';
import pinoPretty from 'pino-pretty';
import type { DestinationStream, Logger } from 'pino';
import type { Context } from '../schema/builder.js';

export type { Logger } from 'pino';

const SECRET_KEYS = ['authorization', 'x-session-token', 'sessionToken', 'hash1', 'hash2', 'adminKey', 'password'];

/** Each secret key at the top level of a log call and up to two objects deep (`req.headers.authorization`). */
const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => {
  const step = /^\w+$/.test(key) ? `.${key}` : `["${key}"]`;
  return [step.replace(/^\./, ''), `*${step}`, `*.*${step}`];
});

export interface LoggerOptions {
  /** pino's level: fatal, error, warn, info, debug, trace or silent. */
  level: string;
  /** Where the lines go; stdout by default. */
  stream?: DestinationStream;
  /** The lines readable by a person (pino-pretty) rather than JSON. */
  pretty?: boolean;
}

export function createLogger({ level, stream, pretty = false }: LoggerOptions): Logger {
  const options = {
    level,
    base: { service: 'linkcart' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  const destination = pretty ? pinoPretty({ destination: stream ?? 1, sync: true, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss' }) : stream;
  return destination ? pino(options, destination) : pino(options);
}

/** The `log(message)` callbacks the database, event bus and rate limiter take, as log lines. */
export function messageLog(logger: Logger): (message: string) => void {
  return (message) => logger.info(message);
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The request id of a request: the client's X-Request-Id when it is a plausible one (1–64 of
 * letters, digits, '.', '_', '-'), so that its logs and ours can be joined; a new UUID otherwise.
 */
export function requestIdFrom(header: string | string[] | null | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/** Typed errors a request's answer may name at most: a list of them is not the place for all. */
const MAX_CODES = 20;

interface RequestEntry {
  requestId: string;
  startedAt: number;
  operationName: string | null;
  operationType: string | null;
  caller: Context['caller']['kind'] | null;
  errorCodes: Set<string>;
  /** The errors yoga masks as "Unexpected error.": the client never sees them, the log must. */
  causes: unknown[];
}

export interface RequestLogOptions {
  /** Milliseconds, for durationMs; performance.now by default. */
  now?: () => number;
}

/** An error yoga shows as it is: a GraphQLError made on purpose, not one wrapping a thrown Error. */
function isDeliberate(error: unknown): boolean {
  return error instanceof GraphQLError && (error.originalError == null || isDeliberate(error.originalError));
}

/** The unexpected causes among a result's errors, before yoga masks them. */
function causesOf(result: ExecutionResult, into: unknown[]) {
  for (const error of result.errors ?? []) if (!isDeliberate(error)) into.push(error.originalError ?? error);
}

/**
 * What the client was told went wrong: each GraphQL error's extensions.code and, in a
 * mutation's answer, each top-level field holding a typed error (its `code`, or its __typename
 * when `code` was not selected). Only top-level fields are read: this runs on every request.
 */
function codesOf(result: ExecutionResult, mutation: boolean, into: Set<string>) {
  const add = (code: unknown) => {
    if (typeof code === 'string' && into.size < MAX_CODES) into.add(code);
  };
  for (const error of result.errors ?? []) add(error.extensions?.code);
  if (!mutation || !result.data) return;
  for (const value of Object.values(result.data)) {
    if (typeof value !== 'object' || value === null) continue;
    const { __typename: typename, code } = value as { __typename?: unknown; code?: unknown };
    if (typeof typename === 'string' && !typename.endsWith('Error')) continue;
    add(typeof code === 'string' ? code : typename);
  }
}

function newEntry(request: Request, startedAt: number): RequestEntry {
  return {
    requestId: requestIdFrom(request.headers.get('x-request-id')),
    startedAt,
    operationName: null,
    operationType: null,
    caller: null,
    errorCodes: new Set(),
    causes: [],
  };
}

/** A request's line, at the level its answer calls for. */
function writeLine(logger: Logger, entry: RequestEntry, status: number, durationMs: number): void {
  const { requestId, operationName, operationType, caller } = entry;
  const line = { requestId, operationName, operationType, caller, durationMs: Math.round(durationMs * 10) / 10, status, errorCodes: [...entry.errorCodes] };
  if (entry.causes.length > 0) logger.error({ ...line, err: entry.causes[0], unexpectedErrors: entry.causes.length }, 'request failed unexpectedly');
  else if (line.errorCodes.length > 0 || status >= 400) logger.warn(line, 'request answered with errors');
  else logger.info(line, 'request answered');
}

/**
 * One log line per request to the GraphQL endpoint, when it is answered: requestId,
 * operationName, operationType, caller kind, durationMs, status and errorCodes. info when all
 * went well, warn when the answer has errors (typed or not), error with the cause when yoga
 * masked an unexpected error. The request id is sent back as X-Request-Id. Requests over
 * graphql-ws are not logged here: they have no HTTP request of their own.
 */
export function useRequestLog(logger: Logger, { now = () => performance.now() }: RequestLogOptions = {}): Plugin {
  const entries = new WeakMap<Request, RequestEntry>();
  let endpoint = '/graphql';
  return {
    onYogaInit({ yoga }) {
      endpoint = yoga.graphqlEndpoint;
    },
    onPluginInit({ registerContextErrorHandler }) {
      registerContextErrorHandler(({ context, error }) => {
        const entry = entries.get((context as { request?: Request }).request as Request);
        if (entry && !isDeliberate(error)) entry.causes.push(error);
      });
    },
    onRequest({ request, url }) {
      if (url.pathname !== endpoint) return;
      entries.set(request, newEntry(request, now()));
    },
    onParams({ request, params }) {
      const entry = entries.get(request);
      if (entry) entry.operationName = params.operationName ?? null;
    },
    onParse({ context }) {
      const entry = entries.get(context.request);
      if (!entry) return;
      return ({ result }) => {
        if (!result || result instanceof Error) return;
        const operation = getOperationAST(result, context.params.operationName);
        entry.operationName = operation?.name?.value ?? entry.operationName;
        entry.operationType = operation?.operation ?? null;
      };
    },
    onExecute({ args }) {
      const context = args.contextValue as Partial<Context> & { request?: Request };
      const entry = context.request && entries.get(context.request);
      if (!entry) return;
      entry.caller = context.caller?.kind ?? null;
      return {
        onExecuteDone({ result }) {
          if (!(Symbol.asyncIterator in result)) causesOf(result, entry.causes);
        },
      };
    },
    onExecutionResult({ request, result }) {
      const entry = entries.get(request);
      if (!entry || !result || Symbol.asyncIterator in result) return;
      codesOf(result, entry.operationType === 'mutation', entry.errorCodes);
    },
    onResponse({ request, response }) {
      const entry = entries.get(request);
      if (!entry) return;
      entries.delete(request);
      response.headers.set('x-request-id', entry.requestId);
      writeLine(logger, entry, response.status, now() - entry.startedAt);
    },
  };
}
