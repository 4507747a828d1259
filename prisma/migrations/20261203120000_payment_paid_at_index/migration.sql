-- The console's dashboard sums today's payments.
CREATE INDEX "Payment_paidAt_idx" ON "Payment"("paidAt");
