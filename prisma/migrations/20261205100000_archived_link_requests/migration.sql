-- A buyer may ask for an archived order's link again: the last request, for its cooldown (an
-- archived order has no timeline to record it on).
ALTER TABLE "OrderArchive" ADD COLUMN "linkRequestedAt" TIMESTAMP(3);
