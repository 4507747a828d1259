-- CreateEnum
CREATE TYPE "OrderStatus" AS ENUM ('CREATED', 'FAILED', 'AWAITING_PAYMENT', 'EXPIRED', 'CANCELLED', 'PAID', 'AWAITING_STOCK', 'DELIVERED', 'REFUNDING', 'REFUNDED', 'NEEDS_REVIEW');

-- CreateEnum
CREATE TYPE "CardKeyStatus" AS ENUM ('AVAILABLE', 'RESERVED', 'SOLD', 'VOID');

-- CreateEnum
CREATE TYPE "NotificationVerdict" AS ENUM ('VERIFIED', 'REJECTED');

-- CreateEnum
CREATE TYPE "RefundStatus" AS ENUM ('REQUESTED', 'SUCCEEDED', 'REFUSED');

-- CreateTable
CREATE TABLE "Sku" (
    "sku" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "priceCents" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Sku_pkey" PRIMARY KEY ("sku")
);

-- CreateTable
CREATE TABLE "CardKey" (
    "id" SERIAL NOT NULL,
    "sku" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status" "CardKeyStatus" NOT NULL DEFAULT 'AVAILABLE',
    "orderNo" TEXT,
    "reservedAt" TIMESTAMP(3),
    "soldAt" TIMESTAMP(3),
    "voidedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CardKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Order" (
    "orderNo" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unitPriceCents" INTEGER NOT NULL,
    "amountCents" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "payType" TEXT,
    "status" "OrderStatus" NOT NULL DEFAULT 'CREATED',
    "statusReason" TEXT,
    "idempotencyKey" TEXT,
    "requestHash" TEXT,
    "payUrl" TEXT,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "paidAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),
    "emailedAt" TIMESTAMP(3),

    CONSTRAINT "Order_pkey" PRIMARY KEY ("orderNo")
);

-- CreateTable
CREATE TABLE "Payment" (
    "id" SERIAL NOT NULL,
    "orderNo" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "tradeNo" TEXT NOT NULL,
    "amountCents" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "paidAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Payment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PaymentNotification" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "eventKey" TEXT,
    "verifiedEventKey" TEXT,
    "verdict" "NotificationVerdict" NOT NULL,
    "paid" BOOLEAN NOT NULL DEFAULT false,
    "reason" TEXT,
    "orderNo" TEXT,
    "tradeNo" TEXT,
    "amountCents" INTEGER,
    "payload" JSONB NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "signalledAt" TIMESTAMP(3),
    "signalError" TEXT,

    CONSTRAINT "PaymentNotification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Refund" (
    "id" SERIAL NOT NULL,
    "orderNo" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "amountCents" INTEGER NOT NULL,
    "status" "RefundStatus" NOT NULL DEFAULT 'REQUESTED',
    "reason" TEXT NOT NULL,
    "channelRefundNo" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Refund_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrderEvent" (
    "id" SERIAL NOT NULL,
    "orderNo" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "message" TEXT,
    "data" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OrderEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CardKey_sku_status_id_idx" ON "CardKey"("sku", "status", "id");

-- CreateIndex
CREATE INDEX "CardKey_orderNo_idx" ON "CardKey"("orderNo");

-- CreateIndex
CREATE UNIQUE INDEX "CardKey_sku_fingerprint_key" ON "CardKey"("sku", "fingerprint");

-- CreateIndex
CREATE UNIQUE INDEX "Order_idempotencyKey_key" ON "Order"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Order_status_createdAt_idx" ON "Order"("status", "createdAt");

-- CreateIndex
CREATE INDEX "Order_email_createdAt_idx" ON "Order"("email", "createdAt");

-- CreateIndex
CREATE INDEX "Order_sku_createdAt_idx" ON "Order"("sku", "createdAt");

-- CreateIndex
CREATE INDEX "Payment_orderNo_idx" ON "Payment"("orderNo");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_channel_tradeNo_key" ON "Payment"("channel", "tradeNo");

-- CreateIndex
CREATE INDEX "PaymentNotification_orderNo_idx" ON "PaymentNotification"("orderNo");

-- CreateIndex
CREATE INDEX "PaymentNotification_paid_signalledAt_idx" ON "PaymentNotification"("paid", "signalledAt");

-- CreateIndex
CREATE UNIQUE INDEX "PaymentNotification_channel_verifiedEventKey_key" ON "PaymentNotification"("channel", "verifiedEventKey");

-- CreateIndex
CREATE UNIQUE INDEX "Refund_idempotencyKey_key" ON "Refund"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Refund_orderNo_idx" ON "Refund"("orderNo");

-- CreateIndex
CREATE INDEX "OrderEvent_orderNo_id_idx" ON "OrderEvent"("orderNo", "id");

-- AddForeignKey
ALTER TABLE "CardKey" ADD CONSTRAINT "CardKey_sku_fkey" FOREIGN KEY ("sku") REFERENCES "Sku"("sku") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CardKey" ADD CONSTRAINT "CardKey_orderNo_fkey" FOREIGN KEY ("orderNo") REFERENCES "Order"("orderNo") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_sku_fkey" FOREIGN KEY ("sku") REFERENCES "Sku"("sku") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_orderNo_fkey" FOREIGN KEY ("orderNo") REFERENCES "Order"("orderNo") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_orderNo_fkey" FOREIGN KEY ("orderNo") REFERENCES "Order"("orderNo") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderEvent" ADD CONSTRAINT "OrderEvent_orderNo_fkey" FOREIGN KEY ("orderNo") REFERENCES "Order"("orderNo") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below: guarantees Prisma's schema language cannot express.

-- A key's owner and state must agree: free keys belong to nobody, taken keys to exactly one order.
ALTER TABLE "CardKey" ADD CONSTRAINT "CardKey_owner_matches_status" CHECK (
    ("status" = 'AVAILABLE' AND "orderNo" IS NULL)
    OR ("status" IN ('RESERVED', 'SOLD') AND "orderNo" IS NOT NULL)
    OR ("status" = 'VOID')
);

-- Once SOLD, a key stays with its order: it can only become VOID (refunded or withdrawn), never move.
CREATE FUNCTION "card_key_sale_is_final"() RETURNS trigger AS $$
BEGIN
    IF OLD."status" = 'SOLD' AND (NEW."orderNo" IS DISTINCT FROM OLD."orderNo" OR NEW."status" NOT IN ('SOLD', 'VOID')) THEN
        RAISE EXCEPTION 'card key % is sold to order % and cannot be reassigned', OLD."id", OLD."orderNo"
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD."status" = 'VOID' AND NEW."status" <> 'VOID' THEN
        RAISE EXCEPTION 'card key % is void and cannot return to stock', OLD."id"
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "CardKey_sale_is_final" BEFORE UPDATE ON "CardKey"
    FOR EACH ROW EXECUTE FUNCTION "card_key_sale_is_final"();

-- Positive money and quantities only.
ALTER TABLE "Order" ADD CONSTRAINT "Order_amounts_positive" CHECK ("quantity" > 0 AND "amountCents" > 0 AND "unitPriceCents" > 0);
ALTER TABLE "Sku" ADD CONSTRAINT "Sku_price_positive" CHECK ("priceCents" > 0);
