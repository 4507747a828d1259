-- The placing request's trace, so the payment callback's trace can link to it (tracing only; null when not kept).
ALTER TABLE "Order" ADD COLUMN "traceParent" TEXT;
