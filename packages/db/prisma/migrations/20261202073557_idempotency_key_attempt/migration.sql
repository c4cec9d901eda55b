-- AlterTable
ALTER TABLE "api_idempotency_keys" ADD COLUMN     "attempt_id" TEXT;
