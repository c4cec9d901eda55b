-- A rolled API key keeps working until expires_at (so the merchant can deploy the new one), then
-- stops as if revoked. Null: no expiry.

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN "expires_at" TIMESTAMPTZ(3);
