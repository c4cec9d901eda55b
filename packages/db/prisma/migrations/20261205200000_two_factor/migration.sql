-- Two-factor authentication for dashboard users (TOTP, RFC 6238, with recovery codes). The TOTP
-- secret is stored encrypted (AES-256-GCM under a key derived from KASSA_SECRET_KEY); a pending
-- one waits for its first code; the last accepted time step makes each code single-use.
-- Recovery codes are stored as HMACs under the same derived key.

-- AlterTable
ALTER TABLE "users" ADD COLUMN "totp_secret" BYTEA,
ADD COLUMN "totp_pending_secret" BYTEA,
ADD COLUMN "totp_enabled_at" TIMESTAMPTZ(3),
ADD COLUMN "totp_last_step" BIGINT;

-- CreateTable
CREATE TABLE "recovery_codes" (
    "id" BIGSERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "code_hash" TEXT NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "recovery_codes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "recovery_codes_user_id_idx" ON "recovery_codes"("user_id");

-- AddForeignKey
ALTER TABLE "recovery_codes" ADD CONSTRAINT "recovery_codes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
