-- The channel's own handle on the trade (Stripe: the Checkout Session id), for closing it at the deadline.
ALTER TABLE "Order" ADD COLUMN "channelRef" TEXT;

-- Which client placed the order (per-client rate limit) and which version of its access token is valid
-- (staff can reissue a buyer's link; the old one stops working).
ALTER TABLE "Order" ADD COLUMN "clientIp" TEXT;
ALTER TABLE "Order" ADD COLUMN "tokenVersion" INTEGER NOT NULL DEFAULT 0;
CREATE INDEX "Order_clientIp_createdAt_idx" ON "Order"("clientIp", "createdAt");
CREATE INDEX "Order_email_status_idx" ON "Order"("email", "status");

-- The payment that settled the order (refunds go to it); any other payment for the order is a second one.
ALTER TABLE "Payment" ADD COLUMN "settles" BOOLEAN NOT NULL DEFAULT false;
UPDATE "Payment" p SET "settles" = true
WHERE p."id" = (SELECT min(q."id") FROM "Payment" q WHERE q."orderNo" = p."orderNo");
CREATE UNIQUE INDEX "Payment_one_settling_per_order" ON "Payment"("orderNo") WHERE "settles";

-- Rejected notifications are kept bounded: a digest of what arrived, and for how long.
ALTER TABLE "PaymentNotification" ADD COLUMN "digest" TEXT;
CREATE INDEX "PaymentNotification_verdict_receivedAt_idx" ON "PaymentNotification"("verdict", "receivedAt");

-- Idempotency keys are the buyer's own: scoped by email, so someone else's key never answers with
-- another buyer's order (and its access token).
DROP INDEX "Order_idempotencyKey_key";
CREATE UNIQUE INDEX "Order_email_idempotencyKey_key" ON "Order"("email", "idempotencyKey");
