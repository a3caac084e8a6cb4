// `npm run db:migration -- <name>`: writes prisma/migrations/<stamp>_<name>/migration.sql with
// the SQL from the existing migrations to prisma/schema.prisma, computed offline on a
// throwaway embedded database. Review it, add what Prisma cannot express (CHECKs), commit.
import { createMigration } from '../src/db/migrate.js';
import { migrationFactory, scratchDatabase } from '../src/db/pglite.js';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]{1,60}$/.test(name)) {
  console.error('usage: npm run db:migration -- <name>   (lower-case letters, digits and _)');
  process.exit(2);
}
console.log('comparing prisma/migrations with prisma/schema.prisma…');
const pglite = await scratchDatabase();
const created = await createMigration(migrationFactory(pglite), name);
await pglite.close();
if (created) console.log(`wrote ${created.directory}/migration.sql`);
else console.log('schema.prisma and the migrations agree: nothing to write.');
process.exit(0);
