import { eventFromLog } from '@kassa/contracts';
import { query } from '@kassa/db';
import { findEventById } from '@kassa/ledger';
import { signatureHeader, type WebhookSigner } from '@kassa/webhooks';
import type pg from 'pg';
import type { Logger } from 'pino';
import { fetch } from 'undici';
import {
  DeliveryDestinations,
  DestinationForbiddenError,
  type ResolveHost,
} from './destinations.ts';

export interface DispatcherOptions {
  /** How long an endpoint has to answer. */
  timeoutMs: number;
  /** Attempts before a delivery is dead-lettered. */
  maxAttempts: number;
  /** Wait after the first failure; doubles per failure, with jitter, up to `retryCapMs`. */
  retryBaseMs: number;
  retryCapMs: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  /** Fallback poll for due retries (new deliveries wake the dispatcher at once). */
  pollMs?: number;
  /**
   * Endpoint hosts (names or addresses) that may be loopback or private: receivers on this
   * machine in development and tests. Everything else must be public (see destinations.ts).
   */
  allowPrivateHosts?: readonly string[];
  /** Resolves endpoint host names at delivery time (default: the system resolver). */
  resolveHost?: ResolveHost;
  log: Logger;
}

interface DueDelivery {
  id: string;
  merchant_id: string;
  event_id: string;
  attempts: number;
  url: string;
  secret_salt: string;
  previous_secret_salt: string | null;
  previous_secret_expires_at: Date | null;
}

type Outcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** What one attempt sent and got back, for the delivery log (webhook_delivery_attempts). */
interface Exchange {
  startedAt: Date;
  durationMs: number;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
}

/** The most of an answer's body the log keeps. */
export const RESPONSE_BODY_LIMIT = 4096;

