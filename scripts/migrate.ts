// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded
// database in DATA_DIR. The server also does this at start-up.
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';

const config = loadConfig();
console.log(config.databaseUrl ? 'migrating PostgreSQL (DATABASE_URL)…' : `migrating the embedded database in ${config.dataDir}…`);
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log: console.log });
await database.close();
console.log('the database is up to date.');
