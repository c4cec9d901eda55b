-- Risk (issue 15): merchants' rules and lists, the fraud service's observations and amount
-- history, the assessment of each authorization attempt, and reviews.

-- AlterTable
ALTER TABLE "payment_intents" ADD COLUMN     "risk" JSONB;

-- CreateTable
CREATE TABLE "risk_settings" (
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "fallback" TEXT NOT NULL DEFAULT 'allow_and_review',
    "own_rules" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "risk_settings_pkey" PRIMARY KEY ("merchant_id","livemode")
);

-- CreateTable
CREATE TABLE "risk_rules" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "action" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "position" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "risk_rules_pkey" PRIMARY KEY ("merchant_id","livemode","id")
);

-- CreateTable
CREATE TABLE "risk_lists" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "alias" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "risk_lists_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "risk_list_items" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "list_alias" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "risk_list_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "risk_observations" (
    "attempt_id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "payment_intent_id" TEXT NOT NULL,
    "card_fingerprint" TEXT NOT NULL,
    "email" TEXT,
    "ip" INET,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "outcome" TEXT NOT NULL,
    "observed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "risk_observations_pkey" PRIMARY KEY ("attempt_id")
);

-- CreateTable
CREATE TABLE "risk_amount_days" (
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "day" DATE NOT NULL,
    "payments" BIGINT NOT NULL,
    "amount" BIGINT NOT NULL,

    CONSTRAINT "risk_amount_days_pkey" PRIMARY KEY ("merchant_id","livemode","currency","day")
);

-- CreateTable
CREATE TABLE "risk_assessments" (
    "id" TEXT NOT NULL,
    "attempt_id" TEXT NOT NULL,
    "payment_intent_id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "outcome" TEXT NOT NULL,
    "score" SMALLINT,
    "decided_by" TEXT NOT NULL,
    "fallback_reason" TEXT,
    "rule_id" TEXT,
    "rule_predicate" TEXT,
    "reasons" JSONB NOT NULL DEFAULT '[]',
    "features" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "risk_assessments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reviews" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "payment_intent_id" TEXT NOT NULL,
    "assessment_id" TEXT,
    "open" BOOLEAN NOT NULL DEFAULT true,
    "opened_reason" TEXT NOT NULL,
    "closed_reason" TEXT,
    "closed_by" TEXT,
    "closed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reviews_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "risk_rules_merchant_id_livemode_position_idx" ON "risk_rules"("merchant_id", "livemode", "position");

-- CreateIndex
CREATE UNIQUE INDEX "risk_lists_merchant_id_livemode_alias_key" ON "risk_lists"("merchant_id", "livemode", "alias");

-- CreateIndex
CREATE UNIQUE INDEX "risk_list_items_merchant_id_livemode_list_alias_value_key" ON "risk_list_items"("merchant_id", "livemode", "list_alias", "value");

-- CreateIndex
CREATE INDEX "risk_observations_merchant_id_livemode_card_fingerprint_obs_idx" ON "risk_observations"("merchant_id", "livemode", "card_fingerprint", "observed_at");

-- CreateIndex
CREATE INDEX "risk_observations_merchant_id_livemode_email_observed_at_idx" ON "risk_observations"("merchant_id", "livemode", "email", "observed_at");

-- CreateIndex
CREATE INDEX "risk_observations_merchant_id_livemode_ip_observed_at_idx" ON "risk_observations"("merchant_id", "livemode", "ip", "observed_at");

-- CreateIndex
CREATE UNIQUE INDEX "risk_assessments_attempt_id_key" ON "risk_assessments"("attempt_id");

-- CreateIndex
CREATE INDEX "risk_assessments_merchant_id_livemode_created_at_idx" ON "risk_assessments"("merchant_id", "livemode", "created_at");

-- CreateIndex
CREATE INDEX "risk_assessments_payment_intent_id_idx" ON "risk_assessments"("payment_intent_id");

-- CreateIndex
CREATE INDEX "reviews_merchant_id_livemode_created_at_id_idx" ON "reviews"("merchant_id", "livemode", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "reviews_merchant_id_livemode_open_created_at_idx" ON "reviews"("merchant_id", "livemode", "open", "created_at" DESC);

-- CreateIndex
CREATE INDEX "reviews_payment_intent_id_idx" ON "reviews"("payment_intent_id");

-- Hand-written guards (Prisma does not model CHECKs or partial indexes).
ALTER TABLE "risk_settings" ADD CONSTRAINT "risk_settings_fallback" CHECK ("fallback" IN ('allow_and_review', 'block'));
ALTER TABLE "risk_rules" ADD CONSTRAINT "risk_rules_action" CHECK ("action" IN ('request_3ds', 'allow', 'block', 'review'));
ALTER TABLE "risk_lists" ADD CONSTRAINT "risk_lists_kind" CHECK ("kind" IN ('card_fingerprint', 'email', 'ip_address', 'country', 'string'));
ALTER TABLE "risk_observations" ADD CONSTRAINT "risk_observations_outcome" CHECK ("outcome" IN ('authorized', 'declined', 'requires_action', 'failed_3ds'));
ALTER TABLE "risk_amount_days" ADD CONSTRAINT "risk_amount_days_positive" CHECK ("payments" > 0 AND "amount" >= 0);
ALTER TABLE "risk_assessments" ADD CONSTRAINT "risk_assessments_outcome" CHECK ("outcome" IN ('allow', 'review', 'block', 'request_3ds'));
ALTER TABLE "risk_assessments" ADD CONSTRAINT "risk_assessments_decided_by" CHECK (("decided_by" = 'rules' AND "fallback_reason" IS NULL AND "score" BETWEEN 0 AND 100) OR ("decided_by" = 'fallback' AND "fallback_reason" IS NOT NULL AND "score" IS NULL));
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_opened_reason" CHECK ("opened_reason" IN ('rule', 'fallback', 'manual'));
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_closed" CHECK ("open" = ("closed_reason" IS NULL AND "closed_at" IS NULL AND "closed_by" IS NULL));
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_closed_reason" CHECK ("closed_reason" IN ('approved', 'canceled', 'refunded', 'refunded_as_fraud'));
-- One open review per payment.
CREATE UNIQUE INDEX "reviews_one_open" ON "reviews"("payment_intent_id") WHERE "open";
