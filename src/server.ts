// Process entry: configuration, start, graceful stop on SIGTERM / SIGINT.
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

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
  const app = await buildApp(config, { log });
  let url: string;
  try {
    url = await app.start();
  } catch (error) {
    await app.stop();
    throw error;
  }
  log(`GraphQL on ${url}/graphql (HTTP, SSE and graphql-ws)${config.production ? '' : ' — GraphiQL in the browser'}`);
  if (!config.adminApiKey) log('no ADMIN_API_KEY set: create a key with `npm run admin:key -- --name <name>`');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    app.stop().then(
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
