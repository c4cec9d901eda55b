export {
  derivedPublishableKey,
  hashApiKey,
  type IssuedApiKey,
  isDerivedPublishableKey,
  issueApiKey,
  newApiKey,
  type RevokedApiKey,
  revokeApiKey,
} from './api-keys.ts';
export {
  createDatabaseClients,
  type DatabaseClientOptions,
  type DatabaseClients,
} from './client.ts';
export { type EmbeddedPostgres, EmbeddedPostgresError, startEmbeddedPostgres } from './embedded.ts';
export * from './errors.ts';
export type {
  ApiKey,
  Membership,
  Merchant,
  PrismaClient,
  User,
} from './generated/prisma/client.ts';
export { createMigration } from './migrations/create.ts';
export { checksumOf, type MigrationFile, readMigrations } from './migrations/files.ts';
export {
  type MigrationState,
  type MigrationStatus,
  migrate,
  migrationStatus,
  PRISMA_ADVISORY_LOCK_KEY,
} from './migrations/runner.ts';
export {
  diffDatabaseToSchema,
  type SchemaDiff,
  withSchemaEngine,
} from './migrations/schema-engine.ts';
export {
  createDatabaseIfMissing,
  type DatabaseTarget,
  EMBEDDED_DATABASE_NAME,
  resolveDatabase,
} from './open.ts';
export { migrationsDir, schemaPath } from './paths.ts';
export { writePrivateFile } from './private-file.ts';
export type * from './rows.ts';
export { assignments, placeholders } from './rows.ts';
export { DEMO_OWNER_EMAIL, type DemoSeed, seedDemoMerchant } from './seed.ts';
export { type Queryable, query } from './sql.ts';
export { type Transaction, withTransaction } from './transaction.ts';
