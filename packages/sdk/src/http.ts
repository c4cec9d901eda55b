import { uuid } from './crypto.ts';
import { errorFromBody, KassaConnectionError, type KassaError } from './errors.ts';

export const VERSION = '0.1.0';
/**
 * The API version this SDK was written against, sent as `Kassa-Version` on every request unless
 * `apiVersion` says otherwise: an upgrade of the API then never changes what this SDK receives.
 */
export const API_VERSION = '2026-12-01';

export interface KassaOptions {
  /** Where the Kassa API is, e.g. `https://api.kassa.example`. Default `http://127.0.0.1:4000`. */
  baseUrl?: string;
  /** Retries after a network error, a 409 conflict, a 429 or a 5xx. Default 2. */
  maxNetworkRetries?: number;
  /** Milliseconds before one try is abandoned (and retried). Default 30 000. */
  timeout?: number;
  /**
   * Sent as `Kassa-Version`, pinning the API version the integration was written for (default
   * API_VERSION, the SDK's own). An API that does not have it answers 400 api_version_invalid.
   */
  apiVersion?: string;
  /** A `fetch` to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  /**
   * Sent as `Idempotency-Key` (mutations): the same key replays the first answer instead of
   * acting twice. Without one, the SDK makes one up per call, so its own retries are safe.
   */
  idempotencyKey?: string;
  /** Overrides the client's `timeout` for this call. */
  timeout?: number;
  /** Overrides the client's `maxNetworkRetries` for this call. */
  maxNetworkRetries?: number;
}

const INITIAL_DELAY_MS = 500;
const MAX_DELAY_MS = 5_000;
/** A Retry-After longer than this is not waited for: the error is thrown instead. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Exponential backoff with jitter: 0.5 s, 1 s, 2 s, … capped at 5 s, each × [0.5, 1). */
export function backoffDelay(retry: number, random = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, INITIAL_DELAY_MS * 2 ** retry);
  return ceiling * (0.5 + random() * 0.5);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a failed try may be retried (with the same idempotency key). */
function retryable(error: KassaError): boolean {
  if (error instanceof KassaConnectionError) return true;
  const status = error.statusCode ?? 0;
  return status === 409 || status === 429 || status >= 500;
}

/**
 * Sends one API call — a query (GET) or a mutation (POST) of the tRPC router, in plain HTTP —
 * and retries it when that is safe: every try of a mutation carries the same Idempotency-Key.
 */
export class HttpClient {
  readonly baseUrl: string;
  private readonly maxNetworkRetries: number;
  private readonly timeout: number;
  private readonly fetch: typeof fetch;
  private readonly headers: Record<string, string>;

  constructor(secretKey: string, options: KassaOptions = {}) {
    if (typeof secretKey !== 'string' || !/^sk_(test|live)_/.test(secretKey)) {
      throw new TypeError(
        'new Kassa(secretKey): pass a secret key, sk_test_… or sk_live_… (publishable keys belong in the browser).',
      );
    }
    this.baseUrl = (options.baseUrl ?? 'http://127.0.0.1:4000').replace(/\/+$/, '');
    this.maxNetworkRetries = options.maxNetworkRetries ?? 2;
    this.timeout = options.timeout ?? 30_000;
    this.fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.headers = {
      authorization: `Bearer ${secretKey}`,
      'kassa-sdk': `kassa-typescript/${VERSION}`,
      'kassa-version': options.apiVersion ?? API_VERSION,
    };
  }

  query<T>(path: string, input: unknown, options: RequestOptions = {}): Promise<T> {
    return this.send<T>('GET', path, input, options);
  }

  async mutation<T>(path: string, input: unknown, options: RequestOptions = {}): Promise<T> {
    return this.send<T>('POST', path, input, {
      ...options,
      idempotencyKey: options.idempotencyKey ?? `kassa-sdk-${await uuid()}`,
    });
  }

  private async send<T>(
    method: 'GET' | 'POST',
    path: string,
    input: unknown,
    options: RequestOptions,
  ): Promise<T> {
    const retries = options.maxNetworkRetries ?? this.maxNetworkRetries;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.once<T>(method, path, input, options);
      } catch (error) {
        const kassaError = error as KassaError;
        if (attempt >= retries || !retryable(kassaError)) throw error;
        const retryAfterMs =
          kassaError.retryAfter !== undefined ? kassaError.retryAfter * 1000 : undefined;
        if (retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS) throw error;
        await sleep(Math.max(retryAfterMs ?? 0, backoffDelay(attempt)));
      }
    }
  }

  private async once<T>(
    method: 'GET' | 'POST',
    path: string,
    input: unknown,
    options: RequestOptions,
  ): Promise<T> {
    const url =
      method === 'GET'
        ? `${this.baseUrl}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input ?? {}))}`
        : `${this.baseUrl}/trpc/${path}`;
    const headers: Record<string, string> = { ...this.headers };
    if (method === 'POST') headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const timeout = options.timeout ?? this.timeout;

    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method,
        headers,
        body: method === 'POST' ? JSON.stringify(input ?? {}) : undefined,
        signal: AbortSignal.timeout(timeout),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = (error as Error)?.name === 'TimeoutError';
      throw new KassaConnectionError(
        timedOut
          ? `Kassa did not answer within ${timeout} ms (${method} ${path}).`
          : `Could not reach Kassa at ${this.baseUrl} (${(error as Error)?.message ?? error}).`,
        { type: 'connection_error', code: timedOut ? 'timeout' : 'connection_failed' },
      );
    }

    let body: { result?: { data: T }; error?: { data?: Record<string, string> } } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.ok && body?.result) return body.result.data;
    const retryAfterHeader = Number(response.headers.get('retry-after'));
    throw errorFromBody(
      body?.error?.data ?? {
        type: 'api_error',
        message: `Kassa answered ${response.status} without an error object.`,
        request_id: response.headers.get('request-id') ?? undefined,
      },
      response.status,
      Number.isFinite(retryAfterHeader) && response.headers.has('retry-after')
        ? retryAfterHeader
        : undefined,
    );
  }
}
