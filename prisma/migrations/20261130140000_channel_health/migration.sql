-- What Keyflow knows of each payment channel instance, shared by every API process and worker.
CREATE TABLE "ChannelHealth" (
    "name" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'healthy',
    "score" DOUBLE PRECISION,
    "stats" JSONB NOT NULL DEFAULT '{}',
    "stateSince" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastProbeAt" TIMESTAMP(3),
    "lastProbeOk" BOOLEAN,
    "probeFailures" INTEGER NOT NULL DEFAULT 0,
    "probeSuccesses" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChannelHealth_pkey" PRIMARY KEY ("name"),
    CONSTRAINT "ChannelHealth_state_known" CHECK ("state" IN ('healthy', 'degraded', 'down'))
);

-- Staff's runtime overrides of the environment's `enabled` and `weight` (null: the environment's).
CREATE TABLE "ChannelOverride" (
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN,
    "weight" DOUBLE PRECISION,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChannelOverride_pkey" PRIMARY KEY ("name")
);

-- Calls to each channel instance and how many failed, per 10 seconds (every process adds its own).
CREATE TABLE "ChannelCallStat" (
    "name" TEXT NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "failures" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ChannelCallStat_pkey" PRIMARY KEY ("name", "bucket")
);

-- When the channel says the buyer paid, where its notification carries it (callback latency).
ALTER TABLE "PaymentNotification" ADD COLUMN "channelPaidAt" TIMESTAMP(3);

-- Success rate and callback loss are read per channel over recent orders.
CREATE INDEX "Order_channel_createdAt_idx" ON "Order"("channel", "createdAt");

-- What staff did outside an order's own timeline (channel overrides, key exports, …), and who.
CREATE TABLE "StaffAudit" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "staff" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "detail" JSONB,

    CONSTRAINT "StaffAudit_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "StaffAudit_at_idx" ON "StaffAudit"("at");
