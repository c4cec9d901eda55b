-- CreateTable
CREATE TABLE "vault_cards" (
    "id" TEXT NOT NULL,
    "fingerprint" BYTEA NOT NULL,
    "key_id" TEXT NOT NULL,
    "data_key" BYTEA NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rewrapped_at" TIMESTAMPTZ(3),

    CONSTRAINT "vault_cards_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment_methods" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "type" TEXT NOT NULL,
    "vault_card_id" TEXT NOT NULL,
    "brand" TEXT NOT NULL,
    "last4" CHAR(4) NOT NULL,
    "exp_month" SMALLINT NOT NULL,
    "exp_year" SMALLINT NOT NULL,
    "funding" TEXT NOT NULL,
    "country" CHAR(2),
    "fingerprint" TEXT NOT NULL,
    "billing_details" JSONB NOT NULL DEFAULT '{}',
    "payment_intent_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_methods_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "vault_cards_fingerprint_key" ON "vault_cards"("fingerprint");

-- CreateIndex
CREATE INDEX "vault_cards_key_id_idx" ON "vault_cards"("key_id");

-- CreateIndex
CREATE INDEX "payment_methods_merchant_id_livemode_created_at_id_idx" ON "payment_methods"("merchant_id", "livemode", "created_at" DESC, "id" DESC);

-- Hand-written: what the data must look like, whatever writes it.
ALTER TABLE "vault_cards"
  ADD CONSTRAINT "vault_cards_fingerprint_length" CHECK (length("fingerprint") = 32),
  ADD CONSTRAINT "vault_cards_data_key_length" CHECK (length("data_key") = 12 + 32 + 16),
  ADD CONSTRAINT "vault_cards_ciphertext_length" CHECK (length("ciphertext") BETWEEN 12 + 12 + 16 AND 12 + 19 + 16);

ALTER TABLE "payment_methods"
  ADD CONSTRAINT "payment_methods_type" CHECK ("type" = 'card'),
  ADD CONSTRAINT "payment_methods_last4" CHECK ("last4" ~ '^[0-9]{4}$'),
  ADD CONSTRAINT "payment_methods_exp_month" CHECK ("exp_month" BETWEEN 1 AND 12),
  ADD CONSTRAINT "payment_methods_exp_year" CHECK ("exp_year" BETWEEN 2000 AND 2100);
