-- The dashboard's home page: a merchant's authorizations over a period (attempts by merchant,
-- mode, kind and time), and where a period starts in the ledger (entries by time, with their
-- position), so that only the period's postings of the merchant's accounts are read.

-- CreateIndex
CREATE INDEX "ledger_entries_created_at_event_seq_idx" ON "ledger_entries"("created_at", "event_seq");

-- CreateIndex
CREATE INDEX "payment_attempts_merchant_id_livemode_kind_created_at_idx" ON "payment_attempts"("merchant_id", "livemode", "kind", "created_at");
