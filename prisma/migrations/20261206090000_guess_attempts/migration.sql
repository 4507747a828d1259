-- CreateTable
CREATE TABLE "GuessAttempt" (
    "id" BIGSERIAL NOT NULL,
    "scope" TEXT NOT NULL,
    "client" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GuessAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "GuessAttempt_scope_client_at_idx" ON "GuessAttempt"("scope", "client", "at");

-- CreateIndex
CREATE INDEX "GuessAttempt_scope_at_idx" ON "GuessAttempt"("scope", "at");
