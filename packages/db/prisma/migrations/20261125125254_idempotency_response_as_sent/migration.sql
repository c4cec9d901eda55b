-- AlterTable
ALTER TABLE "api_idempotency_keys" ALTER COLUMN "response" SET DATA TYPE JSON;
