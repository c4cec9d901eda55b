#!/bin/sh
# Stand-in for Prisma's schema-engine binary, which cannot be downloaded on offline machines.
# `prisma generate` only checks that the binary exists; anything that really needs the engine
# fails here with a clear message. Kassa migrates with its own runner (`kassa db migrate`).
echo "Prisma's schema engine is not installed here; use 'kassa db migrate' / 'kassa db status'." >&2
exit 1
