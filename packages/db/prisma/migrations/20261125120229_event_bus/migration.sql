-- CreateTable
CREATE TABLE "bus_offsets" (
    "group" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bus_offsets_pkey" PRIMARY KEY ("group","partition")
);

-- CreateTable
CREATE TABLE "bus_members" (
    "group" TEXT NOT NULL,
    "member_id" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bus_members_pkey" PRIMARY KEY ("group","member_id")
);

-- CreateTable
CREATE TABLE "bus_processed_events" (
    "group" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bus_processed_events_pkey" PRIMARY KEY ("group","event_id")
);

-- CreateTable
CREATE TABLE "bus_relay_offsets" (
    "relay" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bus_relay_offsets_pkey" PRIMARY KEY ("relay")
);
