import { type Clock, disputeStatuses, systemClock } from '@kassa/contracts';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  bulkhead,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  type IBackoff,
  type IHalfOpenAfterBackoffContext,
  IsolatedCircuitError,
  isTaskCancelledError,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { z } from 'zod';

const amount = z.number().int().nonnegative();
const authorizationFields = {
  id: z.string().min(1),
  amount,
  currency: z.string().min(3),
  captured_amount: amount,
  refunded_amount: amount,
};

/**
 * The acquirer's view of an authorization (see apps/acquirer-sim), parsed, never cast: a declined
 * one names its decline code, one that requires action names its challenge, and nothing else
 * is an answer Kassa understands.
 */
export const acquirerAuthorizationSchema = z.discriminatedUnion('status', [
  z.object({
    ...authorizationFields,
    status: z.literal('declined'),
    decline_code: z.string().min(1),
    next_action: z.null(),
  }),
  z.object({
    ...authorizationFields,
    status: z.literal('requires_action'),
    decline_code: z.null(),
    next_action: z.object({ type: z.literal('three_d_secure'), redirect_url: z.url() }),
  }),
  z.object({
    ...authorizationFields,
    status: z.enum(['approved', 'captured', 'voided']),
    decline_code: z.null(),
    next_action: z.null(),
  }),
]);
export type AcquirerAuthorization = z.infer<typeof acquirerAuthorizationSchema>;

export const acquirerRefundSchema = z.object({
  id: z.string().min(1),
  status: z.enum(['succeeded', 'failed']),
  amount,
});
export type AcquirerRefund = z.infer<typeof acquirerRefundSchema>;

/** A dispute as the acquirer reports it (its `change` orders every change, for the sync). */
export const acquirerDisputeSchema = z.object({
  id: z.string().min(1),
  authorization: z.string().min(1),
  merchant: z.string().min(1),
  reference: z.string().min(1),
  amount: amount.positive(),
  currency: z.string().length(3),
  reason: z.string().min(1),
  status: z.enum(disputeStatuses),
  evidence: z.record(z.string(), z.string()),
  evidence_due_by: z.iso.datetime({ offset: true }),
  change: z.number().int().positive(),
  created: z.iso.datetime({ offset: true }),
});
export type AcquirerDispute = z.infer<typeof acquirerDisputeSchema>;

const acquirerErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export interface CardForAcquirer {
  number: string;
  exp_month: number;
  exp_year: number;
  cvc?: string;
}

/**
 * Why a call to the acquirer did not give an answer. `notSent`: it was never made (the
 * breaker is open, or the bulkhead is full), so nothing can have happened. Otherwise the
 * outcome is unknown (no answer, or a 5xx): the acquirer may or may not have acted, and only a
 * retry with the same idempotency key can tell.
 */
export class AcquirerUnavailableError extends Error {
  override readonly name = 'AcquirerUnavailableError';
  constructor(
    message: string,
    readonly notSent: boolean,
  ) {
    super(message);
  }
}

/**
 * The acquirer answered and refused the request (4xx). A definite answer for a first try; for
 * a retry (`afterRetry`: an earlier try of this call may have reached the acquirer) it is not,
 * until the acquirer has been asked what that key did (findAuthorization).
 */
export class AcquirerRejectedError extends Error {
  override readonly name = 'AcquirerRejectedError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly afterRetry = false,
  ) {
    super(message);
  }
}

/** Per call: when it must be over by (epoch ms), so that time queued counts toward a lease. */
export interface CallOptions {
  notAfter?: number;
}

/** Left the bulkhead's queue too late to finish within its lease: never sent. */
class QueuedTooLongError extends Error {}

/** A failed attempt worth retrying (same key): no answer, or a server error. */
class RetryableError extends Error {}

/**
 * A success whose body is not an answer Kassa understands: the outcome is unknown (the attempt
 * stays open for the sweep, which asks again), and nothing is guessed from it.
 */
