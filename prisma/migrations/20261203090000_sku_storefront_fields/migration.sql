-- What the storefront shows of a SKU, and its per-order quantity bounds (all optional, defaults keep old SKUs as they were).
ALTER TABLE "Sku" ADD COLUMN "description" TEXT;
ALTER TABLE "Sku" ADD COLUMN "deliveryInstructions" TEXT;
ALTER TABLE "Sku" ADD COLUMN "category" TEXT;
ALTER TABLE "Sku" ADD COLUMN "minQuantity" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "Sku" ADD COLUMN "maxQuantity" INTEGER;
ALTER TABLE "Sku" ADD COLUMN "sortOrder" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Sku" ADD CONSTRAINT "Sku_quantity_bounds" CHECK ("minQuantity" >= 1 AND ("maxQuantity" IS NULL OR "maxQuantity" >= "minQuantity"));
