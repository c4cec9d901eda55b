-- Bank accounts (issue 14): where payouts go, their numbers in the vault (vault_bank_accounts)
-- beside the cards, and the payout's side of the bank: the account, the transfer, the retries.

-- CreateEnum
CREATE TYPE "bank_account_status" AS ENUM ('new', 'verified', 'errored');

-- DropIndex
DROP INDEX "payouts_status_idx";

-- AlterTable
ALTER TABLE "payouts" ADD COLUMN     "bank_account_id" TEXT,
ADD COLUMN     "bank_attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "bank_transfer_id" TEXT,
ADD COLUMN     "failure_balance_transaction_id" TEXT,
ADD COLUMN     "next_bank_attempt_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "settlement_closes" ADD COLUMN     "payout_skipped" TEXT;

-- CreateTable
CREATE TABLE "vault_bank_accounts" (
    "id" TEXT NOT NULL,
    "fingerprint" BYTEA NOT NULL,
    "key_id" TEXT NOT NULL,
    "data_key" BYTEA NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rewrapped_at" TIMESTAMPTZ(3),

    CONSTRAINT "vault_bank_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bank_accounts" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "country" CHAR(2) NOT NULL,
    "account_holder_name" TEXT NOT NULL,
    "bank_name" TEXT,
    "routing_number" TEXT,
    "last4" CHAR(4) NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "vault_bank_account_id" TEXT NOT NULL,
    "status" "bank_account_status" NOT NULL DEFAULT 'new',
    "default_for_currency" BOOLEAN NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "bank_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "vault_bank_accounts_fingerprint_key" ON "vault_bank_accounts"("fingerprint");

-- CreateIndex
CREATE INDEX "vault_bank_accounts_key_id_idx" ON "vault_bank_accounts"("key_id");

-- CreateIndex
CREATE INDEX "bank_accounts_merchant_id_livemode_created_at_id_idx" ON "bank_accounts"("merchant_id", "livemode", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "payouts_bank_transfer_id_key" ON "payouts"("bank_transfer_id");

-- CreateIndex
CREATE UNIQUE INDEX "payouts_failure_balance_transaction_id_key" ON "payouts"("failure_balance_transaction_id");

-- CreateIndex
CREATE INDEX "payouts_status_next_bank_attempt_at_idx" ON "payouts"("status", "next_bank_attempt_at");

-- Hand-written guards (Prisma does not model CHECKs or partial indexes).
CREATE UNIQUE INDEX "bank_accounts_one_default" ON "bank_accounts"("merchant_id", "livemode", "currency") WHERE "default_for_currency";
ALTER TABLE "bank_accounts" ADD CONSTRAINT "bank_accounts_last4" CHECK ("last4" ~ '^[0-9]{4}$');
ALTER TABLE "bank_accounts" ADD CONSTRAINT "bank_accounts_routing" CHECK ("routing_number" IS NULL OR "routing_number" ~ '^[0-9]{9}$');
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_in_transit_sent" CHECK ("status" NOT IN ('in_transit', 'paid') OR "bank_transfer_id" IS NOT NULL);
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_failure_returned" CHECK (("status" = 'failed') = ("failure_balance_transaction_id" IS NOT NULL));
