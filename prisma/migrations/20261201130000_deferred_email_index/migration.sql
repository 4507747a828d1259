-- The deferred-email sweep (every worker, every 10 s) reads only the delivered orders still owed
-- their email, never every delivered order.
CREATE INDEX "Order_delivered_unemailed" ON "Order" ("deliveredAt") WHERE "status" = 'DELIVERED' AND "emailedAt" IS NULL;
