-- CreateEnum
CREATE TYPE "ledger_normal_balance" AS ENUM ('debit', 'credit');

-- CreateEnum
CREATE TYPE "ledger_side" AS ENUM ('debit', 'credit');

-- CreateEnum
CREATE TYPE "ledger_posting_kind" AS ENUM ('posted', 'pending', 'release');

-- CreateEnum
CREATE TYPE "ledger_hold_status" AS ENUM ('pending', 'posted', 'voided', 'expired');

-- CreateTable
CREATE TABLE "ledger_accounts" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "normal_balance" "ledger_normal_balance" NOT NULL,
    "debits_must_not_exceed_credits" BOOLEAN NOT NULL DEFAULT false,
    "credits_must_not_exceed_debits" BOOLEAN NOT NULL DEFAULT false,
    "opened_event_seq" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ledger_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_entries" (
    "id" TEXT NOT NULL,
    "event_seq" BIGINT NOT NULL,
    "code" TEXT NOT NULL,
    "hold_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ledger_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_postings" (
    "id" BIGSERIAL NOT NULL,
    "entry_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "side" "ledger_side" NOT NULL,
    "kind" "ledger_posting_kind" NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "event_seq" BIGINT NOT NULL,

    CONSTRAINT "ledger_postings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_balances" (
    "account_id" TEXT NOT NULL,
    "debits_pending" BIGINT NOT NULL DEFAULT 0,
    "credits_pending" BIGINT NOT NULL DEFAULT 0,
    "debits_posted" BIGINT NOT NULL DEFAULT 0,
    "credits_posted" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ledger_balances_pkey" PRIMARY KEY ("account_id")
);

-- CreateTable
CREATE TABLE "ledger_holds" (
    "id" TEXT NOT NULL,
    "placed_entry_id" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "amount" BIGINT NOT NULL,
    "posted_amount" BIGINT,
    "status" "ledger_hold_status" NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "resolved_entry_id" TEXT,

    CONSTRAINT "ledger_holds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bus_offsets" (
    "group" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bus_offsets_pkey" PRIMARY KEY ("group","partition")
);

-- CreateTable
CREATE TABLE "bus_members" (
    "group" TEXT NOT NULL,
    "member_id" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bus_members_pkey" PRIMARY KEY ("group","member_id")
);

-- CreateTable
CREATE TABLE "bus_processed_events" (
    "group" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bus_processed_events_pkey" PRIMARY KEY ("group","event_id")
);

-- CreateTable
CREATE TABLE "bus_relay_offsets" (
    "relay" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bus_relay_offsets_pkey" PRIMARY KEY ("relay")
);

-- CreateIndex
CREATE UNIQUE INDEX "ledger_accounts_owner_code_currency_key" ON "ledger_accounts"("owner", "code", "currency");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_entries_event_seq_key" ON "ledger_entries"("event_seq");

-- CreateIndex
CREATE INDEX "ledger_postings_account_id_event_seq_idx" ON "ledger_postings"("account_id", "event_seq");

-- CreateIndex
CREATE INDEX "ledger_postings_event_seq_idx" ON "ledger_postings"("event_seq");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_holds_placed_entry_id_key" ON "ledger_holds"("placed_entry_id");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_holds_resolved_entry_id_key" ON "ledger_holds"("resolved_entry_id");

-- CreateIndex
CREATE INDEX "ledger_holds_status_expires_at_idx" ON "ledger_holds"("status", "expires_at");

-- Hand-written: guards the projections keep even if code forgets (Prisma does not model CHECKs).
ALTER TABLE "ledger_postings" ADD CONSTRAINT "ledger_postings_amount_positive" CHECK ("amount" > 0);
ALTER TABLE "ledger_holds" ADD CONSTRAINT "ledger_holds_amount_positive" CHECK ("amount" > 0);
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_currency_iso" CHECK ("currency" ~ '^[A-Z]{3}$');
