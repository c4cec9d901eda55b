-- AlterTable
ALTER TABLE "payment_attempts" ADD COLUMN     "client_ip" INET;

-- CreateIndex
CREATE INDEX "payment_attempts_client_ip_created_at_idx" ON "payment_attempts"("client_ip", "created_at");

-- CreateIndex
CREATE INDEX "payment_methods_vault_card_id_idx" ON "payment_methods"("vault_card_id");
