-- Staff lists by date alone (newest first, order number as the tie-break) and the dashboard's orders
-- of the day read a range of createdAt; its deliveries of the day a range of deliveredAt. Without
-- these both walked the whole table (or every DELIVERED entry of the status index).
CREATE INDEX "Order_createdAt_orderNo_idx" ON "Order"("createdAt", "orderNo");
CREATE INDEX "Order_deliveredAt_idx" ON "Order"("deliveredAt");
