-- The admission queue every API process shares: the next free slot for a new order and, in auto
-- mode, the rate the controller set from measured delivery lag.
CREATE TABLE "Admission" (
    "name" TEXT NOT NULL,
    "nextSlot" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ratePerSec" DOUBLE PRECISION NOT NULL DEFAULT 25,
    "lagMs" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Admission_pkey" PRIMARY KEY ("name"),
    CONSTRAINT "Admission_rate_positive" CHECK ("ratePerSec" > 0)
);

INSERT INTO "Admission" ("name") VALUES ('orders');
