// Used by `prisma generate` (offline: see scripts/generate.ts). Migrations are created and
// applied by src/db/migrate.ts with Prisma's WebAssembly schema engine, so no datasource
// URL is needed here.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
