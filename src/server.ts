// Process entry: configuration, start, graceful stop on SIGTERM / SIGINT.
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';

const log = (message: string) => console.log(`[linkcart] ${message}`);

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`[linkcart] configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  log(config.databaseUrl ? 'database: PostgreSQL (DATABASE_URL)' : `database: embedded PGlite in ${config.dataDir}`);
  // The API's modules load while the database opens: PGlite compiles its WebAssembly off the
  // main thread, so a start costs the longer of the two rather than their sum.
  const opening = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  opening.catch(() => {}); // awaited below; a failure is reported there
  const { buildApp } = await import('./app.js');
  const database = await opening;
  const app = await buildApp(config, { database, log });
  const stopAll = async () => {
    await app.stop();
    await database.close();
  };
  let url: string;
  try {
    url = await app.start();
  } catch (error) {
    await stopAll();
    throw error;
  }
  log(`GraphQL on ${url}/graphql (HTTP, SSE and graphql-ws)${config.production ? '' : ' — GraphiQL in the browser'}`);
  if (!config.adminApiKey) log('no ADMIN_API_KEY set: create a key with `npm run admin:key -- --name <name>`');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    stopAll().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('[linkcart] failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
