-- CreateTable
CREATE TABLE "ledger_events" (
    "seq" BIGSERIAL NOT NULL,
    "id" TEXT NOT NULL,
    "stream" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "metadata" JSONB NOT NULL,
    "merchant_id" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_events_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "ledger_chain" (
    "position" BIGINT NOT NULL,
    "event_seq" BIGINT NOT NULL,
    "prev_hash" BYTEA NOT NULL,
    "hash" BYTEA NOT NULL,
    "sealed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_chain_pkey" PRIMARY KEY ("position")
);

-- CreateTable
CREATE TABLE "ledger_seal_queue" (
    "event_seq" BIGINT NOT NULL,

    CONSTRAINT "ledger_seal_queue_pkey" PRIMARY KEY ("event_seq")
);

-- CreateTable
CREATE TABLE "ledger_streams" (
    "stream" TEXT NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "ledger_streams_pkey" PRIMARY KEY ("stream")
);

-- CreateTable
CREATE TABLE "ledger_idempotency_keys" (
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "result" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_idempotency_keys_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "ledger_events_id_key" ON "ledger_events"("id");

-- CreateIndex
CREATE INDEX "ledger_events_merchant_id_seq_idx" ON "ledger_events"("merchant_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_events_stream_version_key" ON "ledger_events"("stream", "version");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_chain_event_seq_key" ON "ledger_chain"("event_seq");

-- AddForeignKey
ALTER TABLE "ledger_chain" ADD CONSTRAINT "ledger_chain_event_seq_fkey" FOREIGN KEY ("event_seq") REFERENCES "ledger_events"("seq") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The log is append-only: the database itself refuses to change or remove what was written.
-- (Hand-written; Prisma does not model triggers, so they do not count as drift.)
CREATE FUNCTION "ledger_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'KL001', HINT = 'Record a correcting event instead.';
END;
$$;

CREATE TRIGGER "ledger_events_append_only" BEFORE UPDATE OR DELETE ON "ledger_events"
  FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_events_no_truncate" BEFORE TRUNCATE ON "ledger_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_chain_append_only" BEFORE UPDATE OR DELETE ON "ledger_chain"
  FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_chain_no_truncate" BEFORE TRUNCATE ON "ledger_chain"
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();