/** The first `limit` bytes of a body (as UTF-8 text), reading no further. */
async function readPrefix(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<string | null> {
  if (!body) return null;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/**
 * The wait before attempt `attempts + 1`: `base * 2^(attempts-1)` capped, then scaled by a random
 * factor in [0.5, 1) so that endpoints which failed together do not retry together.
 */
export function retryDelayMs(
  attempts: number,
  baseMs: number,
  capMs: number,
  random = Math.random,
): number {
  const exponential = Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (0.5 + random() / 2));
}

/**
 * The second half of webhook delivery: takes due deliveries (FOR UPDATE SKIP LOCKED, so several
 * workers share the work), POSTs each event as JSON signed with `Kassa-Signature`, and records
 * the outcome. A 2xx answer succeeds the delivery; anything else (another status, a redirect, a
 * timeout, a refused connection, a destination that is not public) schedules the next attempt
 * with exponential backoff, until the last attempt fails and the delivery is dead-lettered
 * (`dead`). Redirects are never followed: a public endpoint could point them inside.
 *
 * Claiming an attempt moves `next_attempt_at` past the timeout: it is the attempt's lease, so an
 * attempt lost with a crashed worker is made again (deliveries are at least once; receivers
 * dedupe on the event id).
 */
export class WebhookDispatcher {
  private running = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly destinations: DeliveryDestinations;

  constructor(
    private readonly pool: pg.Pool,
    private readonly signer: WebhookSigner,
    private readonly options: DispatcherOptions,
  ) {
    this.destinations = new DeliveryDestinations({
      resolveHost: options.resolveHost,
      allowPrivateHosts: options.allowPrivateHosts,
      connectTimeoutMs: options.timeoutMs,
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** New deliveries are due now: look at once instead of at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await this.destinations.close();
  }

  /** Claims and sends one batch; returns how many deliveries it attempted. */
  async runOnce(): Promise<number> {
    const due = await this.claim(this.options.concurrency);
    await Promise.all(due.map((delivery) => this.attempt(delivery)));
    return due.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sent = 0;
      try {
        sent = await this.runOnce();
      } catch (err) {
        this.options.log.error({ err }, 'webhook dispatch failed');
      }
      if (sent > 0 || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs ?? 1000);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private claim(limit: number): Promise<DueDelivery[]> {
    const leaseMs = this.options.timeoutMs + 30_000;
    return query<DueDelivery>(
      this.pool,
      `WITH due AS (
         SELECT d.id FROM webhook_deliveries d
           JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.status = 'enabled'
          WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          ORDER BY d.next_attempt_at LIMIT $1
          FOR UPDATE OF d SKIP LOCKED)
       UPDATE webhook_deliveries d
          SET attempts = d.attempts + 1, last_attempt_at = now(),
              next_attempt_at = now() + make_interval(secs => $2 / 1000.0), updated_at = now()
         FROM due, webhook_endpoints e
        WHERE d.id = due.id AND e.id = d.endpoint_id
       RETURNING d.id, d.merchant_id, d.event_id, d.attempts, e.url, e.secret_salt, e.previous_secret_salt,
                 e.previous_secret_expires_at`,
      [limit, leaseMs],
    );
  }

  private async attempt(delivery: DueDelivery): Promise<void> {
    const event = await findEventById(this.pool, delivery.event_id);
    const exchange: Exchange = {
      startedAt: new Date(),
      durationMs: 0,
      requestHeaders: {},
      responseHeaders: null,
      responseBody: null,
    };
    const started = performance.now();
    const outcome = event
      ? await this.send(delivery, JSON.stringify(eventFromLog(event)), exchange)
      : ({ ok: false, status: null, error: 'event not found' } as const);
    exchange.durationMs = Math.round(performance.now() - started);
    await this.record(delivery, outcome, exchange);
  }

  private async send(delivery: DueDelivery, body: string, exchange: Exchange): Promise<Outcome> {
    const secrets = this.signer.secretsOf({
      secretSalt: delivery.secret_salt,
      previousSecretSalt: delivery.previous_secret_salt,
      previousExpiresAt: delivery.previous_secret_expires_at,
    });
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Kassa-Webhooks/1.0',
      'kassa-signature': signatureHeader(body, secrets),
    };
    exchange.requestHeaders = headers;
    try {
      const refused = this.destinations.refusalOf(new URL(delivery.url));
      if (refused) return { ok: false, status: null, error: refused.message };
      const signal = AbortSignal.timeout(this.options.timeoutMs);
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        dispatcher: this.destinations.agent,
        signal,
      });
      exchange.responseHeaders = Object.fromEntries(response.headers);
      // The first 4 KiB of the answer, for the log; a body that does not come in time is cut.
      exchange.responseBody = await readPrefix(
        response.body as ReadableStream<Uint8Array> | null,
        RESPONSE_BODY_LIMIT,
      ).catch(() => null);
      if (response.status >= 200 && response.status < 300)
        return { ok: true, status: response.status };
      return { ok: false, status: response.status, error: `HTTP ${response.status}` };
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof DestinationForbiddenError)
        return { ok: false, status: null, error: cause.message };
      const code = (cause as { code?: string } | undefined)?.code;
      const message =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${this.options.timeoutMs} ms`
          : (code ?? (error as Error).message);
      return { ok: false, status: null, error: message };
    }
  }

  /**
   * The delivery's new state and the attempt's log row, in one statement: the row is written only
   * when the update happens (the delivery was still pending, this attempt's to record).
   */
  private async record(delivery: DueDelivery, outcome: Outcome, exchange: Exchange): Promise<void> {
    const { log, maxAttempts, retryBaseMs, retryCapMs } = this.options;
    const dead = !outcome.ok && delivery.attempts >= maxAttempts;
    const delayMs = retryDelayMs(delivery.attempts, retryBaseMs, retryCapMs);
    const status = outcome.ok ? 'succeeded' : dead ? 'dead' : 'pending';
    const error = outcome.ok ? null : outcome.error;
    await this.pool.query(
      `WITH updated AS (
         UPDATE webhook_deliveries SET status = $2,
           next_attempt_at = CASE WHEN $2 = 'pending' THEN now() + make_interval(secs => $3 / 1000.0) END,
           last_response_status = $4, last_error = $5, updated_at = now()
         WHERE id = $1 AND status = 'pending'
         RETURNING id)
       INSERT INTO webhook_delivery_attempts
         (delivery_id, merchant_id, attempt, started_at, duration_ms, request_url, request_headers,
          response_status, response_headers, response_body, error, succeeded)
       SELECT id, $6, $7, $8, $9, $10, $11, $4, $12, $13, $5, $14 FROM updated`,
      [
        delivery.id,
        status,
        delayMs,
        outcome.status,
        error,
        delivery.merchant_id,
        delivery.attempts,
        exchange.startedAt,
        exchange.durationMs,
        delivery.url,
        JSON.stringify(exchange.requestHeaders),
        exchange.responseHeaders && JSON.stringify(exchange.responseHeaders),
        exchange.responseBody?.replaceAll('\u0000', ''),
        outcome.ok,
      ],
    );
    if (outcome.ok) {
      log.debug({ delivery: delivery.id, attempts: delivery.attempts }, 'webhook delivered');
      return;
    }
    const fields = { delivery: delivery.id, attempts: delivery.attempts, error: outcome.error };
    if (dead) log.warn(fields, 'webhook delivery dead-lettered');
    else log.info({ ...fields, retryInMs: delayMs }, 'webhook attempt failed');
  }
}
