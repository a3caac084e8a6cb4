// `npm run admin:key -- --name <name>`: creates an admin key, prints it once, stores its SHA-256.
// The arguments are checked before the database code loads, so a usage error answers at once.
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { name: { type: 'string' } } });
if (!values.name) {
  console.error('usage: npm run admin:key -- --name <name>');
  process.exit(2);
}
const [{ AdminKeyNameTaken, createAdminKey }, { loadConfig }, { openDatabase }, { ValidationFailed }, { checkCode }] = await Promise.all([
  import('../src/auth/admin-key.js'),
  import('../src/config.js'),
  import('../src/db/client.js'),
  import('../src/services/errors.js'),
  import('../src/services/validate.js'),
]);
const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  const key = await createAdminKey(checkCode(values.name, ['name']));
  console.error(`admin key "${values.name}" created. It is shown only now; send it as Authorization: Bearer <key>`);
  console.log(key);
} catch (error) {
  if (!(error instanceof ValidationFailed || error instanceof AdminKeyNameTaken)) throw error;
  console.error(error.message);
  process.exitCode = 1;
} finally {
  await database.close();
}
