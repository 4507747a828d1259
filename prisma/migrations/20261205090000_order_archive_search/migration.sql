-- Staff search archived orders as they search hot ones: each filter with its (column, createdAt)
-- index, pages cut by (createdAt, orderNo).
DROP INDEX "OrderArchive_createdAt_idx";
CREATE INDEX "OrderArchive_createdAt_orderNo_idx" ON "OrderArchive"("createdAt", "orderNo");
CREATE INDEX "OrderArchive_status_createdAt_idx" ON "OrderArchive"("status", "createdAt");
CREATE INDEX "OrderArchive_sku_createdAt_idx" ON "OrderArchive"("sku", "createdAt");
