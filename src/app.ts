// buildApp(config) -> { yoga, start(), stop() }: GraphQL over HTTP (and SSE) and graphql-ws
// on one port at /graphql, plus /healthz (alive) and /readyz (database answers). It composes
// the context (auth/context.ts), the HTTP guard (http/guard.ts) and the sockets (http/sockets.ts).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, maskError, useReadinessCheck } from 'graphql-yoga';
import { createCallerResolver } from './auth/caller.js';
import { createContext } from './auth/context.js';
import type { ServerContext } from './auth/context.js';
import { memoryRateLimiter, redisRateLimiter } from './auth/rate-limit.js';
import type { Clock, RateLimiter } from './auth/rate-limit.js';
import type { Config } from './config.js';
import { isDatabaseUnavailable, openDatabase } from './db/client.js';
import type { Database, DatabaseOptions } from './db/client.js';
import { createEventBus } from './events/bus.js';
import type { EventBus } from './events/bus.js';
import { LinkEventStream } from './events/stream.js';
import { guardedServer, operationsServer, subscriptionsOutsideTheBound } from './http/guard.js';
import { Requests, resultWithin } from './http/requests.js';
import { attachSockets } from './http/sockets.js';
import { unavailableError } from './http/unavailable.js';
import { limitPlugins } from './limits.js';
import { createLogger, messageLog, useRequestLog } from './observability/log.js';
import type { Logger } from './observability/log.js';
import { createMetrics } from './observability/metrics.js';
import type { AppMetrics } from './observability/metrics.js';
import type { Context } from './schema/builder.js';
import { schema } from './schema/index.js';
import { createLoaders } from './schema/loaders.js';

type Yoga = ReturnType<typeof createYoga<ServerContext, Context>>;

export interface App {
  yoga: Yoga;
  metrics: AppMetrics;
  /** Resolves once the database is open; until then GraphQL requests get 503 and /readyz is false. */
  ready: Promise<Database>;
  /** Listens on config.port (0 picks a free one); resolves to the bound URL. */
  start(): Promise<string>;
  /**
   * Stops taking connections, answers the requests already accepted (for at most the drain
   * timeout, with `Connection: close`), closes sockets with 1001 (going away), then the database
   * if owned.
   */
  stop(): Promise<void>;
}

export interface BuildOptions {
  /**
   * Share an open database (several apps in one process); otherwise one is opened and owned.
   * A promise (the process waiting for PostgreSQL) lets the app listen meanwhile.
   */
  database?: Database | Promise<Database>;
  /** The JSON log (a line per request); silent by default. */
  logger?: Logger;
  /** Messages of the database, event bus and rate limits; into `logger` by default. */
  log?: (message: string) => void;
  /** The clock of the rate limits and the caller cache (tests set one); Date.now by default. */
  now?: Clock;
}

/** The database of a configuration, as the server opens it. */
export const databaseOptions = (config: Config, log: (message: string) => void): DatabaseOptions => ({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  poolSize: config.databasePoolSize,
  poolTimeoutMs: config.databasePoolTimeoutMs,
  log,
});

/** What GraphiQL shows first: how to send credentials, and a query that needs them. */
const GRAPHIQL_QUERY = `# Linkcart's GraphQL API. Set a header in the
# Headers tab below: an admin sends
#   { "authorization": "Bearer <admin key>" }
# a storefront session its claimSelection token:
#   { "x-session-token": "<session token>" }
# With neither you are anonymous: you may only
# claim a link (claimSelection).
query Markets {
  markets(first: 5) {
    edges { node { code name countries } }
  }
}
`;

/** /readyz says false when the database has not answered a ping within this time. */
const READY_PING_MS = 1_000;
/** How long a stop waits for server-sent event requests to end once their stream is closed. */
const STREAMS_END_MS = 2_000;

/** Listens on `port` (0: any free one); resolves to the port bound. */
const listen = (server: Server, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve((server.address() as AddressInfo).port));
  });

/**
 * Ready: the database is open and answers, and the server is not stopping. One ping serves
 * every probe within READY_PING_MS: /readyz is open to anyone, outside the bound.
 */
function readiness(database: () => Database | undefined, requests: Requests): () => Promise<boolean> {
  let lastPing: { at: number; answered: Promise<boolean> } | undefined;
  return async () => {
    const open = database();
    if (open === undefined || requests.draining) return false;
    if (!lastPing || performance.now() - lastPing.at >= READY_PING_MS) {
      lastPing = { at: performance.now(), answered: resultWithin(open.ping().then(() => true, () => false), READY_PING_MS, false) };
    }
    return lastPing.answered;
  };
}

interface ApiOptions {
  logger: Logger;
  requests: Requests;
  metrics: AppMetrics;
  isReady: () => Promise<boolean>;
  context: ReturnType<typeof createContext>;
}

