-- What the dashboard filters and joins on: a payment by its card's last 4 (payment_methods,
-- then payment_intents by payment method), by its customer's email (checkout sessions, case
-- insensitive), a payment's journal entries (ledger_events by the object they book), and the
-- webhook deliveries of an event.

-- CreateIndex
CREATE INDEX "payment_methods_merchant_id_livemode_last4_idx" ON "payment_methods"("merchant_id", "livemode", "last4");

-- CreateIndex
CREATE INDEX "payment_intents_payment_method_id_idx" ON "payment_intents"("payment_method_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_event_id_idx" ON "webhook_deliveries"("event_id");

-- Expression indexes (Prisma's schema cannot name them; the drift check leaves them be).
CREATE INDEX "checkout_sessions_merchant_id_customer_email_idx" ON "checkout_sessions"("merchant_id", lower("customer_email"));
CREATE INDEX "ledger_events_reference_idx" ON "ledger_events"((data->>'reference'));
