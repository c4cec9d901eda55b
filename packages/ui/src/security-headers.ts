/**
 * The response headers every Kassa web page sends (the hosted checkout's and the dashboard's
 * proxy.ts): a strict, nonce-based Content-Security-Policy (scripts and styles only from the
 * page's origin with this request's nonce, which Next.js puts on its own tags; connections only
 * where `connectSrc` says; no framing, no plugins, no base or form targets elsewhere), and the
 * other headers a page that handles payments should send.
 */
export function securityHeaders(options: {
  nonce: string;
  /** `next dev` evaluates code: 'unsafe-eval' there only. */
  development: boolean;
  /** Origins beside 'self' the page may call (the checkout calls the API). */
  connectSrc?: string[];
  referrerPolicy: 'no-referrer' | 'same-origin';
  https: boolean;
}): { policy: string; headers: Record<string, string> } {
  const { nonce } = options;
  const policy = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ''}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...(options.connectSrc ?? [])].join(' ')}`,
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
  const headers: Record<string, string> = {
    'content-security-policy': policy,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': options.referrerPolicy,
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
  };
  if (options.https) headers['strict-transport-security'] = 'max-age=63072000; includeSubDomains';
  return { policy, headers };
}
