import { defineConfig } from 'prisma/config';

// Used by `prisma generate` and, on machines that have Prisma's schema engine, by
// `prisma migrate deploy`/`status`: our migration runner records migrations exactly as
// Prisma does, so both work on the same database.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
