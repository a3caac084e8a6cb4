// What stands before GraphQL on the main port: the pages and the health checks outside the
// bound on requests, then the body's size, then a stopping, starting or busy server refusing
// at once (503), and only then a request tracked in the bound. Also the operations port.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { Unauthenticated } from '../auth/caller.js';
import type { CallerResolver } from '../auth/caller.js';
import { REQUEST_LIMITS } from '../limits.js';
import { requestIdFrom } from '../observability/log.js';
import type { Logger } from '../observability/log.js';
import { metricsHandler } from '../observability/metrics.js';
import type { AppMetrics } from '../observability/metrics.js';
import { isPageRequest, pageHandler } from '../pages.js';
import { refuseBody } from './body.js';
import { pathOf } from './path.js';
import type { Requests } from './requests.js';
import { refuseUnavailable, unavailableError } from './unavailable.js';
import type { UnavailableReason } from './unavailable.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Answered outside the bound on requests at once. */
const HEALTH_PATHS = new Set(['/healthz', '/readyz']);
/** How long a request may take to arrive, headers and body. */
const REQUEST_ARRIVAL_MS = 30_000;

/**
 * A subscription over server-sent events lasts as long as its client listens: it leaves the
 * bound on requests for one of its own (graphql-ws sockets have no HTTP response to move).
 */
export const subscriptionsOutsideTheBound = (requests: Requests): Plugin => ({
  onSubscribe({ args, setResultAndStopExecution }) {
    const { res } = args.contextValue as { res?: ServerResponse };
    if (res && !requests.becameStream(res)) setResultAndStopExecution({ errors: [unavailableError('overloaded')] });
  },
});

/**
 * METRICS_PORT is an operations port: /metrics for anyone who reaches it, and the health
 * checks (yoga's, as on the main port), which there do not wait behind the clients'
 * connections to be accepted.
 */
export function operationsServer(yoga: Handler, metrics: AppMetrics): Server {
  const openMetrics = metricsHandler(metrics);
  return createServer((req, res) => {
    if (HEALTH_PATHS.has(pathOf(req))) return void yoga(req, res);
    openMetrics(req, res);
  });
}

/** /metrics on the main port: for admins only. */
const adminMetrics = (metrics: AppMetrics, callers: CallerResolver) =>
  metricsHandler(metrics, async (req) => {
    try {
      return (await callers.resolve({ authorization: req.headers.authorization ?? null })).kind === 'admin';
    } catch (error) {
      if (error instanceof Unauthenticated) return false;
      throw error;
    }
  });

/**
 * Refusals are logged as one line a second with their counts: under overload a line each
 * would add thousands of lines a second to the load. `flush` writes what is pending now.
 */
function refusalLog(logger: Logger) {
  let refused: Partial<Record<UnavailableReason, number>> = {};
  let pending: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(pending);
    pending = undefined;
    if (Object.keys(refused).length > 0) logger.warn({ status: 503, refused }, 'requests refused in the last second');
    refused = {};
  };
  const count = (reason: UnavailableReason) => {
    refused[reason] = (refused[reason] ?? 0) + 1;
    pending ??= setTimeout(flush, 1_000).unref();
  };
  return { count, flush };
}

export interface GuardOptions {
  /** GraphQL, and the health checks. */
  yoga: Handler;
  requests: Requests;
  metrics: AppMetrics;
  logger: Logger;
  callers: CallerResolver;
  /** False until the database is open: requests are refused as 'starting' meanwhile. */
  started: () => boolean;
  /** Whether /metrics is answered here (to admins): not when it has a port of its own. */
  metricsHere: boolean;
}

/** The main port's server; `logRefused` writes the refusals not logged yet (a stop's last line). */
export function guardedServer({ yoga, requests, metrics, logger, callers, started, metricsHere }: GuardOptions) {
  const pages = pageHandler();
  const metricsAnswer = metricsHere ? adminMetrics(metrics, callers) : undefined;
  const refusals = refusalLog(logger);
  const refuse = (req: IncomingMessage, res: ServerResponse, reason: UnavailableReason) => {
    metrics.httpRejected.inc({ reason });
    refusals.count(reason);
    refuseUnavailable(res, reason, { 'x-request-id': requestIdFrom(req.headers['x-request-id']) });
  };
  const server: Server = createServer((req, res) => {
    if (requests.draining) res.setHeader('connection', 'close');
    if (isPageRequest(req)) return pages(req, res);
    const path = pathOf(req);
    // Health is answered outside the bound, so a busy server still says it is alive at once.
    if (HEALTH_PATHS.has(path)) return void yoga(req, res);
    const refusedBody = refuseBody(req, res, REQUEST_LIMITS.bodyBytes);
    if (refusedBody) return void metrics.httpRejected.inc({ reason: refusedBody });
    if (requests.draining) return refuse(req, res, 'stopping');
    if (!started()) return refuse(req, res, 'starting');
    if (!requests.admits()) return refuse(req, res, 'overloaded');
    requests.track(res, () => (path === '/metrics' && metricsAnswer ? metricsAnswer(req, res) : yoga(req, res)));
  });
  // A request may not take longer than this to arrive (headers and body): a client sending
  // slowly holds a place in the bound at most this long.
  server.requestTimeout = REQUEST_ARRIVAL_MS;
  server.headersTimeout = REQUEST_ARRIVAL_MS;
  return { server, logRefused: refusals.flush };
}
