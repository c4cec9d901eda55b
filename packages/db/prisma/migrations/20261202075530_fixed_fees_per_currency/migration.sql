-- Fixed fees were "30 minor units" whatever the currency (30 cents, but also 30 yen and
-- 0.030 KWD). They are now per currency: the platform's default for each currency lives in
-- code (DEFAULT_FIXED_FEES); a merchant's own is a row here.

-- CreateTable
CREATE TABLE "merchant_fixed_fees" (
    "merchant_id" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "fixed" BIGINT NOT NULL,

    CONSTRAINT "merchant_fixed_fees_pkey" PRIMARY KEY ("merchant_id","currency")
);

-- AddForeignKey
ALTER TABLE "merchant_fixed_fees" ADD CONSTRAINT "merchant_fixed_fees_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "merchant_fixed_fees"
  ADD CONSTRAINT "merchant_fixed_fees_fixed" CHECK ("fixed" >= 0),
  ADD CONSTRAINT "merchant_fixed_fees_currency" CHECK ("currency" ~ '^[A-Z]{3}$');

-- A merchant priced off the default keeps that number in the currencies it has been paid in
-- (what it was charged until now); elsewhere the per-currency default applies.
INSERT INTO "merchant_fixed_fees" ("merchant_id", "currency", "fixed")
SELECT DISTINCT m."id", p."currency", m."fee_fixed"
  FROM "merchants" m JOIN "payment_intents" p ON p."merchant_id" = m."id"
 WHERE m."fee_fixed" <> 30;

-- AlterTable
ALTER TABLE "merchants" DROP COLUMN "fee_fixed";
