-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "workflowId" TEXT;

-- CreateTable
CREATE TABLE "ReconciliationRun" (
    "id" SERIAL NOT NULL,
    "workflowId" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "checked" INTEGER NOT NULL DEFAULT 0,
    "repaired" INTEGER NOT NULL DEFAULT 0,
    "findings" JSONB NOT NULL,

    CONSTRAINT "ReconciliationRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReconciliationRun_startedAt_idx" ON "ReconciliationRun"("startedAt");

-- Orders waiting for stock are woken oldest paid first.
CREATE INDEX "Order_sku_status_paidAt_idx" ON "Order"("sku", "status", "paidAt");
