// buildApp(config) -> { yoga, start(), stop() }: GraphQL over HTTP (and SSE) and graphql-ws
// on one port at /graphql, plus /healthz (alive) and /readyz (database answers).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import type { DocumentNode, ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, maskError, useReadinessCheck } from 'graphql-yoga';
import type { Plugin } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { CREDENTIAL_ERRORS, Unauthenticated, createCallerResolver } from './auth/caller.js';
import type { Caller, CallerResolver, Credentials } from './auth/caller.js';
import type { Config } from './config.js';
import { isDatabaseUnavailable, openDatabase } from './db/client.js';
import type { Database, DatabaseOptions } from './db/client.js';
import { refuseBody } from './http/body.js';
import { pathOf } from './http/path.js';
import { Requests, resultWithin } from './http/requests.js';
import { refuseUnavailable, unavailableError } from './http/unavailable.js';
import type { UnavailableReason } from './http/unavailable.js';
import { memoryRateLimiter, redisRateLimiter } from './auth/rate-limit.js';
import type { Clock, RateLimiter } from './auth/rate-limit.js';
import { createEventBus } from './events/bus.js';
import { REQUEST_LIMITS, costErrors, limitPlugins, nestsDeeperThan } from './limits.js';
import { LinkEventStream } from './events/stream.js';
import type { Context } from './schema/builder.js';
import { buildSchema } from './schema/index.js';
import { createLoaders } from './schema/loaders.js';
import { isPageRequest, pageHandler } from './pages.js';
import { createLogger, messageLog, requestIdFrom, useRequestLog } from './observability/log.js';
import type { Logger } from './observability/log.js';
import { createMetrics, metricsHandler } from './observability/metrics.js';
import type { AppMetrics } from './observability/metrics.js';

export interface App {
  yoga: ReturnType<typeof createYoga<ServerContext, Context>>;
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

interface ServerContext {
  req?: IncomingMessage;
  request?: Request;
  connectionParams?: Record<string, unknown>;
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

/**
 * Credentials from HTTP headers, or for a graphql-ws socket (the admin dashboard's: storefront
 * sessions use HTTP) the admin key in connectionParams.
 */
function credentialsOf(request: Request | null, connectionParams: Record<string, unknown> | undefined): Credentials {
  if (request && !connectionParams) {
    return { authorization: request.headers.get('authorization'), sessionToken: request.headers.get('x-session-token') };
  }
  const authorization = connectionParams?.authorization ?? connectionParams?.Authorization;
  return { authorization: typeof authorization === 'string' ? authorization : null };
}

/** Why a socket's admin key was refused, in the words of connectionParams (a close reason has 123 bytes). */
const socketRefusal = (error: Unauthenticated) =>
  error === CREDENTIAL_ERRORS.notBearer
    ? 'Unauthorized: connectionParams.authorization must be "Bearer <admin key>"'
    : 'Unauthorized: the admin key in connectionParams.authorization is unknown or was revoked';

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

/** The database of a configuration, as the server opens it. */
export const databaseOptions = (config: Config, log: (message: string) => void): DatabaseOptions => ({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  poolSize: config.databasePoolSize,
  poolTimeoutMs: config.databasePoolTimeoutMs,
  log,
});

/** Answered outside the bound on requests at once. */
const HEALTH_PATHS = new Set(['/healthz', '/readyz']);
/** /readyz says false when the database has not answered a ping within this time. */
const READY_PING_MS = 1_000;
/** How long a request may take to arrive, headers and body. */
const REQUEST_ARRIVAL_MS = 30_000;
/** How long a stop waits for server-sent event requests to end once their stream is closed. */
const STREAMS_END_MS = 2_000;

/** Listens on `port` (0: any free one); resolves to the port bound. */
const listen = (server: Server, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve((server.address() as AddressInfo).port));
  });

/**
 * A subscription over server-sent events lasts as long as its client listens: it leaves the
 * bound on requests for one of its own (graphql-ws sockets have no HTTP response to move).
 */
