-- Every attempt at the dashboard's sign-in procedures, refused ones included (PCI DSS 10.2.1.4,
-- 10.2.1.5): who (the account or the email given), what, when, the outcome, where from.

-- CreateTable
CREATE TABLE "auth_events" (
    "id" BIGSERIAL NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "error_code" TEXT,
    "user_id" TEXT,
    "email" TEXT,
    "origin" INET,
    "user_agent" TEXT,
    "request_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "auth_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "auth_events_user_id_id_idx" ON "auth_events"("user_id", "id");

-- CreateIndex
CREATE INDEX "auth_events_email_id_idx" ON "auth_events"("email", "id");

-- Append-only, as audit_log (PCI DSS 10.3.2).
CREATE FUNCTION auth_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'auth_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER auth_events_no_update_or_delete BEFORE UPDATE OR DELETE ON "auth_events"
  FOR EACH ROW EXECUTE FUNCTION auth_events_append_only();
CREATE TRIGGER auth_events_no_truncate BEFORE TRUNCATE ON "auth_events"
  FOR EACH STATEMENT EXECUTE FUNCTION auth_events_append_only();
