-- Reconciliation (issue 14): matching rules as data, one run per file (an acquirer's settlement
-- report, a bank statement), its lines and what they matched, and the exceptions left over.

-- CreateEnum
CREATE TYPE "reconciliation_source" AS ENUM ('acquirer_report', 'bank_statement');

-- CreateEnum
CREATE TYPE "reconciliation_exception_status" AS ENUM ('open', 'resolved');

-- CreateTable
CREATE TABLE "reconciliation_rules" (
    "id" TEXT NOT NULL,
    "source" "reconciliation_source" NOT NULL,
    "priority" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "criteria" JSONB NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reconciliation_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reconciliation_runs" (
    "id" TEXT NOT NULL,
    "source" "reconciliation_source" NOT NULL,
    "day" DATE NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "lines" INTEGER NOT NULL,
    "matched" INTEGER NOT NULL,
    "exceptions" INTEGER NOT NULL,
    "totals" JSONB NOT NULL,
    "file_sha256" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reconciliation_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reconciliation_items" (
    "id" BIGSERIAL NOT NULL,
    "run_id" TEXT NOT NULL,
    "line_no" INTEGER NOT NULL,
    "reference" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "fee" BIGINT NOT NULL DEFAULT 0,
    "currency" CHAR(3) NOT NULL,
    "merchant_id" TEXT,
    "matched_object" TEXT,
    "rule_id" TEXT,
    "raw" JSONB NOT NULL,

    CONSTRAINT "reconciliation_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reconciliation_matches" (
    "object_id" TEXT NOT NULL,
    "item_id" BIGINT NOT NULL,
    "run_id" TEXT NOT NULL,

    CONSTRAINT "reconciliation_matches_pkey" PRIMARY KEY ("object_id")
);

-- CreateTable
CREATE TABLE "reconciliation_exceptions" (
    "id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "source" "reconciliation_source" NOT NULL,
    "day" DATE NOT NULL,
    "merchant_id" TEXT,
    "livemode" BOOLEAN NOT NULL,
    "kind" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "expected_amount" BIGINT,
    "actual_amount" BIGINT,
    "object_id" TEXT,
    "line_no" INTEGER,
    "description" TEXT NOT NULL,
    "status" "reconciliation_exception_status" NOT NULL DEFAULT 'open',
    "resolution_note" TEXT,
    "resolved_by" TEXT,
    "resolved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reconciliation_exceptions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "reconciliation_runs_source_day_livemode_key" ON "reconciliation_runs"("source", "day", "livemode");

-- CreateIndex
CREATE INDEX "reconciliation_items_reference_idx" ON "reconciliation_items"("reference");

-- CreateIndex
CREATE UNIQUE INDEX "reconciliation_items_run_id_line_no_key" ON "reconciliation_items"("run_id", "line_no");

-- CreateIndex
CREATE INDEX "reconciliation_exceptions_merchant_id_livemode_created_at_i_idx" ON "reconciliation_exceptions"("merchant_id", "livemode", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "reconciliation_exceptions_status_idx" ON "reconciliation_exceptions"("status");

-- Hand-written guards (Prisma does not model CHECKs).
ALTER TABLE "reconciliation_items" ADD CONSTRAINT "reconciliation_items_amount" CHECK ("amount" >= 0);
ALTER TABLE "reconciliation_exceptions" ADD CONSTRAINT "reconciliation_exceptions_kind" CHECK ("kind" IN ('unmatched_line', 'missing_line', 'amount_mismatch', 'duplicate_line'));
ALTER TABLE "reconciliation_exceptions" ADD CONSTRAINT "reconciliation_exceptions_resolution" CHECK (("status" = 'resolved') = ("resolved_at" IS NOT NULL AND "resolved_by" IS NOT NULL AND "resolution_note" IS NOT NULL));

-- The default matching rules: by reference, kind, currency and exact amount.
INSERT INTO "reconciliation_rules" ("id", "source", "priority", "description", "criteria") VALUES
  ('acquirer_exact', 'acquirer_report', 100, 'Same payment, same kind (capture or refund), same currency, same amount',
   '[{"field":"reference","operator":"equals"},{"field":"kind","operator":"equals"},{"field":"currency","operator":"equals"},{"field":"amount","operator":"equals"}]'),
  ('bank_exact', 'bank_statement', 100, 'Same payout or acquirer settlement, same direction, same currency, same amount',
   '[{"field":"reference","operator":"equals"},{"field":"kind","operator":"equals"},{"field":"currency","operator":"equals"},{"field":"amount","operator":"equals"}]');
