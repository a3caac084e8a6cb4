-- Idempotency keys belong to the caller that sent them: the same key from another caller is
-- another order, not IDEMPOTENCY_CONFLICT (which told one session that another used the key).
ALTER TABLE "IdempotencyKey" ADD COLUMN "scope" VARCHAR(64);
-- Which caller sent an existing key is not recorded. An order of a session's selection gets
-- that session's scope (an admin may have placed it, but the order is the session's own),
-- every other order 'admin', which no caller has (callers' scopes are 'admin:<key id>'): a
-- retry of such an old admin order finds its selection ORDERED, never a second order.
UPDATE "IdempotencyKey" k SET "scope" = CASE WHEN o."sessionId" IS NULL THEN 'admin' ELSE 'session:' || o."sessionId" END
FROM "Order" o WHERE o.id = k."orderId";
ALTER TABLE "IdempotencyKey" ALTER COLUMN "scope" SET NOT NULL;
ALTER TABLE "IdempotencyKey" DROP CONSTRAINT "IdempotencyKey_pkey",
ADD CONSTRAINT "IdempotencyKey_pkey" PRIMARY KEY ("scope", "key");
