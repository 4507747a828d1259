-- The degrade switch every process shares (one row, 'orders'): the level new orders run at, and
-- whether staff set it (manual) or the worker follows measured delivery lag (auto).
CREATE TABLE "DegradeSwitch" (
    "name" TEXT NOT NULL,
    "level" TEXT NOT NULL DEFAULT 'normal',
    "mode" TEXT NOT NULL DEFAULT 'auto',
    "reason" TEXT,
    "changedBy" TEXT NOT NULL DEFAULT 'system',
    "changedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "calmSince" TIMESTAMP(3),

    CONSTRAINT "DegradeSwitch_pkey" PRIMARY KEY ("name"),
    CONSTRAINT "DegradeSwitch_level" CHECK ("level" IN ('normal', 'lean', 'essential')),
    CONSTRAINT "DegradeSwitch_mode" CHECK ("mode" IN ('auto', 'manual'))
);

INSERT INTO "DegradeSwitch" ("name") VALUES ('orders');
