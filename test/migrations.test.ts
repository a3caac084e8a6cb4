// prisma/migrations and prisma/schema.prisma agree, and the database guards the invariants
// Prisma's schema language cannot state.
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import { applyMigrations, pendingSchemaChanges } from '../src/db/migrate.js';
import { createTestDatabase } from './helpers/app.js';

describe('migrations', () => {
  it('bring an empty database exactly to schema.prisma (run `npm run db:migration -- <name>` when this fails)', async () => {
    const shadow = new PGlite();
    try {
      expect(await pendingSchemaChanges(new PrismaPGlite(shadow))).toBe('');
    } finally {
      await shadow.close();
    }
  });

  describe('on a migrated database', () => {
    let drop: () => Promise<void>;
    beforeAll(async () => {
      ({ drop } = await createTestDatabase());
    });
    afterAll(() => drop());

    it('applies nothing twice', async () => {
      const { openedDatabase } = await import('../src/db/client.js');
      expect(await applyMigrations(openedDatabase()!.factory)).toEqual([]);
    });

    it('refuses negative stock, non-positive line quantities and duplicate codes', async () => {
      const prisma = db();
      const warehouse = await prisma.warehouse.create({ data: { code: 'W', name: 'W' } });
      const product = await prisma.product.create({ data: { code: 'P', name: 'P' } });
      const variant = await prisma.variant.create({ data: { sku: 'S', name: 'S', productId: product.id } });
      await expect(
        prisma.stockLevel.create({ data: { variantId: variant.id, warehouseId: warehouse.id, quantity: -1 } }),
      ).rejects.toThrow();
      await prisma.stockLevel.create({ data: { variantId: variant.id, warehouseId: warehouse.id, quantity: 1 } });
      await expect(
        prisma.stockLevel.update({
          where: { variantId_warehouseId: { variantId: variant.id, warehouseId: warehouse.id } },
          data: { quantity: { decrement: 2 } },
        }),
      ).rejects.toThrow();
      await expect(prisma.warehouse.create({ data: { code: 'W', name: 'again' } })).rejects.toThrow();
      await expect(prisma.variant.create({ data: { sku: 'S', name: 'again', productId: product.id } })).rejects.toThrow();
      const pricelist = await prisma.pricelist.create({ data: { code: 'PL', name: 'PL', currency: 'SEK' } });
      const market = await prisma.market.create({ data: { code: 'M', name: 'M', countries: ['SE'] } });
      const selection = await prisma.selection.create({ data: { marketId: market.id, pricelistId: pricelist.id, countryCode: 'SE' } });
      await expect(
        prisma.selectionItem.create({ data: { selectionId: selection.id, variantId: variant.id, quantity: 0, unitPrice: 100n } }),
      ).rejects.toThrow();
    });
  });
});

describe('migration files', () => {
  it('have no ";" inside a comment (the pg adapter splits scripts at every ";")', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { migrationsDir } = await import('../src/db/migrate.js');
    const offending = readdirSync(migrationsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) =>
        readFileSync(join(migrationsDir, entry.name, 'migration.sql'), 'utf8')
          .split('\n')
          .filter((line) => /--.*;/.test(line))
          .map((line) => `${entry.name}: ${line}`),
      );
    expect(offending).toEqual([]);
  });
});
