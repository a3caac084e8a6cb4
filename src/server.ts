// Process entry: configuration, start, graceful stop on SIGTERM / SIGINT.
import { ConfigError, loadConfig } from './config.js';
import type { Config } from './config.js';
import { waitForDatabase } from './db/client.js';
import type { Database } from './db/client.js';
import { createLogger, messageLog } from './observability/log.js';
import type { Logger } from './observability/log.js';
import type { App } from './app.js';

let logger: Logger | undefined;

/** How long a stop may take past the drain (subscriptions ending, pools closing) before the process leaves anyway. */
const STOP_GRACE_SECONDS = 10;

/** The configuration, or the process leaves (2) saying which value is wrong. */
function configOrExit(): Config {
  try {
    return loadConfig(process.env, process.stdout.isTTY === true);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`[linkcart] configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

/** Stops the app once, then closes the database it waited for (the app does not own it). */
function stopper(app: App, opening: Promise<Database>) {
  let stopping: Promise<void> | undefined;
  return {
    get requested() {
      return stopping !== undefined;
    },
    all: () =>
      (stopping ??= (async () => {
        await app.stop();
        await (await opening.catch(() => undefined))?.close();
      })()),
  };
}

/** A signal stops the app and the process leaves: 0 once stopped, 1 when the stop failed or took too long. */
function stopOnSignal(signal: string, config: Config, log: (message: string) => void, waiting: AbortController, stop: ReturnType<typeof stopper>) {
  if (stop.requested) return;
  log(`${signal}: stopping (answering the requests already accepted, for at most ${config.shutdownDrainSeconds} s)`);
  waiting.abort();
  // Whatever still holds the stop up (a query on a database that vanished) ends with the process.
  setTimeout(() => {
    logger?.error(`the stop took longer than ${config.shutdownDrainSeconds + STOP_GRACE_SECONDS} s; leaving now`);
    process.exit(1);
  }, (config.shutdownDrainSeconds + STOP_GRACE_SECONDS) * 1000).unref();
  stop.all().then(
    () => process.exit(0),
    (error: unknown) => {
      logger?.fatal({ err: error }, 'the stop failed');
      process.exit(1);
    },
  );
}

/**
 * Says where to sign in. Nobody could sign in: production refuses to start; a development start
 * makes a key and prints the dashboard's sign-in link with it (as Jupyter prints its token link).
 */
async function announce(config: Config, url: string, log: (message: string) => void, stop: ReturnType<typeof stopper>) {
  const { anyAdminKey, createFirstRunKey } = await import('./auth/admin-key.js');
  let firstRunKey: string | null = null;
  if (!(await anyAdminKey(config.adminApiKey))) {
    if (config.production) {
      await stop.all();
      logger?.fatal('no admin key: set ADMIN_API_KEY (at least 32 characters) or create one with `npm run admin:key -- --name <name>`, then start again');
      process.exit(2);
    }
    firstRunKey = await createFirstRunKey();
  }
  log(`GraphQL on ${url}/graphql (HTTP, SSE and graphql-ws)${config.production ? '' : ' — GraphiQL in the browser'}`);
  if (firstRunKey) {
    log('no admin key existed, so this development start made one; it is shown only now. Sign in to the dashboard at:');
    log(`  ${config.publicUrl}/admin#key=${firstRunKey}`);
  } else {
    log(`dashboard: ${config.publicUrl}/admin (sign in with an admin key${config.adminApiKey ? ', e.g. ADMIN_API_KEY' : ''})`);
  }
}

async function main() {
  const config = configOrExit();
  logger = createLogger({ level: config.logLevel, pretty: config.logFormat === 'pretty' });
  const log = messageLog(logger);
  log(config.databaseUrl ? 'database: PostgreSQL (DATABASE_URL)' : `database: embedded PGlite in ${config.dataDir}`);
  // The API's modules load while the database opens: PGlite compiles its WebAssembly off the
  // main thread, so a start costs the longer of the two rather than their sum. A PostgreSQL
  // that does not answer yet is waited for, while the server already listens: /healthz says
  // it is alive, /readyz that it is not ready, and GraphQL requests get 503.
  const { buildApp, databaseOptions } = await import('./app.js');
  const waiting = new AbortController();
  const opening = waitForDatabase({ ...databaseOptions(config, log), waitSeconds: config.databaseWaitSeconds, signal: waiting.signal });
  opening.catch(() => {}); // awaited below; a failure is reported there
  const app = await buildApp(config, { database: opening, log, logger });
  const stop = stopper(app, opening);
  process.on('SIGTERM', () => stopOnSignal('SIGTERM', config, log, waiting, stop));
  process.on('SIGINT', () => stopOnSignal('SIGINT', config, log, waiting, stop));

  let url: string;
  try {
    url = await app.start();
  } catch (error) {
    await stop.all();
    throw error;
  }
  log(`listening on ${url} (/healthz, /readyz)`);
  await opening.catch(async (error: unknown) => {
    if (stop.requested) return;
    await app.stop();
    throw error;
  });
  if (stop.requested) return;
  await announce(config, url, log, stop);
}

main().catch((error: unknown) => {
  const message = `failed to start: ${error instanceof Error ? error.message : String(error)}`;
  if (logger) logger.fatal(message);
  else console.error(`[linkcart] ${message}`);
  process.exit(1);
});
