// `npm run db:migration -- <name>`: writes prisma/migrations/<stamp>_<name>/migration.sql with
// the SQL from the existing migrations to prisma/schema.prisma, computed offline on a
// throwaway embedded database. Review it, add what Prisma cannot express (CHECKs), commit.
// `npm run db:migration -- --check` writes nothing: it prints that SQL and exits 1 when the
// two disagree (for CI, and the tests).
// The arguments are checked before the database code loads, so a usage error answers at once.

const [argument] = process.argv.slice(2);
const check = argument === '--check';
if (!argument || (!check && !/^[a-z0-9_]{1,60}$/.test(argument))) {
  console.error('usage: npm run db:migration -- <name>   (lower-case letters, digits and _)');
  console.error('       npm run db:migration -- --check  (writes nothing; exits 1 if schema.prisma needs a migration)');
  process.exit(2);
}
console.log('comparing prisma/migrations with prisma/schema.prisma…');
const [{ createMigration, pendingSchemaChanges }, { migrationFactory, scratchDatabase }] = await Promise.all([
  import('../src/db/migrate.js'),
  import('../src/db/pglite.js'),
]);
const pglite = await scratchDatabase();
if (check) {
  const sql = await pendingSchemaChanges(migrationFactory(pglite));
  await pglite.close();
  if (sql === '') {
    console.log('schema.prisma and the migrations agree.');
    process.exit(0);
  }
  console.log(`schema.prisma needs a migration (npm run db:migration -- <name> writes it):\n\n${sql}`);
  process.exit(1);
}
const created = await createMigration(migrationFactory(pglite), argument);
await pglite.close();
if (created) console.log(`wrote ${created.directory}/migration.sql`);
else console.log('schema.prisma and the migrations agree: nothing to write.');
process.exit(0);
