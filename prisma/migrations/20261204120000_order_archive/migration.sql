-- Settled orders older than ARCHIVE_AFTER move out of the hot tables into one row each.
CREATE TABLE "OrderArchive" (
    "orderNo" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "status" "OrderStatus" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "archivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "record" JSONB NOT NULL,

    CONSTRAINT "OrderArchive_pkey" PRIMARY KEY ("orderNo")
);
CREATE INDEX "OrderArchive_email_createdAt_idx" ON "OrderArchive"("email", "createdAt");
CREATE INDEX "OrderArchive_createdAt_idx" ON "OrderArchive"("createdAt");

CREATE TABLE "ArchivedKey" (
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,

    CONSTRAINT "ArchivedKey_pkey" PRIMARY KEY ("kind", "key")
);

-- A unique constraint cannot span two tables, so these triggers do what it would: a new hot row
-- repeating a key an archived order held fails as a unique violation, as a repeat in the hot table does.
CREATE FUNCTION keyflow_refuse_archived_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  candidates text[][];
BEGIN
  IF TG_TABLE_NAME = 'Order' THEN
    candidates := ARRAY[['order', NEW."orderNo"], ['idempotency', NEW."email" || ' ' || NEW."idempotencyKey"]];
  ELSIF TG_TABLE_NAME = 'Payment' THEN
    candidates := ARRAY[['trade', NEW."channel" || ' ' || NEW."tradeNo"]];
  ELSE
    candidates := ARRAY[['event', NEW."channel" || ' ' || NEW."verifiedEventKey"]];
  END IF;
  FOR i IN 1 .. array_length(candidates, 1) LOOP
    IF candidates[i][2] IS NOT NULL AND EXISTS (SELECT 1 FROM "ArchivedKey" WHERE "kind" = candidates[i][1] AND "key" = candidates[i][2]) THEN
      RAISE EXCEPTION 'duplicate key: % % belongs to an archived order', candidates[i][1], candidates[i][2]
        USING ERRCODE = 'unique_violation', CONSTRAINT = 'ArchivedKey_pkey', TABLE = TG_TABLE_NAME;
    END IF;
  END LOOP;
  RETURN NEW;
END $$;

CREATE TRIGGER "Order_refuse_archived_keys" BEFORE INSERT ON "Order"
  FOR EACH ROW EXECUTE FUNCTION keyflow_refuse_archived_keys();
CREATE TRIGGER "Payment_refuse_archived_keys" BEFORE INSERT ON "Payment"
  FOR EACH ROW EXECUTE FUNCTION keyflow_refuse_archived_keys();
CREATE TRIGGER "PaymentNotification_refuse_archived_keys" BEFORE INSERT ON "PaymentNotification"
  FOR EACH ROW WHEN (NEW."verifiedEventKey" IS NOT NULL) EXECUTE FUNCTION keyflow_refuse_archived_keys();

-- An archived order's keys stay in CardKey, still naming it (a sold key never changes owner, and
-- its fingerprint keeps refusing a re-import), so the key can no longer point at a hot row.
ALTER TABLE "CardKey" DROP CONSTRAINT "CardKey_orderNo_fkey";

-- Archiving deletes the hot rows: caches holding the order's view must hear of it too.
CREATE OR REPLACE FUNCTION keyflow_notify_order_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('keyflow_order_changed', CASE WHEN TG_OP = 'DELETE' THEN OLD."orderNo" ELSE NEW."orderNo" END);
  RETURN NULL;
END $$;

DROP TRIGGER "Order_notify_changed" ON "Order";
CREATE TRIGGER "Order_notify_changed" AFTER INSERT OR UPDATE OR DELETE ON "Order"
  FOR EACH ROW EXECUTE FUNCTION keyflow_notify_order_changed();
