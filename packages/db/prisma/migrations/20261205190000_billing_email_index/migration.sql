-- The dashboard finds payments by the customer's email on the card's billing details too (case
-- insensitive); an expression index, which Prisma's schema cannot name.
CREATE INDEX "payment_methods_merchant_id_billing_email_idx" ON "payment_methods"("merchant_id", lower("billing_details"->>'email'));
