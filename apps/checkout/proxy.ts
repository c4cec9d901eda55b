import { type NextRequest, NextResponse } from 'next/server';

/**
 * Every response of the checkout carries a strict, nonce-based Content-Security-Policy: scripts
 * only from this origin with this request's nonce (Next.js puts it on its own scripts), no
 * third-party anything, connections only to this origin and the Kassa API (where the card goes),
 * and no framing at all. Plus the other headers a payment page should send.
 */
export function proxy(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const api = new URL(process.env.API_PUBLIC_URL ?? 'http://127.0.0.1:4000').origin;
  const development = process.env.NODE_ENV === 'development';
  const policy = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${api}`,
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('content-security-policy', policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  const headers: Record<string, string> = {
    'content-security-policy': policy,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    // The page's address holds the session id: never send it to the merchant or anyone else.
    'referrer-policy': 'no-referrer',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
  };
  if (request.nextUrl.protocol === 'https:') {
    headers['strict-transport-security'] = 'max-age=63072000; includeSubDomains';
  }
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [{ source: '/((?!_next/static|favicon.ico).*)' }],
};