const subscriptionsOutsideTheBound = (requests: Requests): Plugin => ({
  onSubscribe({ args, setResultAndStopExecution }) {
    const { res } = args.contextValue as { res?: ServerResponse };
    if (res && !requests.becameStream(res)) setResultAndStopExecution({ errors: [unavailableError('overloaded')] });
  },
});

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const log = options.log ?? messageLog(logger);
  const ownsDatabase = !options.database;
  let database: Database | undefined;
  const ready = Promise.resolve(options.database ?? openDatabase(databaseOptions(config, log))).then((opened) => (database = opened));
  if (options.database instanceof Promise) ready.catch(() => {}); // the caller awaits it and reports
  else await ready;
  const now = options.now ?? Date.now;
  const requests = new Requests(config.maxConcurrentRequests);
  /**
   * Ready: the database is open and answers, and the server is not stopping. One ping serves
   * every probe within READY_PING_MS: /readyz is open to anyone, outside the bound.
   */
  let lastPing: { at: number; answered: Promise<boolean> } | undefined;
  const isReady = async () => {
    if (database === undefined || requests.draining) return false;
    if (!lastPing || performance.now() - lastPing.at >= READY_PING_MS) {
      lastPing = { at: performance.now(), answered: resultWithin(database.ping().then(() => true, () => false), READY_PING_MS, false) };
    }
    return lastPing.answered;
  };
  const callers = createCallerResolver(config.adminApiKey, now);
  const bus = await createEventBus(config.redisUrl, log);
  const claimLimiter: RateLimiter & { redisUp?(): boolean } = config.redisUrl
    ? await redisRateLimiter(config.redisUrl, config.claimRateLimit, log, { now })
    : memoryRateLimiter(config.claimRateLimit, { now });
  const stream = new LinkEventStream(bus, log, config.eventPollMs);
  const metrics = createMetrics({
    poolStats: () => database?.poolStats() ?? null,
    inFlight: () => requests.inFlight,
    redisUp: config.redisUrl ? () => (bus.redisUp() ?? false) && (claimLimiter.redisUp?.() ?? true) : undefined,
    outboxLag: () => stream.lag(),
  });

  const yoga = createYoga<ServerContext, Context>({
    schema: buildSchema({ production: config.production }),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    graphiql: config.production ? false : { title: 'Linkcart', subscriptionsProtocol: 'WS', defaultQuery: GRAPHIQL_QUERY },
    // GraphiQL from this package's own bundle (yoga's default loads it from a CDN, unreachable
    // offline); its 9 MB are read the first time the page is asked for, not at start.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    landingPage: false,
    // Each request's line (useRequestLog) carries its errors and their causes.
    logging: false,
    context: async ({ request, req, connectionParams }) => {
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
        events: stream,
      };
    },
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

  const pages = pageHandler();
  // /metrics on the main port answers admins only; with METRICS_PORT, it has a port of its own.
  const adminMetrics = metricsHandler(metrics, async (req) => {
    try {
      return (await callers.resolve({ authorization: req.headers.authorization ?? null })).kind === 'admin';
    } catch (error) {
      if (error instanceof Unauthenticated) return false;
      throw error;
    }
  });
  // METRICS_PORT is an operations port: /metrics for anyone who reaches it, and the health
  // checks (yoga's, as on the main port), which there do not wait behind the clients'
  // connections to be accepted.
  const openMetrics = metricsHandler(metrics);
  const metricsServer = config.metricsPort === undefined ? undefined : createServer((req, res) => {
    if (HEALTH_PATHS.has(pathOf(req))) return void yoga(req, res);
    openMetrics(req, res);
  });
  // Refusals are logged as one line a second with their counts: under overload a line each
  // would add thousands of lines a second to the load.
  let refused: Partial<Record<UnavailableReason, number>> = {};
  let refusedLog: NodeJS.Timeout | undefined;
  const logRefused = () => {
    clearTimeout(refusedLog);
    refusedLog = undefined;
    if (Object.keys(refused).length > 0) logger.warn({ status: 503, refused }, 'requests refused in the last second');
    refused = {};
  };
  const refuse = (req: IncomingMessage, res: ServerResponse, reason: UnavailableReason) => {
    metrics.httpRejected.inc({ reason });
    refused[reason] = (refused[reason] ?? 0) + 1;
    refusedLog ??= setTimeout(logRefused, 1_000).unref();
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
    if (!database) return refuse(req, res, 'starting');
    if (!requests.admits()) return refuse(req, res, 'overloaded');
    requests.track(res, () => (path === '/metrics' && !metricsServer ? adminMetrics(req, res) : yoga(req, res)));
  });
  // A request may not take longer than this to arrive (headers and body): a client sending
  // slowly holds a place in the bound at most this long.
  server.requestTimeout = REQUEST_ARRIVAL_MS;
  server.headersTimeout = REQUEST_ARRIVAL_MS;
  const sockets = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: REQUEST_LIMITS.socketMessageBytes });
  // graphql-ws parses every message, connection_init before any credential included: one that
  // nests too deep is refused before it is parsed, by closing the socket as graphql-ws closes
  // it for any message it cannot read (4400).
  sockets.on('connection', (socket) => {
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      const data = args[0];
      if (event === 'message' && nestsDeeperThan(Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data as Buffer[]) : String(data))) {
        socket.close(4400, `Invalid message: nests deeper than ${REQUEST_LIMITS.jsonDepth} levels`);
        return false;
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
  });
  type RootValue = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };
  const wsServer = useServer(
    {
      // The socket is the admin dashboard's: only its admin key counts. A refused key is
      // closed with 4401, any other caller with 4403 (a reason fits the 123 bytes of a close frame).
      onConnect: async (ctx) => {
        if (!database || requests.draining) {
          ctx.extra.socket.close(1013, database ? 'This server is shutting down; connect again' : 'The service is starting; connect again in a moment');
          return false;
        }
        let caller: Caller;
        try {
          caller = await callers.resolve(credentialsOf(null, ctx.connectionParams));
        } catch (error) {
          if (!(error instanceof Unauthenticated)) throw error;
          ctx.extra.socket.close(4401, socketRefusal(error));
          return false;
        }
        if (caller.kind === 'admin') return true;
        ctx.extra.socket.close(4403, 'Forbidden: a socket needs an admin key (connectionParams.authorization: "Bearer <key>")');
        return false;
      },
      execute: (args) => (args.rootValue as RootValue).execute(args) as never,
      subscribe: (args) => (args.rootValue as RootValue).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        const enveloped = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams,
          // A socket carries mutations too: its operations count as POSTs.
          request: new Request('http://localhost/graphql', { method: 'POST' }),
        });
        // A refused document (a limit, a syntax error) is an error for this operation; the
        // socket and its other subscriptions stay open.
        let document: DocumentNode;
        let errors: readonly GraphQLError[];
        try {
          document = enveloped.parse(payload.query);
          errors = enveloped.validate(enveloped.schema, document);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('The operation could not be read')];
        }
        if (errors.length > 0) return [...errors];
        // The caller is resolved again for each operation: a key revoked since the socket
        // opened closes it with 4401; a database that does not answer fails this operation only.
        let contextValue: unknown;
        try {
          contextValue = await enveloped.contextFactory();
        } catch (error) {
          if (error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED') {
            ctx.extra.socket.close(4401, socketRefusal(CREDENTIAL_ERRORS.unknownKey));
            return [error];
          }
          log(`graphql-ws: the context of an operation failed: ${(error as Error).message}`);
          return [isDatabaseUnavailable(error) ? unavailableError('database') : new GraphQLError('Unexpected error.')];
        }
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
        const refused = costErrors(args);
        return refused.length > 0 ? refused : args;
      },
    },
    sockets,
  );

  let stopping: Promise<void> | undefined;
  return {
    yoga,
    metrics,
    ready,
    async start() {
      if (metricsServer) {
        const port = await listen(metricsServer, config.metricsPort!);
        log(`metrics on http://localhost:${port}/metrics`);
      }
      return `http://localhost:${await listen(server, config.port)}`;
    },
    stop: () =>
      (stopping ??= (async () => {
        // No new connections; the idle ones close, the busy ones after their answer.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        const unanswered = await requests.drain(config.shutdownDrainSeconds * 1000);
        if (unanswered > 0) log(`stop: ${unanswered} requests were still unanswered after ${config.shutdownDrainSeconds} s; closing their connections`);
        for (const client of sockets.clients) client.close(1001, 'Server is going away');
        await wsServer.dispose();
        await new Promise<void>((resolve) => {
          sockets.close(() => resolve());
        });
        // Ends subscriptions (server-sent events too), then their requests.
        await stream.close();
        await requests.streamsEnded(STREAMS_END_MS);
        await yoga.dispose();
        server.closeAllConnections();
        await closed;
        logRefused();
        if (metricsServer?.listening) await new Promise((resolve) => metricsServer.close(resolve));
        await bus.close();
        await claimLimiter.close();
        if (ownsDatabase) await database?.close();
      })()),
  };
}
