// `npm run db:migration -- <name>`: writes prisma/migrations/<stamp>_<name>/migration.sql with
// the SQL from the existing migrations to prisma/schema.prisma, computed offline on a
// throwaway embedded database. Review it, add what Prisma cannot express (CHECKs), commit.
// The name is checked before the database code loads, so a usage error answers at once.

const name = process.argv[2];
if (!name || !/^[a-z0-9_]{1,60}$/.test(name)) {
  console.error('usage: npm run db:migration -- <name>   (lower-case letters, digits and _)');
  process.exit(2);
}
console.log('comparing prisma/migrations with prisma/schema.prisma…');
const [{ createMigration }, { migrationFactory, scratchDatabase }] = await Promise.all([import('../src/db/migrate.js'), import('../src/db/pglite.js')]);
const pglite = await scratchDatabase();
const created = await createMigration(migrationFactory(pglite), name);
await pglite.close();
if (created) console.log(`wrote ${created.directory}/migration.sql`);
else console.log('schema.prisma and the migrations agree: nothing to write.');
process.exit(0);
