import { securityHeaders } from '@kassa/ui/security-headers';
import { type NextRequest, NextResponse } from 'next/server';

/**
 * Every response of the checkout carries a strict, nonce-based Content-Security-Policy: scripts
 * only from this origin with this request's nonce (Next.js puts it on its own scripts), no
 * third-party anything, connections only to this origin and the Kassa API (where the card goes),
 * and no framing at all. Plus the other headers a payment page should send.
 */
export function proxy(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const { policy, headers } = securityHeaders({
    nonce,
    development: process.env.NODE_ENV === 'development',
    // Where the card goes: the API, straight from the shopper's browser.
    connectSrc: [new URL(process.env.API_PUBLIC_URL ?? 'http://127.0.0.1:4000').origin],
    // The page's address holds the session id: never send it to the merchant or anyone else.
    referrerPolicy: 'no-referrer',
    https: request.nextUrl.protocol === 'https:',
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('content-security-policy', policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [{ source: '/((?!_next/static|favicon.ico).*)' }],
};
