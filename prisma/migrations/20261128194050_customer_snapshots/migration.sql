-- Names given with setCustomer live on the selection, and the buyer's details on the order:
-- a storefront session never changes (or reads) a stored Customer.
ALTER TABLE "Selection" ADD COLUMN "customerFirstName" VARCHAR(100),
ADD COLUMN "customerLastName" VARCHAR(100);

ALTER TABLE "Order" ADD COLUMN "customerEmail" VARCHAR(254),
ADD COLUMN "customerFirstName" VARCHAR(100),
ADD COLUMN "customerLastName" VARCHAR(100);
UPDATE "Order" o SET "customerEmail" = c.email, "customerFirstName" = c."firstName", "customerLastName" = c."lastName"
FROM "Customer" c WHERE c.id = o."customerId";
ALTER TABLE "Order" ALTER COLUMN "customerEmail" SET NOT NULL;

-- Invariants of orders and links the services keep: the database refuses anything else.
ALTER TABLE "Order" ADD CONSTRAINT "Order_totals_check"
  CHECK ("subtotal" >= 0 AND "shipping" >= 0 AND "tax" >= 0 AND "grandTotal" = "subtotal" + "shipping" + "tax");
ALTER TABLE "OrderItem" ADD CONSTRAINT "OrderItem_lineTotal_check" CHECK ("lineTotal" = "unitPrice" * "quantity" AND "unitPrice" >= 0);
ALTER TABLE "ShareableLink" ADD CONSTRAINT "ShareableLink_consumed_check"
  CHECK (("status" = 'CONSUMED') = ("orderId" IS NOT NULL) AND ("orderId" IS NULL OR "consumedAt" IS NOT NULL));
-- At most one ACTIVE link per selection: issuing again revokes the older one.
CREATE UNIQUE INDEX "ShareableLink_one_active_per_selection" ON "ShareableLink"("selectionId") WHERE "status" = 'ACTIVE';
