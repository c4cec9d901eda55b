-- Risk anomaly detection (issue 15): attempts and declines per merchant and 5-minute interval,
-- and the alert episodes raised when an interval is more than 3 sigma above its baseline.

-- CreateTable
CREATE TABLE "risk_intervals" (
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "attempts" INTEGER NOT NULL,
    "declines" INTEGER NOT NULL,

    CONSTRAINT "risk_intervals_pkey" PRIMARY KEY ("merchant_id","livemode","starts_at")
);

-- CreateTable
CREATE TABLE "risk_alerts" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "kind" TEXT NOT NULL,
    "interval_at" TIMESTAMPTZ(3) NOT NULL,
    "observed" JSONB NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "risk_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "risk_alerts_merchant_id_livemode_opened_at_idx" ON "risk_alerts"("merchant_id", "livemode", "opened_at" DESC);

-- Hand-written guards (Prisma does not model CHECKs or partial indexes).
ALTER TABLE "risk_intervals" ADD CONSTRAINT "risk_intervals_counts" CHECK ("attempts" >= 0 AND "declines" >= 0 AND "declines" <= "attempts");
ALTER TABLE "risk_alerts" ADD CONSTRAINT "risk_alerts_kind" CHECK ("kind" IN ('decline_spike', 'volume_spike'));
-- One open episode per merchant, mode and kind.
CREATE UNIQUE INDEX "risk_alerts_one_open" ON "risk_alerts"("merchant_id", "livemode", "kind") WHERE "closed_at" IS NULL;
