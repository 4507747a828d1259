-- Whether a delivery email is still owed asks the timeline for a refusal of the address and a later
-- change of it (src/db/delivery-email-owed.ts): only those two kinds of line, so a mail outage that
-- leaves thousands of orders owed does not make the deferred sender and the late-email gauge read
-- the whole timeline table.
CREATE INDEX "OrderEvent_email_address" ON "OrderEvent" ("orderNo", "id") WHERE "type" IN ('EMAIL_REJECTED', 'EMAIL_CHANGED');