class UnreadableAnswerError extends Error {
  constructor(status: number) {
    super(`the acquirer answered ${status} with a body that is not the expected object`);
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export interface AcquirerClientOptions {
  url: string;
  apiKey: string;
  /** Per attempt. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  /** Consecutive failed calls (after their retries) that open the breaker. */
  breakerThreshold: number;
  /** How long the breaker stays open before a trial call. */
  halfOpenAfterMs: number;
  /** Calls in flight at once; as many may wait, the rest are refused at once. */
  maxConcurrent: number;
  /** The clock the breaker's open time is measured on; the system clock by default. */
  clock?: Clock;
}

/**
 * The breaker's wait before its trial call, measured on Kassa's clock rather than cockatiel's
 * Date.now(), so a test decides when the trial is due instead of racing it. cockatiel stays
 * open while `Date.now() - openedAt < duration` (the only use it makes of the duration): an
 * infinite duration while the wait lasts on `clock`, minus infinity once it is over.
 */
class HalfOpenAfter implements IBackoff<IHalfOpenAfterBackoffContext> {
  private readonly openedClock: number;
  constructor(
    private readonly ms: number,
    private readonly clock: Clock,
    /** Opens again (after a failed trial): a new wait from now. */
    readonly next: () => HalfOpenAfter,
  ) {
    this.openedClock = clock.now().getTime();
  }
  get duration(): number {
    return this.remaining > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
  /** Milliseconds until the trial call is due (0 or less: due). */
  get remaining(): number {
    return this.ms - (this.clock.now().getTime() - this.openedClock);
  }
}

/**
 * Kassa's HTTP client for the acquirer. Every call goes through cockatiel: a bulkhead (at most
 * `maxConcurrent` in flight, as many queued), a circuit breaker (after `breakerThreshold`
 * consecutive failures every call fails fast for `halfOpenAfterMs`, then one trial), retries
 * with exponential backoff and jitter, and a timeout per attempt that aborts the request.
 * Retries reuse the request's Idempotency-Key, so a retried authorization never charges twice.
 */
export class AcquirerClient {
  readonly breaker: CircuitBreakerPolicy;
  private readonly policy;
  private readonly base: string;
  /** The wait of the breaker's current opening (undefined until it first opens). */
  private halfOpen: HalfOpenAfter | undefined;

  constructor(private readonly options: AcquirerClientOptions) {
    this.base = options.url.replace(/\/$/, '');
    const retryable = handleWhen((e) => e instanceof RetryableError || isTaskCancelledError(e));
    const clock = options.clock ?? systemClock;
    const opening = (): HalfOpenAfter => {
      this.halfOpen = new HalfOpenAfter(options.halfOpenAfterMs, clock, opening);
      return this.halfOpen;
    };
    this.breaker = circuitBreaker(retryable, {
      halfOpenAfter: { next: opening },
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    });
    this.policy = wrap(
      bulkhead(options.maxConcurrent, options.maxConcurrent),
      this.breaker,
      retry(retryable, {
        maxAttempts: options.retries,
        backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }),
      }),
      timeout(options.timeoutMs, TimeoutStrategy.Aggressive),
    );
  }

  /**
   * The longest one call can take: every attempt timing out, with the longest backoff between
   * them, plus a margin. A request holding an attempt for this long is certainly done with it.
   */
  get longestCallMs(): number {
    return this.callMs + 5_000;
  }

  /** One call's worst case once it has left the bulkhead's queue: every try times out. */
  private get callMs(): number {
    const { timeoutMs, retries } = this.options;
    return timeoutMs * (retries + 1) + 1_000 * retries;
  }

  /**
   * False while the breaker is open and not yet due for its trial call: a call now would fail
   * fast without being sent.
   */
  get available(): boolean {
    const state = this.breaker.state;
    if (state === CircuitState.Isolated) return false;
    if (state !== CircuitState.Open) return true;
    if (this.halfOpen === undefined) throw new Error('the breaker is open but never opened');
    return this.halfOpen.remaining <= 0;
  }

  authorize(
    key: string,
    request: {
      amount: bigint;
      currency: string;
      capture: boolean;
      merchant: string;
      reference: string;
      card: CardForAcquirer;
      return_url?: string;
      /** `required`: 3-D Secure whatever the card (the merchant's risk rules asked for it). */
      three_d_secure?: 'required';
    },
    options: CallOptions = {},
  ): Promise<AcquirerAuthorization> {
    return this.send(
      acquirerAuthorizationSchema,
      'POST',
      '/v1/authorizations',
      key,
      { ...request, amount: Number(request.amount) },
      options,
    );
  }

  retrieve(authorizationId: string): Promise<AcquirerAuthorization> {
    return this.send(
      acquirerAuthorizationSchema,
      'GET',
      `/v1/authorizations/${encodeURIComponent(authorizationId)}`,
    );
  }

  /** The authorization the request with Idempotency-Key `key` created, if it got that far. */
  async findAuthorization(key: string): Promise<AcquirerAuthorization | undefined> {
    const list = await this.send(
      z.object({ data: z.array(acquirerAuthorizationSchema).max(1) }),
      'GET',
      `/v1/authorizations?idempotency_key=${encodeURIComponent(key)}`,
    );
    return list.data[0];
  }

  capture(
    authorizationId: string,
    key: string,
    amount: bigint,
    options: CallOptions = {},
  ): Promise<AcquirerAuthorization> {
    return this.send(
      acquirerAuthorizationSchema,
      'POST',
      `/v1/authorizations/${encodeURIComponent(authorizationId)}/capture`,
      key,
      { amount: Number(amount) },
      options,
    );
  }

  void(
    authorizationId: string,
    key: string,
    options: CallOptions = {},
  ): Promise<AcquirerAuthorization> {
    return this.send(
      acquirerAuthorizationSchema,
      'POST',
      `/v1/authorizations/${encodeURIComponent(authorizationId)}/void`,
      key,
      {},
      options,
    );
  }

  refund(
    authorizationId: string,
    key: string,
    amount: bigint,
    options: CallOptions = {},
  ): Promise<AcquirerRefund> {
    return this.send(
      acquirerRefundSchema,
      'POST',
      `/v1/authorizations/${encodeURIComponent(authorizationId)}/refunds`,
      key,
      { amount: Number(amount) },
      options,
    );
  }

  /** Disputes changed after `afterChange`, oldest change first (at most 100). */
  async listDisputes(afterChange: number): Promise<AcquirerDispute[]> {
    const list = await this.send(
      z.object({ data: z.array(acquirerDisputeSchema).max(100) }),
      'GET',
      `/v1/disputes?after_change=${afterChange}&limit=100`,
    );
    return list.data;
  }

  /** Saves evidence on a dispute; `submit` sends it to the issuer (then decided later). */
  submitDisputeEvidence(
    disputeId: string,
    key: string,
    body: { evidence: Record<string, string>; submit: boolean },
  ): Promise<AcquirerDispute> {
    return this.send(
      acquirerDisputeSchema,
      'POST',
      `/v1/disputes/${encodeURIComponent(disputeId)}/evidence`,
      key,
      body,
    );
  }

  /** Accepts a dispute: lost at once (an inquiry is closed). */
  acceptDispute(disputeId: string, key: string): Promise<AcquirerDispute> {
    return this.send(
      acquirerDisputeSchema,
      'POST',
      `/v1/disputes/${encodeURIComponent(disputeId)}/accept`,
      key,
      {},
    );
  }

  private async send<T>(
    schema: z.ZodType<T>,
    method: 'GET' | 'POST',
    path: string,
    key?: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    try {
      // A signal of its own per call: the policies derive theirs from it (one shared default
      // signal would collect a listener per call in flight).
      return await this.policy.execute(async ({ signal, attempt }) => {
        // Out of the bulkhead's queue: a call that could now outlast its attempt's lease is not
        // sent, for once the lease is over a retry or the sweep may take the attempt over.
        if (
          attempt === 0 &&
          options.notAfter !== undefined &&
          Date.now() + this.callMs > options.notAfter
        ) {
          throw new QueuedTooLongError();
        }
        let response: Response;
        try {
          response = await fetch(`${this.base}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${this.options.apiKey}`,
              ...(payload !== undefined && { 'content-type': 'application/json' }),
              ...(key !== undefined && { 'idempotency-key': key }),
            },
            body: payload,
            signal,
          });
        } catch (error) {
          // Never include the request (it may hold a card number) in what is thrown or logged.
          throw new RetryableError(`no answer from the acquirer (${(error as Error).name})`);
        }
        const text = await response.text().catch(() => '');
        if (response.status >= 500) {
          throw new RetryableError(`the acquirer answered ${response.status}`);
        }
        const json = parseJson(text);
        if (!response.ok) {
          const refusal = acquirerErrorSchema.safeParse(json);
          throw new AcquirerRejectedError(
            response.status,
            refusal.success ? refusal.data.error.code : `http_${response.status}`,
            refusal.success
              ? refusal.data.error.message
              : `the acquirer answered ${response.status}`,
            attempt > 0,
          );
        }
        const answer = schema.safeParse(json);
        if (!answer.success) throw new UnreadableAnswerError(response.status);
        return answer.data;
      }, new AbortController().signal);
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        throw new AcquirerUnavailableError('the circuit breaker is open', true);
      }
      if (error instanceof BulkheadRejectedError) {
        throw new AcquirerUnavailableError('too many acquirer calls in flight', true);
      }
      if (error instanceof QueuedTooLongError) {
        throw new AcquirerUnavailableError('queued too long to finish within its lease', true);
      }
      if (error instanceof RetryableError || error instanceof UnreadableAnswerError) {
        throw new AcquirerUnavailableError(error.message, false);
      }
      if (isTaskCancelledError(error)) {
        throw new AcquirerUnavailableError(`no answer within ${this.options.timeoutMs} ms`, false);
      }
      throw error;
    }
  }
}
