-- CreateTable
CREATE TABLE "bus_dead_letters" (
    "id" BIGSERIAL NOT NULL,
    "group" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "partition_key" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "error" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'dead',
    "dead_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retried_at" TIMESTAMPTZ(3),

    CONSTRAINT "bus_dead_letters_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "bus_dead_letters_group_status_idx" ON "bus_dead_letters"("group", "status");

-- CreateIndex
CREATE UNIQUE INDEX "bus_dead_letters_group_event_id_key" ON "bus_dead_letters"("group", "event_id");

-- Hand-written: the statuses a dead letter can have, and sane counters.
ALTER TABLE "bus_dead_letters"
  ADD CONSTRAINT "bus_dead_letters_status_check"
    CHECK ("status" IN ('dead', 'retry_requested', 'retrying', 'delivered')),
  ADD CONSTRAINT "bus_dead_letters_attempts_check" CHECK ("attempts" > 0);
