-- CreateEnum
CREATE TYPE "refund_status" AS ENUM ('pending', 'succeeded', 'failed', 'canceled');

-- AlterTable
ALTER TABLE "api_idempotency_keys" ADD COLUMN     "locked_until" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "merchants" ADD COLUMN     "fee_fixed" BIGINT NOT NULL DEFAULT 30,
ADD COLUMN     "fee_rate_bps" INTEGER NOT NULL DEFAULT 290;

-- AlterTable
ALTER TABLE "payment_intents" ADD COLUMN     "acquirer_authorization_id" TEXT,
ADD COLUMN     "amount_refunded" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "capture_before" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "payment_attempts" (
    "id" TEXT NOT NULL,
    "payment_intent_id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "payment_method_id" TEXT,
    "refund_id" TEXT,
    "acquirer_authorization_id" TEXT,
    "return_url" TEXT,
    "locked_until" TIMESTAMPTZ(3) NOT NULL,
    "failure" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "payment_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refunds" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "payment_intent_id" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "refund_status" NOT NULL,
    "reason" TEXT,
    "failure_reason" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "refunds_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "payment_attempts_payment_intent_id_idx" ON "payment_attempts"("payment_intent_id");

-- CreateIndex
CREATE INDEX "payment_attempts_status_locked_until_idx" ON "payment_attempts"("status", "locked_until");

-- CreateIndex
CREATE INDEX "refunds_merchant_id_livemode_created_at_id_idx" ON "refunds"("merchant_id", "livemode", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "refunds_payment_intent_id_idx" ON "refunds"("payment_intent_id");

-- Hand-written: what the data must look like, whatever writes it.
ALTER TABLE "merchants"
  ADD CONSTRAINT "merchants_fee_rate_bps" CHECK ("fee_rate_bps" BETWEEN 0 AND 10000),
  ADD CONSTRAINT "merchants_fee_fixed" CHECK ("fee_fixed" >= 0);

ALTER TABLE "payment_intents"
  ADD CONSTRAINT "payment_intents_amount_refunded" CHECK ("amount_refunded" BETWEEN 0 AND "amount_received");

ALTER TABLE "payment_attempts"
  ADD CONSTRAINT "payment_attempts_kind" CHECK ("kind" IN ('authorize', 'capture', 'void', 'refund')),
  ADD CONSTRAINT "payment_attempts_status" CHECK ("status" IN ('pending', 'requires_action', 'succeeded', 'failed', 'abandoned')),
  ADD CONSTRAINT "payment_attempts_amount" CHECK ("amount" > 0),
  ADD CONSTRAINT "payment_attempts_refund" CHECK (("kind" = 'refund') = ("refund_id" IS NOT NULL));

-- The attempts a recovery sweep looks for.
CREATE INDEX "payment_attempts_unresolved" ON "payment_attempts" ("locked_until") WHERE "status" = 'pending';

ALTER TABLE "refunds"
  ADD CONSTRAINT "refunds_amount" CHECK ("amount" > 0);
