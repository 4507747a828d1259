-- Read caches in every process drop what a change made stale, whoever made it (a workflow's
-- activity, the API, a migration, staff in psql): the database announces the change itself.
-- NOTIFY is delivered at commit and folded per transaction, so a rolled-back change says nothing.

CREATE FUNCTION keyflow_notify_order_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('keyflow_order_changed', NEW."orderNo");
  RETURN NULL;
END $$;

CREATE TRIGGER "Order_notify_changed" AFTER INSERT OR UPDATE ON "Order"
  FOR EACH ROW EXECUTE FUNCTION keyflow_notify_order_changed();
CREATE TRIGGER "OrderEvent_notify_changed" AFTER INSERT ON "OrderEvent"
  FOR EACH ROW EXECUTE FUNCTION keyflow_notify_order_changed();

-- Statement-level: an import of 10,000 keys or a reservation of five says it once.
CREATE FUNCTION keyflow_notify_catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('keyflow_catalogue_changed', '');
  RETURN NULL;
END $$;

CREATE TRIGGER "Sku_notify_changed" AFTER INSERT OR UPDATE OR DELETE ON "Sku"
  FOR EACH STATEMENT EXECUTE FUNCTION keyflow_notify_catalogue_changed();
CREATE TRIGGER "CardKey_notify_changed" AFTER INSERT OR UPDATE OR DELETE ON "CardKey"
  FOR EACH STATEMENT EXECUTE FUNCTION keyflow_notify_catalogue_changed();
