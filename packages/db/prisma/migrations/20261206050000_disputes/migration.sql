-- Disputes (issue 15): disputes of captured payments as the acquirer reports them, where the
-- sync of the acquirer's dispute changes has got to, and the files merchants upload as evidence.

-- CreateTable
CREATE TABLE "disputes" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "payment_intent_id" TEXT NOT NULL,
    "acquirer_dispute_id" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "fee" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "evidence" JSONB NOT NULL DEFAULT '{}',
    "submission_count" INTEGER NOT NULL DEFAULT 0,
    "due_by" TIMESTAMPTZ(3) NOT NULL,
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "disputes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "acquirer_sync_cursors" (
    "name" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "acquirer_sync_cursors_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "files" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "purpose" TEXT NOT NULL,
    "filename" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "storage_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "files_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "disputes_acquirer_dispute_id_key" ON "disputes"("acquirer_dispute_id");

-- CreateIndex
CREATE INDEX "disputes_merchant_id_livemode_created_at_id_idx" ON "disputes"("merchant_id", "livemode", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "disputes_payment_intent_id_idx" ON "disputes"("payment_intent_id");

-- CreateIndex
CREATE INDEX "files_merchant_id_livemode_created_at_id_idx" ON "files"("merchant_id", "livemode", "created_at" DESC, "id" DESC);

-- Hand-written guards (Prisma does not model CHECKs).
ALTER TABLE "disputes" ADD CONSTRAINT "disputes_status" CHECK ("status" IN ('needs_response', 'under_review', 'won', 'lost', 'warning_needs_response', 'warning_under_review', 'warning_closed'));
ALTER TABLE "disputes" ADD CONSTRAINT "disputes_amounts" CHECK ("amount" > 0 AND "fee" >= 0);
ALTER TABLE "files" ADD CONSTRAINT "files_purpose" CHECK ("purpose" IN ('dispute_evidence'));
ALTER TABLE "files" ADD CONSTRAINT "files_type" CHECK ("type" IN ('application/pdf', 'image/png', 'image/jpeg'));
ALTER TABLE "files" ADD CONSTRAINT "files_size" CHECK ("size" > 0);
