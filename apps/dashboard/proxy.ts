import { securityHeaders } from '@kassa/ui/security-headers';
import { type NextRequest, NextResponse } from 'next/server';

/**
 * Every response carries a strict Content-Security-Policy (scripts only from this origin with
 * this request's nonce, connections only to this origin: the API is reached through /api/trpc),
 * no framing, and no caching of pages that show a merchant's data.
 */
export function proxy(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const { policy, headers } = securityHeaders({
    nonce,
    development: process.env.NODE_ENV === 'development',
    referrerPolicy: 'same-origin',
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
