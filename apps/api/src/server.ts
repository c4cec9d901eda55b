import {
  type ApiServices,
  type AppRouter,
  appRouter,
  contextFactory,
  LogMailer,
  type Mailer,
} from '@kassa/api';
import type { Config } from '@kassa/config';
import { type Clock, systemClock } from '@kassa/contracts';
import type { DatabaseClients, MigrationFile } from '@kassa/db';
import { readMigrations } from '@kassa/db';
import { AccountCache, type EventBus } from '@kassa/ledger';
import {
  type AcquirerClient,
  type CardTestingLimits,
  CONCURRENT_WAIT_MS,
  DEFAULT_CARD_TESTING_LIMITS,
  type FileStorage,
  keysOfRootSecret,
} from '@kassa/payments';
import type { FraudClient } from '@kassa/risk';
import { DEFAULT_CALENDAR, type SettlementCalendar } from '@kassa/settlement';
import type { Vault } from '@kassa/vault';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { startBackgroundJobs } from './background.ts';
import { registerCheckoutCors } from './http/cors.ts';
import { registerDashboardExports } from './http/exports.ts';
import { registerHealthRoutes } from './http/health.ts';
import { loggerOptions } from './http/logger.ts';
import { registerRateLimit } from './http/rate-limit.ts';
import { requestIdFor } from './http/request-id.ts';
import { registerThreeDSecureReturn } from './http/three-d-secure.ts';

export interface ApiServerOptions {
  db: DatabaseClients;
  /** KASSA_SECRET_KEY: the root every purpose's key is derived from (keysOfRootSecret). */
  secretKey: string;
  /** KASSA_SECRET_KEY_PREVIOUS, while the root is rotated: still accepted, never issued. */
  previousSecretKey?: string;
  /** KASSA_ACCEPT_PRE_HKDF_KEYS, while upgrading: what the pre-HKDF derivation issued is still accepted. */
  acceptPreHkdfKeys?: boolean;
  /** NEXTAUTH_SECRET: the dashboard's session cookies are decrypted with it. */
  sessionSecret: string;
  /** The card vault, with its master keys (KASSA_VAULT_KEYS, KASSA_VAULT_FINGERPRINT_KEY). */
  vault: Vault;
  /** The test-mode acquirer client, the simulator (with its resilience policy). */
  acquirer: AcquirerClient;
  /** The live-mode acquirer client (ACQUIRER_LIVE_URL), a separate client with its own policy. */
  liveAcquirer?: AcquirerClient;
  /** Where browsers reach this API; default http://<listening address>. */
  publicUrl: string;
  /** Where the hosted checkout runs (CHECKOUT_URL): checkout sessions' `url` points there. */
  checkoutUrl?: string;
  /** Where the dashboard runs (DASHBOARD_URL): the links of the emails it sends point there. */
  dashboardUrl?: string;
  /** Where settlement days end (SETTLEMENT_CUTOFF); default UTC midnight. */
  settlementCalendar?: SettlementCalendar;
  /**
   * Sends the dashboard's emails (SmtpMailer over SMTP_URL); by default each is written to the
   * log (development). Closed with the server.
   */
  mailer?: Mailer;
  /** Run the sealer and the sweeps in this process (the API process does; most tests do not). */
  background?: boolean;
  /**
   * The event bus (KASSA_BUS). On Kafka the background sealer is also the outbox relay that
   * publishes the sealed log to the topic; on PostgreSQL consumers read the log itself.
   */
  bus?: EventBus;
  /** Requests per second per API key (API_RATE_LIMIT); default 200. */
  rateLimit?: number;
  /** auth.* calls (sign-in, sign-up, invitations, resets) per minute per client address; default 30. */
  authPerMinute?: number;
  /** 3-D Secure returns per minute per client address; default 30. */
  threeDSecurePerMinute?: number;
  /**
   * Which proxy headers (X-Forwarded-For) to believe for the client's address (API_TRUST_PROXY):
   * none by default; `true` for all, a number of hops, or the proxies' addresses. Rate limits
   * and card-testing limits count per address, so believing a header nobody sets is a hole.
   */
  trustProxy?: boolean | number | string[];
  /** Failed authorizations allowed per payment, card and client address. */
  cardTesting?: CardTestingLimits;
  /** The fraud service (FRAUD_URL): asked for a risk decision on every authorization. */
  fraud?: FraudClient;
  /** Where uploaded files are kept (FILES_DIR); without it, files.create is refused. */
  files?: FileStorage;
  /** The most calls one tRPC batch may hold (each call counts toward the rate limits); default 10. */
  maxBatchSize?: number;
  /** Log level (to stdout), a level and a stream, or a complete Fastify logger setting. */
  logger?:
    | string
    | { level: string; stream: NodeJS.WritableStream }
    | FastifyServerOptions['logger'];
  /** Migrations this code expects; read from packages/db by default. */
  migrations?: MigrationFile[];
  /** The one clock the domain reads (expiries, created times); the system clock by default. */
  clock?: Clock;
  /** How long a request waits for a concurrent one with its Idempotency-Key; default 10 s. */
  idempotencyWaitMs?: number;
  /**
   * How long a request holds the attempt it calls the acquirer for, time queued behind the
   * bulkhead included; default the acquirer client's longest call (every try timing out, plus 5 s
   * of queueing). A call that could not finish within it is not sent.
   */
  attemptLeaseMs?: number;
}

