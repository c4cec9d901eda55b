import { randomBytes } from 'node:crypto';
import type { Clock } from '@kassa/contracts';
import type { DatabaseClients } from '@kassa/db';
import type { AccountCache } from '@kassa/ledger';
import type { FraudClient } from '@kassa/risk';
import type { Vault } from '@kassa/vault';
import type { WebhookSigner } from '@kassa/webhooks';
import type { AcquirerClient } from './acquirer/client.ts';
import { KassaApiError } from './errors.ts';
import type { FileStorage } from './files/files.ts';
import type { CardTestingLimits } from './payments/card-testing.ts';

// The payments domain's own context. It knows no tRPC, no Fastify and no HTTP: an API request,
// a worker, a sweep or the CLI builds one (the tRPC context factory in @kassa/api adapts a
// request to it; systemContext builds one for work no key asked for).

/** The merchant and mode a request acts for. Every query is scoped by both. */
export interface Principal {
  merchantId: string;
  livemode: boolean;
  /**
   * The API key's id; for a dashboard user, the user id; for the hosted checkout, which holds no
   * key (its session's client secret alone authenticates it), the checkout session's id.
   */
  keyId: string;
  kind: 'secret' | 'publishable' | 'dashboard';
  /** Who the events say acted, when not a key (`system:recovery`, `acquirer:3ds_return`). */
  actor?: string;
}

/** A shopper's browser: a publishable key and the client secret of one payment. */
export interface CheckoutPrincipal extends Principal {
  kind: 'publishable';
  /** The one payment this request may read, tokenize a card for, and confirm. */
  paymentIntentId: string;
  /** When the client secret is a checkout session's: that session (its payment is the one). */
  checkoutSessionId?: string;
}

/** Structured logging, as pino (and so Fastify's request logger) offers it. */
export interface Logger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** What the payments domain works with besides the caller: the database, secrets, limits. */
export interface PaymentsServices {
  db: DatabaseClients;
  /** The one clock: every time the domain reads (created, expires, capture before) comes from it. */
  clock: Clock;
  /**
   * Key of the HMAC that derives client secrets (see payments/client-secret.ts):
   * deriveKey(KASSA_SECRET_KEY, 'client_secret'), built by keysOfRootSecret (root-secret.ts).
   */
  clientSecretKey: Buffer;
  /**
   * The same key under KASSA_SECRET_KEY_PREVIOUS while the root is rotated: client secrets it
   * made are still accepted, never issued.
   */
  previousClientSecretKey?: Buffer;
  /**
   * Key of the HMAC over each idempotent request's input. Keyed because an input can hold a
   * card number: an unkeyed hash of a card number is reversed by trying the few million numbers
   * that share its BIN and last 4.
   */
  requestHashKey: Buffer;
  /**
   * Key of the dashboard's second factors (deriveKey(KASSA_SECRET_KEY, 'two_factor')): it
   * encrypts each user's TOTP secret (AES-256-GCM) and keys the HMAC of their recovery codes.
   */
  twoFactorKey: Buffer;
  /** The same key under KASSA_SECRET_KEY_PREVIOUS while the root is rotated: still read. */
  previousTwoFactorKey?: Buffer;
  /**
   * The same key under KASSA_SECRET_KEY_PREVIOUS while the root is rotated: a retry of a request
   * first made before the rotation still matches its Idempotency-Key's record.
   */
  previousRequestHashKey?: Buffer;
  /** The card vault: the only way to store or read a card number. */
  vault: Vault;
  /**
   * The acquirers, one per mode, each behind its own timeout, retries, circuit breaker and
   * bulkhead: test mode always goes to the simulator, live mode only to the live connector, so
   * test traffic can never trip live payments and a test key can never reach a live acquirer.
   * Read them through acquirerFor.
   */
  acquirers: { test: AcquirerClient; live?: AcquirerClient };
  /**
   * How long a request holds an acquirer attempt (and its Idempotency-Key): longer than the
   * call can take with every retry, so a hold still running means the call is in flight.
   */
  attemptLeaseMs: number;
  /**
   * How long a request waits for another holding its Idempotency-Key (or the key's row lock)
   * before answering 409 `idempotency_key_in_use`.
   */
  idempotencyWaitMs: number;
  /**
   * The fraud service, asked for a risk decision on every authorization (payments/risk.ts);
   * without one (FRAUD_URL unset) payments are not scored.
   */
  fraud?: FraudClient;
  /** Where uploaded files (dispute evidence) are kept; without it, files.create is refused. */
  files?: FileStorage;
  /** Failed authorizations allowed per payment, card and client address (card-testing.ts). */
  cardTesting: CardTestingLimits;
  /** Where browsers reach the API (3-D Secure returns). */
  publicUrl: string;
  /** Where the hosted checkout runs: `<checkoutUrl>/pay/<session id>`. */
  checkoutUrl: string;
  /** NEXTAUTH_SECRET: decrypts the dashboard's next-auth session cookies. */
  sessionSecret: string;
  /** Ledger account ids, remembered (accounts never change once opened). */
  accounts: AccountCache;
  /** Derives webhook endpoints' signing secrets (shown on create and on a roll). */
  webhookSigner: WebhookSigner;
}

/** What every operation of the domain is given: who acts, through which services, for which request. */
export interface DomainContext {
  requestId: string;
  log: Logger;
  services: PaymentsServices;
  principal: Principal;
  /** The caller's Idempotency-Key as it came (validated by runMutation), if any. */
  idempotencyKey?: string | readonly string[];
  /** W3C trace context of the caller, carried into the events' metadata. */
  traceparent?: string;
  /** Told when the answer is a replay of an earlier one (HTTP: `Idempotent-Replayed: true`). */
  onReplay?: () => void;
  /** The caller's address (proxy headers believed only as API_TRUST_PROXY says): card-testing limits. */
  clientIp?: string;
}

/** A fresh request id, for requests and for work no request started (the sweeps). */
export const newRequestId = () => `req_${randomBytes(12).toString('base64url')}`;

/**
 * The acquirer of a mode. Live mode without a live connector configured (ACQUIRER_LIVE_URL) is
 * refused before anything is written: it never falls back to the test acquirer.
 */
export function acquirerFor(services: PaymentsServices, livemode: boolean): AcquirerClient {
  const acquirer = configuredAcquirer(services, livemode);
  if (!acquirer) {
    throw new KassaApiError({
      type: 'api_error',
      code: 'live_acquirer_not_configured',
      message:
        'Live payments are not enabled on this Kassa: no live acquirer is configured (ACQUIRER_LIVE_URL). Use your test keys.',
      status: 503,
    });
  }
  return acquirer;
}

/** The acquirer of a mode if one is configured (test mode always has the simulator's). */
export function configuredAcquirer(
  services: Pick<PaymentsServices, 'acquirers'>,
  livemode: boolean,
): AcquirerClient | undefined {
  return livemode ? services.acquirers.live : services.acquirers.test;
}
