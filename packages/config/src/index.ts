export { type EventBusSettings, eventBusSettings } from './bus.ts';
export { renderEnvExample } from './env-example.ts';
export {
  type Config,
  ConfigError,
  type ConfigIssue,
  loadConfig,
  loadConfigOrExit,
  loadDotEnv,
  orExit,
} from './load.ts';
export { stopWithSupervisor } from './supervisor.ts';
export { type TestClock, type TestClockMessage, testClockFromEnv } from './test-clock.ts';
export { type Variable, type VariableName, type VariableValue, variables } from './variables.ts';
export { workspaceRoot } from './workspace.ts';

/** The variables each kind of process reads. */
export const databaseVariables = [
  'DATABASE_URL',
  'DATABASE_POOL_MAX',
  'KASSA_DATA_DIR',
  'KASSA_EMBEDDED_PG_PORT',
] as const;

/** The event bus: which transport, and Kafka's settings when it is Kafka. */
export const busVariables = [
  'KASSA_BUS',
  'KAFKA_BROKERS',
  'KAFKA_TOPIC',
  'KAFKA_PARTITIONS',
  'KAFKA_REPLICATION_FACTOR',
  'KAFKA_MIN_INSYNC_REPLICAS',
] as const;

export const apiVariables = [
  'NODE_ENV',
  'LOG_LEVEL',
  ...databaseVariables,
  'API_HOST',
  'API_PORT',
  'API_SHUTDOWN_GRACE_MS',
  'KASSA_SECRET_KEY',
  'KASSA_SECRET_KEY_PREVIOUS',
  'KASSA_ACCEPT_PRE_HKDF_KEYS',
  'NEXTAUTH_SECRET',
  'KASSA_VAULT_KEYS',
  'KASSA_VAULT_FINGERPRINT_KEY',
  'API_PUBLIC_URL',
  'API_TRUST_PROXY',
  'CHECKOUT_URL',
  'DASHBOARD_URL',
  'SMTP_URL',
  'MAIL_FROM',
  'API_RATE_LIMIT',
  'API_AUTH_RATE_LIMIT',
  'CARD_TESTING_PER_PAYMENT',
  'CARD_TESTING_PER_CHECKOUT',
  'CARD_TESTING_PER_CARD',
  'CARD_TESTING_PER_CLIENT',
  'CARD_TESTING_WINDOW_MS',
  'ACQUIRER_URL',
  'ACQUIRER_API_KEY',
  'ACQUIRER_LIVE_URL',
  'ACQUIRER_LIVE_API_KEY',
  'ACQUIRER_TIMEOUT_MS',
  'ACQUIRER_RETRIES',
  'ACQUIRER_BREAKER_THRESHOLD',
  'ACQUIRER_BREAKER_HALF_OPEN_MS',
  'ACQUIRER_MAX_CONCURRENT',
  'FRAUD_URL',
  'FRAUD_API_KEY',
  'FRAUD_TIMEOUT_MS',
  'FRAUD_BREAKER_THRESHOLD',
  'FRAUD_BREAKER_HALF_OPEN_MS',
  'FRAUD_MAX_CONCURRENT',
  'FILES_DIR',
  'SETTLEMENT_CUTOFF',
  'KASSA_TEST_CLOCK',
  ...busVariables,
] as const;

export const settlementWorkerVariables = [
  'NODE_ENV',
  'LOG_LEVEL',
  ...databaseVariables,
  'SETTLEMENT_HOST',
  'SETTLEMENT_PORT',
  'SETTLEMENT_CUTOFF',
  'KASSA_VAULT_KEYS',
  'KASSA_VAULT_FINGERPRINT_KEY',
  'ACQUIRER_URL',
  'ACQUIRER_API_KEY',
  'ACQUIRER_TIMEOUT_MS',
  'SETTLEMENT_POLL_MS',
  'KASSA_TEST_CLOCK',
  ...busVariables,
] as const;

export const fraudServiceVariables = [
  'NODE_ENV',
  'LOG_LEVEL',
  ...databaseVariables,
  'FRAUD_HOST',
  'FRAUD_PORT',
  'FRAUD_API_KEY',
  'RISK_USD_RATES',
  'RISK_GEOIP_FILE',
  'KASSA_TEST_CLOCK',
  ...busVariables,
] as const;

export const acquirerSimVariables = [
  'NODE_ENV',
  'LOG_LEVEL',
  ...databaseVariables,
  'ACQUIRER_HOST',
  'ACQUIRER_PORT',
  'ACQUIRER_PUBLIC_URL',
  'ACQUIRER_API_KEY',
  'ACQUIRER_LATENCY_MS',
  'ACQUIRER_FAULT_RATE',
  'ACQUIRER_LOST_RESPONSE_RATE',
  'BANK_SETTLE_DELAY_MS',
] as const;

export const vaultVariables = [
  ...databaseVariables,
  'KASSA_VAULT_KEYS',
  'KASSA_VAULT_FINGERPRINT_KEY',
] as const;

export const webhooksWorkerVariables = [
  'NODE_ENV',
  'LOG_LEVEL',
  ...databaseVariables,
  'KASSA_SECRET_KEY',
  'KASSA_SECRET_KEY_PREVIOUS',
  'KASSA_ACCEPT_PRE_HKDF_KEYS',
  'WEBHOOK_TIMEOUT_MS',
  'WEBHOOK_MAX_ATTEMPTS',
  'WEBHOOK_RETRY_BASE_MS',
  'WEBHOOK_RETRY_CAP_MS',
  'WEBHOOK_CONCURRENCY',
  'WEBHOOK_ALLOW_PRIVATE_HOSTS',
  ...busVariables,
] as const;
