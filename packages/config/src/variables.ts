import { resolve } from 'node:path';
import { z } from 'zod';
import { workspaceRoot } from './workspace.ts';

/**
 * Every environment variable Kassa reads, in one place. `.env.example` is rendered from this
 * table (a test keeps them equal), so a variable cannot exist without its documentation.
 */
export interface Variable<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** What the variable does, one line; becomes the comment in .env.example. */
  description: string;
  /** What a valid value looks like; quoted in the start-up error. */
  expected: string;
  /** The line written to .env.example (commented out when the default is fine). */
  example: string;
  /** Never echo the value back in an error. */
  secret?: boolean;
}

const port = z.coerce.number().int().min(1).max(65535);
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });

function variable<S extends z.ZodType>(v: Variable<S>): Variable<S> {
  return v;
}

/** A comma-separated list (unset: empty), each item trimmed, then `normalize`d; blanks dropped. */
function commaList(normalize: (item: string) => string) {
  return z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((item) => normalize(item.trim()))
        .filter((item) => item !== ''),
    );
}

export const variables = {
  NODE_ENV: variable({
    schema: z.enum(['development', 'test', 'production']).default('development'),
    description: 'Runtime mode.',
    expected: 'one of development, test, production',
    example: '# NODE_ENV=development',
  }),
  LOG_LEVEL: variable({
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    description: 'Minimum level of the JSON logs every process writes.',
    expected: 'one of fatal, error, warn, info, debug, trace, silent',
    example: '# LOG_LEVEL=info',
  }),
  DATABASE_URL: variable({
    schema: postgresUrl.optional(),
    description:
      'PostgreSQL to use. Unset: Kassa starts its embedded PostgreSQL under KASSA_DATA_DIR.',
    expected: 'a postgres:// or postgresql:// URL, e.g. postgresql://user:pass@host:5432/kassa',
    example: '# DATABASE_URL=postgresql://kassa:secret@localhost:5432/kassa',
    secret: true,
  }),
  DATABASE_POOL_MAX: variable({
    schema: z.coerce.number().int().min(1).max(500).default(10),
    description: 'Largest number of connections each process opens to PostgreSQL.',
    expected: 'an integer from 1 to 500',
    example: '# DATABASE_POOL_MAX=10',
  }),
  KASSA_DATA_DIR: variable({
    schema: z
      .string()
      .min(1)
      .default('.kassa')
      .transform((path) => resolve(workspaceRoot(), path)),
    description: 'Folder for local state: the embedded database, saved demo keys. Git-ignored.',
    expected: 'a folder path (relative paths start at the repository root)',
    example: '# KASSA_DATA_DIR=./.kassa',
  }),
  KASSA_BUS: variable({
    schema: z.enum(['postgres', 'kafka']).default('postgres'),
    description:
      'The event bus: postgres (consumers read the ledger log in PostgreSQL) or kafka (the API relays the log to a Kafka topic that the workers consume; see docs/bus.md).',
    expected: 'postgres or kafka',
    example: '# KASSA_BUS=postgres',
  }),
  KAFKA_BROKERS: variable({
    schema: commaList((broker) => broker).pipe(
      z.array(z.string().regex(/^[A-Za-z0-9._-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/)),
    ),
    description:
      'Kafka bootstrap servers (host:port, comma-separated); required with KASSA_BUS=kafka. Under `kassa dev --bus kafka` the embedded broker is used.',
    expected: 'host:port pairs separated by commas, e.g. kafka-1:9092,kafka-2:9092',
    example: '# KAFKA_BROKERS=kafka-1:9092,kafka-2:9092,kafka-3:9092',
  }),
  KAFKA_TOPIC: variable({
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,249}$/)
      .default('kassa.ledger.events'),
    description: 'The topic the ledger log is relayed to (created by Kassa if missing).',
    expected: 'a Kafka topic name: letters, digits, ".", "_" or "-", at most 249 characters',
    example: '# KAFKA_TOPIC=kassa.ledger.events',
  }),
  KAFKA_PARTITIONS: variable({
    schema: z.coerce.number().int().min(1).max(10_000).default(64),
    description:
      'Partitions of the topic when Kassa creates it: the most consumers of one group that can work at once (docs/bus.md sizes it; adding partitions later moves merchants to other partitions).',
    expected: 'an integer from 1 to 10000',
    example: '# KAFKA_PARTITIONS=64',
  }),
  KAFKA_REPLICATION_FACTOR: variable({
    schema: z.coerce.number().int().min(1).max(10).default(3),
    description:
      'Replicas of each partition when Kassa creates the topic: 3 in production (one single test broker: 1).',
    expected: 'an integer from 1 to 10',
    example: '# KAFKA_REPLICATION_FACTOR=3',
  }),
  KAFKA_MIN_INSYNC_REPLICAS: variable({
    schema: z.coerce.number().int().min(1).max(10).default(2),
    description:
      "The topic's min.insync.replicas: with acks=all, a write succeeds only once this many replicas have it (2 of 3 in production).",
    expected: 'an integer from 1 to 10, at most KAFKA_REPLICATION_FACTOR',
    example: '# KAFKA_MIN_INSYNC_REPLICAS=2',
  }),
  KASSA_EMBEDDED_KAFKA_PORT: variable({
    schema: port.default(19092),
    description:
      'Port of the Kafka broker `kassa dev --bus kafka` starts (its controller listens on the next port).',
    expected: 'an integer port from 1 to 65534',
    example: '# KASSA_EMBEDDED_KAFKA_PORT=19092',
  }),
  KASSA_EMBEDDED_PG_PORT: variable({
    schema: port.default(15432),
    // Below Linux's ephemeral range (32768-60999): a client probing a port in that range before
    // the server listens can be handed that very port as its own and connect to itself, which
    // then blocks the server from binding it for a minute.
    description: 'Port of the embedded PostgreSQL (only used when DATABASE_URL is unset).',
    expected: 'an integer port from 1 to 65535',
    example: '# KASSA_EMBEDDED_PG_PORT=15432',
  }),
  API_HOST: variable({
    schema: z.string().min(1).default('127.0.0.1'),
    description: 'Interface the API listens on (0.0.0.0 to accept remote connections).',
    expected: 'a host name or IP address',
    example: '# API_HOST=127.0.0.1',
  }),
  API_PORT: variable({
    schema: port.default(4000),
    description: 'Port the API listens on.',
    expected: 'an integer port from 1 to 65535',
    example: '# API_PORT=4000',
  }),
  KASSA_SECRET_KEY: variable({
    schema: z.string().min(32),
    description:
      'Root secret of the platform: a key per purpose is derived from it (HKDF) for client secrets, webhook signing secrets and Idempotency-Key request hashes. Changing it changes all of them: rotate it as docs/security.md says. `kassa dev` generates one into KASSA_DATA_DIR.',
    expected: 'a random string of at least 32 characters, e.g. `openssl rand -base64 48`',
    example: '# KASSA_SECRET_KEY=change-me-to-at-least-32-random-characters',
    secret: true,
  }),
  KASSA_SECRET_KEY_PREVIOUS: variable({
    schema: z.string().min(32).optional(),
    description:
      'While KASSA_SECRET_KEY is rotated: the previous root. Client secrets and Idempotency-Key requests made under it are still accepted and webhooks are signed under both roots; nothing new is issued under it. Unset it when the grace period ends (docs/security.md).',
    expected: 'the previous KASSA_SECRET_KEY (at least 32 characters), or unset',
    example: '# KASSA_SECRET_KEY_PREVIOUS=the-previous-KASSA_SECRET_KEY-during-a-rotation',
    secret: true,
  }),
  KASSA_ACCEPT_PRE_HKDF_KEYS: variable({
    schema: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
    description:
      'While upgrading from a Kassa that derived its keys without HKDF (before 2026-12-02): `true` still accepts the client secrets and Idempotency-Key request hashes it issued and signs webhooks under its endpoint secrets too, so nothing breaks at the upgrade; nothing new is issued under it. Unset it when the grace period ends; it cannot be set together with KASSA_SECRET_KEY_PREVIOUS (docs/security.md).',
    expected: '`true` or `false`',
    example: '# KASSA_ACCEPT_PRE_HKDF_KEYS=false',
  }),
  NEXTAUTH_SECRET: variable({
    schema: z.string().min(32),
    description:
      'Secret the dashboard (next-auth) encrypts its session cookies with; the API decrypts them with the same value to authenticate dashboard requests. Changing it signs everyone out. `kassa dev` generates one into KASSA_DATA_DIR.',
    expected: 'a random string of at least 32 characters, e.g. `openssl rand -base64 48`',
    example: '# NEXTAUTH_SECRET=change-me-to-at-least-32-random-characters',
    secret: true,
  }),
  KASSA_VAULT_KEYS: variable({
    schema: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9_-]{0,31}:[A-Za-z0-9+/]{43}=(,[a-z0-9][a-z0-9_-]{0,31}:[A-Za-z0-9+/]{43}=)*$/,
      ),
    description:
      'Master keys of the card vault, `<id>:<base64 of 32 bytes>`, comma-separated. The first wraps new cards; the others only unwrap until `kassa vault rotate-key` has re-wrapped every card under the first. `kassa dev` generates one into KASSA_DATA_DIR.',
    expected:
      'one or more `<id>:<base64 of 32 random bytes>` separated by commas, e.g. from `kassa vault new-key`',
    example: '# KASSA_VAULT_KEYS=k2026a:<base64 of 32 random bytes>',
    secret: true,
  }),
  KASSA_VAULT_FINGERPRINT_KEY: variable({
    schema: z.string().min(32),
    description:
      'Key of the HMAC that fingerprints card numbers (the same card is stored once and has one fingerprint). Never change it: fingerprints would no longer match. `kassa dev` generates one into KASSA_DATA_DIR.',
    expected: 'a random string of at least 32 characters, e.g. `openssl rand -base64 48`',
    example: '# KASSA_VAULT_FINGERPRINT_KEY=change-me-to-at-least-32-random-characters',
    secret: true,
  }),
  API_TRUST_PROXY: variable({
    schema: z
      .string()
      .default('')
      .transform((value) =>
        value === '' || value === 'false'
          ? false
          : value === 'true'
            ? true
            : /^\d+$/.test(value)
              ? Number(value)
              : value.split(',').map((s) => s.trim()),
      ),
    description:
      "Which proxies to believe about the client address (X-Forwarded-For): empty (none, the default, for an API reached directly), `true` (any: only behind a proxy that always sets it), a number of hops, or the proxies' addresses/CIDRs, comma-separated. Rate limits and card-testing limits count per client address.",
    expected: 'empty, true, a number, or comma-separated addresses',
    example: '# API_TRUST_PROXY=10.0.0.0/8',
  }),
  API_PUBLIC_URL: variable({
    schema: z.url({ protocol: /^https?$/ }).optional(),
    description:
      'Where browsers reach the API (3-D Secure returns land here). Unset: http://API_HOST:API_PORT.',
    expected: 'an http:// or https:// URL, e.g. https://api.pay.example.com',
    example: '# API_PUBLIC_URL=http://127.0.0.1:4000',
  }),
  CHECKOUT_URL: variable({
    schema: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3000'),
    description:
      'Where shoppers reach the hosted checkout: checkout sessions send them to CHECKOUT_URL/pay/<session id>.',
    expected: 'an http:// or https:// URL, e.g. https://pay.example.com',
    example: '# CHECKOUT_URL=http://127.0.0.1:3000',
  }),
  DASHBOARD_URL: variable({
    schema: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3001'),
    description:
      'Where merchants reach the dashboard (NEXTAUTH_URL of its sign-in; https makes its session cookie __Secure-).',
    expected: 'an http:// or https:// URL, e.g. https://dashboard.example.com',
    example: '# DASHBOARD_URL=http://127.0.0.1:3001',
  }),
  SMTP_URL: variable({
    schema: z.url({ protocol: /^smtps?$/ }).optional(),
    description:
      'The SMTP server dashboard emails (team invitations, password resets) are sent through, as nodemailer reads it: `smtps://user:pass@host:465`, or `smtp://…:587` (STARTTLS when offered; add `?requireTLS=true` to insist). Unset: the API writes each email, links included, to its log instead (development only: the links are credentials). The API warns at start when unset in production.',
    expected: 'an smtp:// or smtps:// URL',
    example: '# SMTP_URL=smtps://kassa:password@smtp.example.com:465',
    secret: true,
  }),
  MAIL_FROM: variable({
    schema: z.string().min(3).max(200).default('Kassa <no-reply@kassa.localhost>'),
    description: 'The From of the emails the dashboard sends.',
    expected: 'an address, optionally with a name: `Kassa <no-reply@example.com>`',
    example: '# MAIL_FROM=Kassa <no-reply@kassa.localhost>',
  }),
  ACQUIRER_URL: variable({
    schema: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:4100'),
    description:
      'Base URL of the acquirer the API authorizes cards with (the simulator by default).',
    expected: 'an http:// or https:// URL',
    example: '# ACQUIRER_URL=http://127.0.0.1:4100',
  }),
  ACQUIRER_API_KEY: variable({
    schema: z.string().min(32),
    description:
      'Shared secret the API presents to the acquirer and the simulator checks. `kassa dev` generates one into KASSA_DATA_DIR.',
    expected: 'a random string of at least 32 characters',
    example: '# ACQUIRER_API_KEY=change-me-to-at-least-32-random-characters',
    secret: true,
  }),
  ACQUIRER_LIVE_URL: variable({
    schema: z.url({ protocol: /^https?$/ }).optional(),
    description:
      'Base URL of the live acquirer connector: live-mode payments (sk_live_/pk_live_ keys) go there, and only there. Test mode always goes to ACQUIRER_URL (the simulator). Unset: live payments are refused (503 live_acquirer_not_configured).',
    expected: 'an http:// or https:// URL',
    example: '# ACQUIRER_LIVE_URL=https://connector.example.com',
  }),
  ACQUIRER_LIVE_API_KEY: variable({
    schema: z.string().min(32).optional(),
    description:
      'The secret the API presents to the live connector. Required with ACQUIRER_LIVE_URL.',
    expected: 'a random string of at least 32 characters',
    example: '# ACQUIRER_LIVE_API_KEY=',
    secret: true,
  }),
  ACQUIRER_TIMEOUT_MS: variable({
    schema: z.coerce.number().int().min(50).max(60_000).default(3_000),
    description:
      'How long one call to the acquirer may take before it is abandoned (and retried with the same acquirer idempotency key).',
    expected: 'milliseconds, an integer from 50 to 60000',
    example: '# ACQUIRER_TIMEOUT_MS=3000',
  }),
  ACQUIRER_RETRIES: variable({
    schema: z.coerce.number().int().min(0).max(10).default(2),
    description: 'Retries of a failed acquirer call (same acquirer key, exponential backoff).',
    expected: 'an integer from 0 to 10',
    example: '# ACQUIRER_RETRIES=2',
  }),
  ACQUIRER_BREAKER_THRESHOLD: variable({
    schema: z.coerce.number().int().min(1).max(1000).default(5),
    description:
      'Consecutive failed acquirer calls that open the circuit breaker (confirm then fails fast, moving no money).',
    expected: 'an integer from 1 to 1000',
    example: '# ACQUIRER_BREAKER_THRESHOLD=5',
  }),
  ACQUIRER_BREAKER_HALF_OPEN_MS: variable({
    schema: z.coerce.number().int().min(10).max(600_000).default(10_000),
    description: 'How long the breaker stays open before one trial call may go through.',
    expected: 'milliseconds, an integer from 10 to 600000',
    example: '# ACQUIRER_BREAKER_HALF_OPEN_MS=10000',
  }),
  ACQUIRER_MAX_CONCURRENT: variable({
    schema: z.coerce.number().int().min(1).max(10_000).default(256),
    description:
      'Bulkhead: acquirer calls in flight at once per API process; as many more may queue, the rest fail fast.',
    expected: 'an integer from 1 to 10000',
    example: '# ACQUIRER_MAX_CONCURRENT=256',
  }),
  ACQUIRER_HOST: variable({
    schema: z.string().min(1).default('127.0.0.1'),
    description: 'Interface the acquirer simulator listens on.',
    expected: 'a host name or IP address',
    example: '# ACQUIRER_HOST=127.0.0.1',
  }),
  ACQUIRER_PORT: variable({
    schema: port.default(4100),
    description: 'Port the acquirer simulator listens on.',
    expected: 'an integer port from 1 to 65535',
    example: '# ACQUIRER_PORT=4100',
  }),
  ACQUIRER_PUBLIC_URL: variable({
    schema: z.url({ protocol: /^https?$/ }).optional(),
    description:
      "Where browsers reach the simulator's 3-D Secure challenge page. Unset: http://ACQUIRER_HOST:ACQUIRER_PORT.",
    expected: 'an http:// or https:// URL',
    example: '# ACQUIRER_PUBLIC_URL=http://127.0.0.1:4100',
  }),
  ACQUIRER_LATENCY_MS: variable({
    schema: z
      .string()
      .regex(/^\d{1,5}(-\d{1,5})?$/)
      .default('0'),
    description:
      'Simulator: added latency per request, a fixed number or a `min-max` range (uniformly random).',
    expected: 'milliseconds, e.g. 20 or 5-50',
    example: '# ACQUIRER_LATENCY_MS=0',
  }),
  ACQUIRER_FAULT_RATE: variable({
    schema: z.coerce.number().min(0).max(1).default(0),
    description:
      'Simulator: share of requests answered 503 before anything happens (random faults).',
    expected: 'a number from 0 to 1',
    example: '# ACQUIRER_FAULT_RATE=0',
  }),
  ACQUIRER_LOST_RESPONSE_RATE: variable({
    schema: z.coerce.number().min(0).max(1).default(0),
    description:
      'Simulator: share of requests processed and committed whose response is then lost (connection dropped).',
    expected: 'a number from 0 to 1',
    example: '# ACQUIRER_LOST_RESPONSE_RATE=0',
  }),
  API_AUTH_RATE_LIMIT: variable({
    schema: z.coerce.number().int().min(1).max(1_000_000).default(30),
    description:
      "Calls a minute of the dashboard's sign-in procedures (auth.*: sign-in, sign-up, invitations, password reset) per client address, beside API_RATE_LIMIT. Behind the dashboard the address is the browser's only when API_TRUST_PROXY trusts the dashboard's X-Forwarded-For.",
    expected: 'an integer from 1 to 1000000',
    example: '# API_AUTH_RATE_LIMIT=30',
  }),
  API_RATE_LIMIT: variable({
    schema: z.coerce.number().int().min(1).max(1_000_000).default(200),
    description:
      'Requests per second each API key (or, without one, each client address) may make to one API process; beyond it, 429 with Retry-After.',
    expected: 'an integer from 1 to 1000000',
    example: '# API_RATE_LIMIT=200',
  }),
  CARD_TESTING_PER_PAYMENT: variable({
    schema: z.coerce.number().int().min(1).max(1_000).default(10),
    description:
      "Card testing: failed authorizations a payment may have, confirmed from the merchant's server, before further confirms are refused (429 payment_attempts_exceeded, before the acquirer is asked).",
    expected: 'an integer from 1 to 1000',
    example: '# CARD_TESTING_PER_PAYMENT=10',
  }),
  CARD_TESTING_PER_CHECKOUT: variable({
    schema: z.coerce.number().int().min(1).max(1_000).default(3),
    description:
      'Card testing: failed authorizations a payment may have through the hosted checkout (its checkout session locks with it).',
    expected: 'an integer from 1 to 1000',
    example: '# CARD_TESTING_PER_CHECKOUT=3',
  }),
  CARD_TESTING_PER_CARD: variable({
    schema: z.coerce.number().int().min(1).max(1_000).default(5),
    description:
      "Card testing: failed authorizations one card (the vault's, the same at every merchant) may have in CARD_TESTING_WINDOW_MS.",
    expected: 'an integer from 1 to 1000',
    example: '# CARD_TESTING_PER_CARD=5',
  }),
  CARD_TESTING_PER_CLIENT: variable({
    schema: z.coerce.number().int().min(1).max(100_000).default(10),
    description:
      'Card testing: failed authorizations through the hosted checkout from one client address (as API_TRUST_PROXY reads it) in CARD_TESTING_WINDOW_MS.',
    expected: 'an integer from 1 to 100000',
    example: '# CARD_TESTING_PER_CLIENT=10',
  }),
  CARD_TESTING_WINDOW_MS: variable({
    schema: z.coerce
      .number()
      .int()
      .min(60_000)
      .max(7 * 86_400_000)
      .default(3_600_000),
    description: 'Card testing: the window the per-card and per-client counts look back over.',
    expected: 'milliseconds, an integer from 60000 (a minute) to 604800000 (a week)',
    example: '# CARD_TESTING_WINDOW_MS=3600000',
  }),
  API_SHUTDOWN_GRACE_MS: variable({
    schema: z.coerce.number().int().min(0).max(600_000).default(10_000),
    description: 'On SIGTERM, how long in-flight requests may run before the API exits anyway.',
    expected: 'milliseconds, an integer from 0 to 600000',
    example: '# API_SHUTDOWN_GRACE_MS=10000',
  }),
  WEBHOOK_TIMEOUT_MS: variable({
    schema: z.coerce.number().int().min(100).max(60_000).default(10_000),
    description:
      'Webhooks worker: how long an endpoint has to answer a delivery before the attempt counts as failed.',
    expected: 'milliseconds, an integer from 100 to 60000',
    example: '# WEBHOOK_TIMEOUT_MS=10000',
  }),
  WEBHOOK_MAX_ATTEMPTS: variable({
    schema: z.coerce.number().int().min(1).max(50).default(16),
    description:
      'Webhooks worker: attempts per delivery before it is dead-lettered (with the default backoff, about a day and a half).',
    expected: 'an integer from 1 to 50',
    example: '# WEBHOOK_MAX_ATTEMPTS=16',
  }),
  WEBHOOK_RETRY_BASE_MS: variable({
    schema: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
    description:
      'Webhooks worker: the wait after the first failed attempt; it doubles with each failure (with jitter) up to WEBHOOK_RETRY_CAP_MS.',
    expected: 'milliseconds, an integer from 10 to 3600000',
    example: '# WEBHOOK_RETRY_BASE_MS=10000',
  }),
  WEBHOOK_RETRY_CAP_MS: variable({
    schema: z.coerce.number().int().min(10).max(86_400_000).default(21_600_000),
    description: 'Webhooks worker: the longest wait between two attempts of a delivery.',
    expected: 'milliseconds, an integer from 10 to 86400000',
    example: '# WEBHOOK_RETRY_CAP_MS=21600000',
  }),
  WEBHOOK_CONCURRENCY: variable({
    schema: z.coerce.number().int().min(1).max(1000).default(20),
    description: 'Webhooks worker: deliveries each worker process sends at the same time.',
    expected: 'an integer from 1 to 1000',
    example: '# WEBHOOK_CONCURRENCY=20',
  }),
  WEBHOOK_ALLOW_PRIVATE_HOSTS: variable({
    // Deliveries go only to public addresses (SSRF); tests and local development deliver to
    // receivers on this machine, so they name those hosts here explicitly.
    schema: commaList((host) => host.toLowerCase().replace(/^\[(.*)\]$/, '$1')).pipe(
      z.array(z.union([z.ipv4(), z.ipv6(), z.hostname()])),
    ),
    description:
      'Webhooks worker: endpoint hosts (names or addresses, comma-separated) that may be delivered to although they are or resolve to loopback or private addresses; for local development only. Unset: every endpoint must resolve to public addresses only.',
    expected: 'host names or IP addresses separated by commas, e.g. localhost,127.0.0.1',
    example: '# WEBHOOK_ALLOW_PRIVATE_HOSTS=localhost,127.0.0.1',
  }),
  BANK_SETTLE_DELAY_MS: variable({
    schema: z.coerce.number().int().min(0).max(86_400_000).default(10_000),
    description:
      "Acquirer simulator's bank: how long after it receives a payout it decides it (paid, or failed for the test account numbers in apps/acquirer-sim/README.md).",
    expected: 'an integer number of milliseconds from 0 to 86400000',
    example: '# BANK_SETTLE_DELAY_MS=10000',
  }),
  SETTLEMENT_POLL_MS: variable({
    schema: z.coerce.number().int().min(10).max(3_600_000).default(2_000),
    description:
      'Settlement worker: how often it looks for payouts to send to the bank and transfers to check.',
    expected: 'an integer number of milliseconds from 10 to 3600000',
    example: '# SETTLEMENT_POLL_MS=2000',
  }),
  FRAUD_URL: variable({
    schema: z.url({ protocol: /^https?$/ }).optional(),
    description:
      'API: base URL of the fraud service, asked for a risk decision on every confirmation before the acquirer (docs/risk.md). Unset: payments are not scored (payment_intent.risk is null). `kassa dev` starts the service and sets it.',
    expected: 'an http:// or https:// URL, e.g. http://127.0.0.1:4300',
    example: '# FRAUD_URL=http://127.0.0.1:4300',
  }),
  FRAUD_API_KEY: variable({
    schema: z.string().min(32).optional(),
    description:
      'Shared secret the API presents to the fraud service and the service checks. Required by the service, and by the API with FRAUD_URL. `kassa dev` generates one into KASSA_DATA_DIR.',
    expected: 'a random string of at least 32 characters',
    example: '# FRAUD_API_KEY=change-me-to-at-least-32-random-characters',
    secret: true,
  }),
  FRAUD_TIMEOUT_MS: variable({
    schema: z.coerce.number().int().min(10).max(10_000).default(300),
    description:
      "API: how long a confirmation waits for the fraud service's decision before the merchant's fallback decides (never retried).",
    expected: 'milliseconds, an integer from 10 to 10000',
    example: '# FRAUD_TIMEOUT_MS=300',
  }),
  FRAUD_BREAKER_THRESHOLD: variable({
    schema: z.coerce.number().int().min(1).max(1000).default(5),
    description:
      'API: failed scoring calls in a row after which the fraud service is not asked (the fallback decides at once) for FRAUD_BREAKER_HALF_OPEN_MS.',
    expected: 'an integer from 1 to 1000',
    example: '# FRAUD_BREAKER_THRESHOLD=5',
  }),
  FRAUD_BREAKER_HALF_OPEN_MS: variable({
    schema: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
    description: 'API: how long the fraud service breaker stays open before one trial call.',
    expected: 'milliseconds, an integer from 10 to 3600000',
    example: '# FRAUD_BREAKER_HALF_OPEN_MS=5000',
  }),
  FRAUD_MAX_CONCURRENT: variable({
    schema: z.coerce.number().int().min(1).max(10_000).default(128),
    description:
      "API: scoring calls in flight at once (as many may wait); beyond that the merchant's fallback decides at once.",
    expected: 'an integer from 1 to 10000',
    example: '# FRAUD_MAX_CONCURRENT=128',
  }),
  FRAUD_HOST: variable({
    schema: z.string().min(1).default('127.0.0.1'),
    description: 'Fraud service: interface it listens on (/v1/score, /healthz, /readyz).',
    expected: 'a host name or IP address',
    example: '# FRAUD_HOST=127.0.0.1',
  }),
  FRAUD_PORT: variable({
    schema: port.default(4300),
    description: 'Fraud service: port it listens on.',
    expected: 'an integer port from 1 to 65535',
    example: '# FRAUD_PORT=4300',
  }),
  FILES_DIR: variable({
    schema: z.string().min(1).optional(),
    description:
      'API: the directory uploaded files (dispute evidence) are kept in. Unset: KASSA_DATA_DIR/files.',
    expected: 'a directory path',
    example: '# FILES_DIR=/var/lib/kassa/files',
  }),
  RISK_USD_RATES: variable({
    schema: z
      .string()
      .regex(/^([A-Z]{3}=\d+(\.\d+)?)(,[A-Z]{3}=\d+(\.\d+)?)*$/)
      .optional(),
    description:
      'Fraud service: US dollars per unit of each currency for :amount_in_usd:, as CUR=rate pairs. Unset: the reference rates in packages/risk/src/rates.ts.',
    expected: 'comma-separated CUR=rate pairs, e.g. EUR=1.08,GBP=1.27',
    example: '# RISK_USD_RATES=EUR=1.08,GBP=1.27',
  }),
  RISK_GEOIP_FILE: variable({
    schema: z.string().min(1).optional(),
    description:
      'Fraud service: a CSV of IP ranges and their countries (first,last,CC: the free db-ip.com or IP2Location LITE country files) for :ip_country:. Unset: :ip_country: is unknown.',
    expected: 'a path to a CSV file',
    example: '# RISK_GEOIP_FILE=/var/lib/kassa/ip-to-country.csv',
  }),
  KASSA_TEST_CLOCK: variable({
    schema: z.iso.datetime({ offset: true }).optional(),
    description:
      "Tests only (refused in production): the API's, the settlement worker's and the fraud service's clock starts at this time and a test moves it over IPC, for end-to-end tests that span days.",
    expected: 'an ISO 8601 time, e.g. 2026-02-02T09:00:00Z',
    example: '# KASSA_TEST_CLOCK=',
  }),
  SETTLEMENT_HOST: variable({
    schema: z.string().min(1).default('127.0.0.1'),
    description: 'Settlement worker: interface its health endpoint (/healthz, /readyz) listens on.',
    expected: 'a host name or IP address',
    example: '# SETTLEMENT_HOST=127.0.0.1',
  }),
  SETTLEMENT_PORT: variable({
    schema: port.default(4200),
    description: 'Settlement worker: port of its health endpoint.',
    expected: 'an integer port from 1 to 65535',
    example: '# SETTLEMENT_PORT=4200',
  }),
  SETTLEMENT_CUTOFF: variable({
    schema: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
      .default('00:00')
      .transform((hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))),
    description:
      'Settlement worker: the time of day (UTC, HH:MM) at which a settlement day ends and is closed. 00:00: days are UTC calendar days; 18:00: a payment after 18:00 belongs to the next day (docs/settlement.md).',
    expected: 'a UTC time of day as HH:MM, e.g. 00:00 or 18:00',
    example: '# SETTLEMENT_CUTOFF=00:00',
  }),
} as const;

export type VariableName = keyof typeof variables;

/** The typed value of each variable after validation and defaults. */
export type VariableValue<K extends VariableName> = z.output<(typeof variables)[K]['schema']>;
