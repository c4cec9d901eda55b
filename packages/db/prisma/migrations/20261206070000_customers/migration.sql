-- Customers (issue 15): a merchant's customers (`cus_…`), which payments may name, so the fraud
-- service counts payments and cards per customer as it does per card, email and address.

-- AlterTable
ALTER TABLE "payment_intents" ADD COLUMN     "customer_id" TEXT;

-- AlterTable
ALTER TABLE "risk_observations" ADD COLUMN     "customer_id" TEXT;

-- CreateTable
CREATE TABLE "customers" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "email" TEXT,
    "name" TEXT,
    "phone" TEXT,
    "description" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "deleted_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "customers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "customers_merchant_id_livemode_created_at_id_idx" ON "customers"("merchant_id", "livemode", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "customers_merchant_id_livemode_email_idx" ON "customers"("merchant_id", "livemode", "email");

-- CreateIndex
CREATE INDEX "payment_intents_customer_id_created_at_id_idx" ON "payment_intents"("customer_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "risk_observations_merchant_id_livemode_customer_id_observed_idx" ON "risk_observations"("merchant_id", "livemode", "customer_id", "observed_at");

-- A deleted customer keeps its row (payments name it); its updated_at is the deletion's.
ALTER TABLE "customers" ADD CONSTRAINT "customers_metadata_object" CHECK (jsonb_typeof("metadata") = 'object');
ALTER TABLE "customers" ADD CONSTRAINT "customers_deleted_at" CHECK ("deleted_at" IS NULL OR "deleted_at" <= "updated_at");