/** GraphQL (HTTP, SSE, and the sockets' operations): the schema of this configuration behind yoga's plugins. */
function graphqlApi(config: Config, { logger, requests, metrics, isReady, context }: ApiOptions): Yoga {
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    graphiql: config.production ? false : { title: 'Linkcart', subscriptionsProtocol: 'WS', defaultQuery: GRAPHIQL_QUERY },
    // GraphiQL from this package's own bundle (yoga's default loads it from a CDN, unreachable
    // offline); its 9 MB are read the first time the page is asked for, not at start.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    landingPage: false,
    // Each request's line (useRequestLog) carries its errors and their causes.
    logging: false,
    context,
    // A database that does not answer is "retry in a moment" (503, SERVICE_UNAVAILABLE), not a bug.
    maskedErrors: {
      isDev: false,
      maskError: (error, message, isDev) => (isDatabaseUnavailable(error) ? unavailableError('database') : maskError(error, message, isDev)),
    },
    // The request log first: its line must see every request, refused ones too.
    plugins: [
      useRequestLog(logger),
      subscriptionsOutsideTheBound(requests),
      metrics.plugin,
      ...limitPlugins(config.production),
      useReadinessCheck({
        endpoint: '/readyz',
        check: isReady,
      }),
    ],
  });
}

/** What a stop closes, in its order. */
interface Parts {
  config: Config;
  log: (message: string) => void;
  server: Server;
  operations: Server | undefined;
  requests: Requests;
  sockets: { close(): Promise<void> };
  events: LinkEventStream;
  yoga: Yoga;
  logRefused: () => void;
  bus: EventBus;
  claimLimiter: RateLimiter;
  /** The database, when the app opened it. */
  owned: () => Database | undefined;
}

async function stopInOrder({ config, log, server, operations, requests, sockets, events, yoga, logRefused, bus, claimLimiter, owned }: Parts) {
  // No new connections; the idle ones close, the busy ones after their answer.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const unanswered = await requests.drain(config.shutdownDrainSeconds * 1000);
  if (unanswered > 0) log(`stop: ${unanswered} requests were still unanswered after ${config.shutdownDrainSeconds} s; closing their connections`);
  await sockets.close();
  // Ends subscriptions (server-sent events too), then their requests.
  await events.close();
  await requests.streamsEnded(STREAMS_END_MS);
  await yoga.dispose();
  server.closeAllConnections();
  await closed;
  logRefused();
  if (operations?.listening) await new Promise((resolve) => operations.close(resolve));
  await bus.close();
  await claimLimiter.close();
  await owned()?.close();
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const log = options.log ?? messageLog(logger);
  let database: Database | undefined;
  const ready = Promise.resolve(options.database ?? openDatabase(databaseOptions(config, log))).then((opened) => (database = opened));
  if (options.database instanceof Promise) ready.catch(() => {}); // the caller awaits it and reports
  else await ready;
  const started = () => database !== undefined;
  const now = options.now ?? Date.now;
  const requests = new Requests(config.maxConcurrentRequests);
  const callers = createCallerResolver(config.adminApiKey, now);
  const bus = await createEventBus(config.redisUrl, log);
  const claimLimiter: RateLimiter & { redisUp?(): boolean } = config.redisUrl
    ? await redisRateLimiter(config.redisUrl, config.claimRateLimit, log, { now })
    : memoryRateLimiter(config.claimRateLimit, { now });
  const events = new LinkEventStream(bus, log, config.eventPollMs);
  const metrics = createMetrics({
    poolStats: () => database?.poolStats() ?? null,
    inFlight: () => requests.inFlight,
    redisUp: config.redisUrl ? () => (bus.redisUp() ?? false) && (claimLimiter.redisUp?.() ?? true) : undefined,
    outboxLag: () => events.lag(),
  });
  const context = createContext({ config, callers, claimLimiter, metrics, events, createLoaders });
  const yoga = graphqlApi(config, { logger, requests, metrics, isReady: readiness(() => database, requests), context });
  // /metrics on the main port answers admins only; with METRICS_PORT, it has a port of its own.
  const operations = config.metricsPort === undefined ? undefined : operationsServer(yoga, metrics);
  const { server, logRefused } = guardedServer({ yoga, requests, metrics, logger, callers, started, metricsHere: !operations });
  const sockets = attachSockets(server, yoga, { callers, started, requests, log, production: config.production });
  const owned = () => (options.database ? undefined : database);

  let stopping: Promise<void> | undefined;
  return {
    yoga,
    metrics,
    ready,
    async start() {
      if (operations) {
        const port = await listen(operations, config.metricsPort!);
        log(`metrics on http://localhost:${port}/metrics`);
      }
      return `http://localhost:${await listen(server, config.port)}`;
    },
    stop: () =>
      (stopping ??= stopInOrder({ config, log, server, operations, requests, sockets, events, yoga, logRefused, bus, claimLimiter, owned })),
  };
}
