import { riskFallbackReasons } from '@kassa/contracts';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  bulkhead,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  IsolatedCircuitError,
  isTaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { z } from 'zod';
import { featureNames } from './features.ts';
import { ruleActions } from './rules.ts';
import { riskLevels } from './score.ts';
import type { Assessment, ScoreRequest } from './scoring.ts';

/** Why the fraud service gave no decision: the payment's fallback decides, and says why. */
export const fallbackReasons = riskFallbackReasons;
export type FallbackReason = (typeof fallbackReasons)[number];

export class FraudServiceUnavailableError extends Error {
  override readonly name = 'FraudServiceUnavailableError';
  constructor(
    readonly reason: FallbackReason,
    message: string,
  ) {
    super(message);
  }
}

const assessmentSchema = z.object({
  outcome: z.enum(ruleActions),
  score: z.number().int().min(0).max(100),
  level: z.enum(riskLevels),
  rule: z.object({ id: z.string(), action: z.enum(ruleActions), predicate: z.string() }).nullable(),
  reasons: z.array(
    z.object({
      feature: z.enum(featureNames as [string, ...string[]]),
      value: z.string(),
      points: z.number().int(),
      description: z.string(),
    }),
  ),
  features: z.record(z.string(), z.union([z.string(), z.boolean(), z.null()])),
});

export interface FraudClientOptions {
  url: string;
  apiKey: string;
  /** The whole call: the payment waits at most this long for a score. */
  timeoutMs: number;
  /** Consecutive failed calls that open the breaker. */
  breakerThreshold: number;
  /** How long the breaker stays open before a trial call. */
  halfOpenAfterMs: number;
  /** Calls in flight at once; as many may wait, the rest get the fallback at once. */
  maxConcurrent: number;
}

/**
 * The API's client of the fraud service (POST /v1/score). The scoring call sits in the payment's
 * path, so it is short and never retried: a timeout (aborting the request), a circuit breaker
 * (after `breakerThreshold` failures in a row, calls fail fast for `halfOpenAfterMs`) and a
 * bulkhead of its own, apart from the acquirer's. Any failure is a FraudServiceUnavailableError
 * with its reason; the caller applies the merchant's fallback.
 */
export class FraudClient {
  readonly breaker: CircuitBreakerPolicy;
  private readonly policy;
  private readonly base: string;

  constructor(private readonly options: FraudClientOptions) {
    this.base = options.url.replace(/\/$/, '');
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    });
    this.policy = wrap(
      bulkhead(options.maxConcurrent, options.maxConcurrent),
      this.breaker,
      timeout(options.timeoutMs, TimeoutStrategy.Aggressive),
    );
  }

  /** The longest a scoring call takes (it is never retried). */
  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  async score(request: ScoreRequest): Promise<Assessment> {
    try {
      return await this.policy.execute(async ({ signal }) => {
        let response: Response;
        try {
          response = await fetch(`${this.base}/v1/score`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${this.options.apiKey}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify(request),
            signal,
          });
        } catch (error) {
          if (isTaskCancelledError(error) || signal.aborted) throw error;
          throw new FraudServiceUnavailableError(
            'unavailable',
            `no answer from the fraud service (${(error as Error).name})`,
          );
        }
        const text = await response.text();
        if (!response.ok)
          throw new FraudServiceUnavailableError(
            response.status >= 500 ? 'unavailable' : 'error',
            `the fraud service answered ${response.status}`,
          );
        const parsed = assessmentSchema.safeParse(JSON.parse(text));
        if (!parsed.success)
          throw new FraudServiceUnavailableError('error', 'the fraud service answered nonsense');
        return parsed.data as Assessment;
      }, new AbortController().signal);
    } catch (error) {
      if (error instanceof FraudServiceUnavailableError) throw error;
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError)
        throw new FraudServiceUnavailableError('breaker_open', 'the circuit breaker is open');
      if (error instanceof BulkheadRejectedError)
        throw new FraudServiceUnavailableError('bulkhead_full', 'too many scoring calls in flight');
      if (isTaskCancelledError(error))
        throw new FraudServiceUnavailableError(
          'timeout',
          `no score within ${this.options.timeoutMs} ms`,
        );
      throw new FraudServiceUnavailableError('error', (error as Error).message);
    }
  }
}
