// graphql-ws on the main port's /graphql: the admin dashboard's sockets. Each operation goes
// through the app's yoga (its plugins, limits and context), as an HTTP request would.
import type { Server } from 'node:http';
import { GraphQLError } from 'graphql';
import type { DocumentNode, ExecutionArgs } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Extra } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { CREDENTIAL_ERRORS, Unauthenticated } from '../auth/caller.js';
import type { Caller, CallerResolver } from '../auth/caller.js';
import { credentialsOf } from '../auth/context.js';
import type { ServerContext } from '../auth/context.js';
import { isDatabaseUnavailable } from '../db/client.js';
import { REQUEST_LIMITS, costErrors, nestsDeeperThan } from '../limits.js';
import type { Context } from '../schema/builder.js';
import type { Requests } from './requests.js';
import { unavailableError } from './unavailable.js';

type Options = ServerOptions<Record<string, unknown>, Extra>;
type RootValue = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };

/** Why a socket's admin key was refused, in the words of connectionParams (a close reason has 123 bytes). */
const socketRefusal = (error: Unauthenticated) =>
  error === CREDENTIAL_ERRORS.notBearer
    ? 'Unauthorized: connectionParams.authorization must be "Bearer <admin key>"'
    : 'Unauthorized: the admin key in connectionParams.authorization is unknown or was revoked';

/**
 * graphql-ws parses every message, connection_init before any credential included: one that
 * nests too deep is refused before it is parsed, by closing the socket as graphql-ws closes
 * it for any message it cannot read (4400).
 */
function refuseDeepMessages(socket: WebSocket): void {
  const emit = socket.emit.bind(socket);
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    const data = args[0];
    if (event === 'message' && nestsDeeperThan(Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data as Buffer[]) : String(data))) {
      socket.close(4400, `Invalid message: nests deeper than ${REQUEST_LIMITS.jsonDepth} levels`);
      return false;
    }
    return emit(event, ...args);
  }) as typeof socket.emit;
}

/**
 * The socket is the admin dashboard's: only its admin key counts. A refused key is closed with
 * 4401, any other caller with 4403 (a reason fits the 123 bytes of a close frame).
 */
const admitAdmins = (callers: CallerResolver, started: () => boolean, requests: Requests): Options['onConnect'] =>
  async (ctx) => {
    if (!started() || requests.draining) {
      ctx.extra.socket.close(1013, started() ? 'This server is shutting down; connect again' : 'The service is starting; connect again in a moment');
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
  };

/** An operation through yoga's envelop: parsed, validated, its context made and its cost checked. */
const operationThrough = (yoga: YogaServerInstance<ServerContext, Context>, log: (message: string) => void): Options['onSubscribe'] =>
  async (ctx, _id, payload) => {
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
  };

export interface SocketOptions {
  callers: CallerResolver;
  /** False until the database is open: sockets are refused (1013) meanwhile. */
  started: () => boolean;
  requests: Requests;
  log: (message: string) => void;
  /** config.production: graphql-ws then closes a socket it fails on with no details (it would read NODE_ENV itself). */
  production: boolean;
}

/** Takes graphql-ws sockets on `server` at yoga's endpoint; `close` ends them all with 1001 (going away). */
export function attachSockets(server: Server, yoga: YogaServerInstance<ServerContext, Context>, { callers, started, requests, log, production }: SocketOptions) {
  const sockets = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: REQUEST_LIMITS.socketMessageBytes });
  sockets.on('connection', refuseDeepMessages);
  const graphqlWs = useServer(
    {
      onConnect: admitAdmins(callers, started, requests),
      execute: (args) => (args.rootValue as RootValue).execute(args) as never,
      subscribe: (args) => (args.rootValue as RootValue).subscribe(args) as never,
      onSubscribe: operationThrough(yoga, log),
      isProd: production,
    },
    sockets,
  );
  return {
    async close() {
      for (const client of sockets.clients) client.close(1001, 'Server is going away');
      await graphqlWs.dispose();
      await new Promise<void>((resolve) => {
        sockets.close(() => resolve());
      });
    },
  };
}
