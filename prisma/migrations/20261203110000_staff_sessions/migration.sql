-- Staff console sign-ins: the cookie's random token is never stored, only its SHA-256.
CREATE TABLE "StaffSession" (
    "tokenHash" TEXT NOT NULL,
    "staff" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "StaffSession_pkey" PRIMARY KEY ("tokenHash")
);
CREATE INDEX "StaffSession_expiresAt_idx" ON "StaffSession"("expiresAt");
