export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The procedure's result, or Kassa's error object. */
  body: T;
  error?: {
    type: string;
    code: string;
    message: string;
    param?: string;
    decline_code?: string;
    request_id: string;
  };
}

/**
 * Calls a procedure the way any HTTP client would, without the tRPC client: POST for mutations,
 * GET with ?input= for queries.
 */
export function client(base: string, apiKey?: string) {
  return async function call<T = Record<string, unknown>>(
    path: string,
    input: unknown,
    options: { query?: boolean; idempotencyKey?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const response = options.query
      ? await fetch(`${base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
          headers,
        })
      : await fetch(`${base}/trpc/${path}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(input),
        });
    const json = (await response.json()) as {
      result?: { data: T };
      error?: { data: ApiResponse['error'] & object };
    };
    return {
      status: response.status,
      headers: response.headers,
      body: json.result?.data as T,
      error: json.error?.data,
    };
  };
}