/** The card-testing limits as the CARD_TESTING_* variables set them (docs/security.md). */
export function cardTestingLimits(
  config: Config<
    | 'CARD_TESTING_PER_PAYMENT'
    | 'CARD_TESTING_PER_CHECKOUT'
    | 'CARD_TESTING_PER_CARD'
    | 'CARD_TESTING_PER_CLIENT'
    | 'CARD_TESTING_WINDOW_MS'
  >,
): CardTestingLimits {
  return {
    perPayment: config.CARD_TESTING_PER_PAYMENT,
    perCheckout: config.CARD_TESTING_PER_CHECKOUT,
    perCard: config.CARD_TESTING_PER_CARD,
    perClient: config.CARD_TESTING_PER_CLIENT,
    windowMs: config.CARD_TESTING_WINDOW_MS,
  };
}

export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      typeof options.logger === 'string'
        ? loggerOptions(options.logger)
        : isLevelAndStream(options.logger)
          ? loggerOptions(options.logger.level, options.logger.stream)
          : (options.logger ?? false),
    genReqId: requestIdFor,
    // A tRPC batch names its procedures in the path (`/trpc/a,b,c`): room for a full batch of
    // maxBatchSize calls, which then governs (Fastify's default, 100 characters, cut it at ~4).
    routerOptions: { maxParamLength: 2_000 },
    // A number of hops is documented and supported by Fastify (proxy-addr); its types omit it.
    trustProxy: (options.trustProxy ?? false) as FastifyServerOptions['trustProxy'],
    logController: new LogController({
      requestIdLogLabel: 'request_id',
      // Probes hit these every few seconds; logging each would drown everything else.
      disableRequestLogging: (request) => request.url === '/healthz' || request.url === '/readyz',
    }),
    // While closing, requests on kept-alive connections get 503 + Connection: close, and idle
    // connections are closed, so close() only waits for requests already in flight.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    bodyLimit: 1_048_576,
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('request-id', request.id);
  });

  // Responses finished during shutdown end their keep-alive connection; otherwise close() would
  // wait for the client to hang up (Fastify keeps idle connections for 72 s).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  registerHealthRoutes(app, options.db, options.migrations ?? (await readMigrations()));

  const services: ApiServices = {
    db: options.db,
    clock: options.clock ?? systemClock,
    ...keysOfRootSecret(options.secretKey, options.previousSecretKey, {
      acceptPreHkdf: options.acceptPreHkdfKeys,
    }),
    vault: options.vault,
    acquirers: {
      test: options.acquirer,
      ...(options.liveAcquirer && { live: options.liveAcquirer }),
    },
    // The risk decision comes first in the attempt's call: its timeout counts toward the lease.
    attemptLeaseMs:
      options.attemptLeaseMs ??
      Math.max(options.acquirer.longestCallMs, options.liveAcquirer?.longestCallMs ?? 0) +
        (options.fraud?.timeoutMs ?? 0),
    ...(options.fraud && { fraud: options.fraud }),
    ...(options.files && { files: options.files }),
    idempotencyWaitMs: options.idempotencyWaitMs ?? CONCURRENT_WAIT_MS,
    cardTesting: options.cardTesting ?? DEFAULT_CARD_TESTING_LIMITS,
    publicUrl: options.publicUrl.replace(/\/$/, ''),
    checkoutUrl: (options.checkoutUrl ?? 'http://127.0.0.1:3000').replace(/\/$/, ''),
    accounts: new AccountCache(),
    sessionSecret: options.sessionSecret,
    mailer: options.mailer ?? new LogMailer(app.log),
    dashboardUrl: (options.dashboardUrl ?? 'http://127.0.0.1:3001').replace(/\/$/, ''),
    settlementCalendar: options.settlementCalendar ?? DEFAULT_CALENDAR,
  };
  app.addHook('onClose', async () => services.mailer.close?.());
  app.decorate('kassaServices', services);
  await registerCheckoutCors(app, services.checkoutUrl);
  await registerRateLimit(app, options.rateLimit ?? 200, options.authPerMinute ?? 30);
  registerThreeDSecureReturn(app, services, { perMinute: options.threeDSecurePerMinute ?? 30 });
  registerDashboardExports(app, services);
  if (options.background) {
    const jobs = startBackgroundJobs(services, app.log, {
      relay: options.bus?.transport === 'kafka' ? options.bus : undefined,
    });
    app.addHook('onClose', () => jobs.stop());
  }

  const createContext = contextFactory(services);
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      maxBatchSize: options.maxBatchSize ?? 10,
      // Fastify's request and reply, described as the router's RequestInfo.
      createContext: ({ req, res }) =>
        createContext({
          requestId: req.id,
          log: req.log,
          headers: req.headers,
          setHeader: (name, value) => void res.header(name, value),
          ip: req.ip,
        }),
      onError: ({ error, path, ctx }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          ctx?.log.error({ err: error, path }, 'procedure failed');
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });

  return app;
}

function isLevelAndStream(
  logger: unknown,
): logger is { level: string; stream: NodeJS.WritableStream } {
  return (
    typeof logger === 'object' &&
    logger !== null &&
    typeof (logger as { level?: unknown }).level === 'string' &&
    typeof (logger as { stream?: { write?: unknown } }).stream?.write === 'function'
  );
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The API's services (database, vault, acquirer client…), for jobs and tests. */
    kassaServices: ApiServices;
  }
}
