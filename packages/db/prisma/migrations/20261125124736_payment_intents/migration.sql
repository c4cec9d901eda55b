-- CreateEnum
CREATE TYPE "payment_intent_status" AS ENUM ('requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled');

-- CreateEnum
CREATE TYPE "capture_method" AS ENUM ('automatic', 'manual');

-- CreateTable
CREATE TABLE "payment_intents" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "payment_intent_status" NOT NULL,
    "capture_method" "capture_method" NOT NULL,
    "amount_capturable" BIGINT NOT NULL DEFAULT 0,
    "amount_received" BIGINT NOT NULL DEFAULT 0,
    "payment_method_id" TEXT,
    "last_payment_error" JSONB,
    "next_action" JSONB,
    "description" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "hold_id" TEXT,
    "canceled_at" TIMESTAMPTZ(3),
    "cancellation_reason" TEXT,
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "payment_intents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_idempotency_keys" (
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "response" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_idempotency_keys_pkey" PRIMARY KEY ("merchant_id","livemode","key")
);

-- CreateIndex
CREATE INDEX "payment_intents_merchant_id_livemode_created_at_id_idx" ON "payment_intents"("merchant_id", "livemode", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "payment_intents_merchant_id_livemode_status_created_at_idx" ON "payment_intents"("merchant_id", "livemode", "status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "api_idempotency_keys_created_at_idx" ON "api_idempotency_keys"("created_at");

-- Hand-written guards (Prisma does not model CHECKs).
ALTER TABLE "payment_intents" ADD CONSTRAINT "payment_intents_amounts_valid"
  CHECK ("amount" > 0 AND "amount_capturable" >= 0 AND "amount_received" >= 0 AND "amount_received" <= "amount");
ALTER TABLE "payment_intents" ADD CONSTRAINT "payment_intents_currency_iso" CHECK ("currency" ~ '^[A-Z]{3}$');
