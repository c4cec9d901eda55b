-- Settlement and payouts (issue 14): payout schedules and minimums, balance transactions (one
-- per journal entry on a merchant's money), payouts, and the record of each settlement close.

-- CreateEnum
CREATE TYPE "payout_interval" AS ENUM ('daily', 'weekly', 'monthly', 'manual');

-- CreateEnum
CREATE TYPE "balance_transaction_type" AS ENUM ('charge', 'refund', 'payout', 'payout_failure', 'adjustment', 'dispute');

-- CreateEnum
CREATE TYPE "balance_transaction_status" AS ENUM ('pending', 'available');

-- CreateEnum
CREATE TYPE "payout_status" AS ENUM ('pending', 'in_transit', 'paid', 'failed', 'canceled');

-- CreateTable
CREATE TABLE "payout_schedules" (
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "interval" "payout_interval" NOT NULL DEFAULT 'daily',
    "weekly_anchor" INTEGER,
    "monthly_anchor" INTEGER,
    "delay_days" INTEGER NOT NULL DEFAULT 2,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "payout_schedules_pkey" PRIMARY KEY ("merchant_id","livemode")
);

-- CreateTable
CREATE TABLE "payout_minimums" (
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "amount" BIGINT NOT NULL,

    CONSTRAINT "payout_minimums_pkey" PRIMARY KEY ("merchant_id","livemode","currency")
);

-- CreateTable
CREATE TABLE "balance_transactions" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "type" "balance_transaction_type" NOT NULL,
    "amount" BIGINT NOT NULL,
    "fee" BIGINT NOT NULL,
    "net" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "fee_details" JSONB NOT NULL,
    "status" "balance_transaction_status" NOT NULL,
    "available_on" DATE NOT NULL,
    "source" TEXT NOT NULL,
    "ledger_entry_id" TEXT NOT NULL,
    "payout_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "balance_transactions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payouts" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "payout_status" NOT NULL,
    "automatic" BOOLEAN NOT NULL,
    "arrival_date" DATE NOT NULL,
    "settlement_day" DATE,
    "failure_code" TEXT,
    "failure_message" TEXT,
    "balance_transaction_id" TEXT NOT NULL,
    "description" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "payouts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "settlement_closes" (
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "day" DATE NOT NULL,
    "made_available" BIGINT NOT NULL,
    "carried_over" BIGINT NOT NULL,
    "transactions" INTEGER NOT NULL,
    "payout_id" TEXT,
    "closed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "settlement_closes_pkey" PRIMARY KEY ("merchant_id","livemode","currency","day")
);

-- CreateTable
CREATE TABLE "settlement_days" (
    "day" DATE NOT NULL,
    "closes" INTEGER NOT NULL,
    "closed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "settlement_days_pkey" PRIMARY KEY ("day")
);

-- CreateTable
CREATE TABLE "settlement_sweep" (
    "id" INTEGER NOT NULL,
    "position" BIGINT NOT NULL,

    CONSTRAINT "settlement_sweep_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "balance_transactions_ledger_entry_id_key" ON "balance_transactions"("ledger_entry_id");

-- CreateIndex
CREATE INDEX "balance_transactions_merchant_id_livemode_created_at_id_idx" ON "balance_transactions"("merchant_id", "livemode", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "balance_transactions_merchant_id_livemode_currency_status_a_idx" ON "balance_transactions"("merchant_id", "livemode", "currency", "status", "available_on");

-- CreateIndex
CREATE INDEX "balance_transactions_payout_id_idx" ON "balance_transactions"("payout_id");

-- CreateIndex
CREATE INDEX "balance_transactions_source_idx" ON "balance_transactions"("source");

-- CreateIndex
CREATE UNIQUE INDEX "payouts_balance_transaction_id_key" ON "payouts"("balance_transaction_id");

-- CreateIndex
CREATE INDEX "payouts_merchant_id_livemode_created_at_id_idx" ON "payouts"("merchant_id", "livemode", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "payouts_status_idx" ON "payouts"("status");

-- CreateIndex
CREATE INDEX "settlement_closes_day_idx" ON "settlement_closes"("day");

-- Hand-written guards (Prisma does not model CHECKs).
ALTER TABLE "payout_schedules" ADD CONSTRAINT "payout_schedules_anchor" CHECK (
  ("interval" = 'weekly') = ("weekly_anchor" IS NOT NULL)
  AND ("interval" = 'monthly') = ("monthly_anchor" IS NOT NULL)
  AND ("weekly_anchor" IS NULL OR "weekly_anchor" BETWEEN 1 AND 7)
  AND ("monthly_anchor" IS NULL OR "monthly_anchor" BETWEEN 1 AND 31));
ALTER TABLE "payout_schedules" ADD CONSTRAINT "payout_schedules_delay" CHECK ("delay_days" BETWEEN 0 AND 30);
ALTER TABLE "payout_minimums" ADD CONSTRAINT "payout_minimums_positive" CHECK ("amount" > 0);
ALTER TABLE "balance_transactions" ADD CONSTRAINT "balance_transactions_net" CHECK ("net" = "amount" - "fee");
ALTER TABLE "balance_transactions" ADD CONSTRAINT "balance_transactions_currency_iso" CHECK ("currency" ~ '^[A-Z]{3}$');
ALTER TABLE "settlement_sweep" ADD CONSTRAINT "settlement_sweep_one_row" CHECK ("id" = 1);
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_amount_positive" CHECK ("amount" > 0);
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_failure" CHECK (("status" = 'failed') = ("failure_code" IS NOT NULL));
