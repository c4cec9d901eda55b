import { type NextRequest, NextResponse } from 'next/server';
import { loadSession } from '../../../../lib/session.ts';

/**
 * Where 3-D Secure sends the shopper back (the API settled the payment before redirecting here).
 * A completed session goes on to the merchant's success page; otherwise back to the form, with
 * the reason in plain words.
 */
export async function GET(
  request: NextRequest,
  context: { params: Promise<{ sessionId: string }> },
) {
  const { sessionId } = await context.params;
  const session = await loadSession(sessionId);
  if (session?.status === 'complete') return NextResponse.redirect(session.success_url, 303);
  const back = new URL(`/pay/${encodeURIComponent(sessionId)}`, request.nextUrl.origin);
  if (session?.status === 'open') back.searchParams.set('error', 'authentication_failed');
  return NextResponse.redirect(back, 303);
}
