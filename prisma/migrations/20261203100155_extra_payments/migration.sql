-- Extra payments (issue 13): custom lines (no variant, no stock), selections and orders for an
-- earlier order, and links that allow at most N orders. The CHECKs are what Prisma's schema
-- language cannot state.
-- CreateEnum
CREATE TYPE "SelectionItemKind" AS ENUM ('CATALOG', 'CUSTOM');

-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "relatedOrderId" UUID;

-- AlterTable
ALTER TABLE "OrderItem" ADD COLUMN     "kind" "SelectionItemKind" NOT NULL DEFAULT 'CATALOG',
ADD COLUMN     "taxable" BOOLEAN NOT NULL DEFAULT true,
ALTER COLUMN "variantId" DROP NOT NULL,
ALTER COLUMN "sku" DROP NOT NULL;

-- AlterTable
ALTER TABLE "Selection" ADD COLUMN     "relatedOrderId" UUID;

-- AlterTable
ALTER TABLE "SelectionItem" ADD COLUMN     "kind" "SelectionItemKind" NOT NULL DEFAULT 'CATALOG',
ADD COLUMN     "name" VARCHAR(200),
ADD COLUMN     "sku" VARCHAR(64),
ADD COLUMN     "taxable" BOOLEAN NOT NULL DEFAULT true,
ALTER COLUMN "variantId" DROP NOT NULL;

-- AlterTable
ALTER TABLE "ShareableLink" ADD COLUMN     "maxOrders" INTEGER;

-- CreateIndex
CREATE INDEX "Order_relatedOrderId_idx" ON "Order"("relatedOrderId");

-- CreateIndex
CREATE INDEX "Selection_relatedOrderId_idx" ON "Selection"("relatedOrderId");

-- AddForeignKey
ALTER TABLE "Selection" ADD CONSTRAINT "Selection_relatedOrderId_fkey" FOREIGN KEY ("relatedOrderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_relatedOrderId_fkey" FOREIGN KEY ("relatedOrderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- A catalog line is a variant with the variant's own name and SKU, a custom line has its own
-- name, no variant, a price above zero, and is always priceLocked.
ALTER TABLE "SelectionItem" ADD CONSTRAINT "SelectionItem_kind_check" CHECK (
  CASE "kind"
    WHEN 'CATALOG' THEN "variantId" IS NOT NULL AND "name" IS NULL AND "sku" IS NULL AND "taxable"
    ELSE "variantId" IS NULL AND "name" IS NOT NULL AND "priceLocked" AND "unitPrice" > 0
  END);
ALTER TABLE "OrderItem" ADD CONSTRAINT "OrderItem_kind_check" CHECK (
  CASE "kind"
    WHEN 'CATALOG' THEN "variantId" IS NOT NULL AND "sku" IS NOT NULL AND "taxable"
    ELSE "variantId" IS NULL
  END);
ALTER TABLE "ShareableLink" ADD CONSTRAINT "ShareableLink_maxOrders_check" CHECK ("maxOrders" IS NULL OR "maxOrders" >= 1);
