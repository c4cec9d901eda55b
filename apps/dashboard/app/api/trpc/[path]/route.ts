import { apiUrl } from '../../../../lib/api-url.ts';

export const dynamic = 'force-dynamic';

/** What the browser's request may pass on to the API, and what the API's answer passes back. */
const REQUEST_HEADERS = [
  'cookie',
  'content-type',
  'kassa-merchant',
  'kassa-mode',
  'idempotency-key',
  'user-agent',
  'x-forwarded-for',
];
const RESPONSE_HEADERS = ['content-type', 'request-id', 'idempotent-replayed', 'kassa-version'];

/**
 * The public procedures the dashboard's own pages call without a session: an invitation's
 * details, and asking for and using a password reset link. (Sign-in, sign-up and accepting an
 * invitation open a session, so they go through next-auth on the server: lib/auth.ts.)
 */
const PUBLIC = new Set(['auth.invitation', 'auth.requestPasswordReset', 'auth.resetPassword']);

/**
 * The dashboard's browser calls the API through this origin: the session cookie (set here by
 * next-auth) goes along, there is no cross-origin request to allow, and the API's own checks
 * (session, Kassa-Merchant, role) decide everything. Only `dashboard.*` procedures pass, and the
 * few public ones above.
 */
async function forward(request: Request, context: { params: Promise<{ path: string }> }) {
  const { path } = await context.params;
  const allowed = (name: string) => /^dashboard\.[A-Za-z.]+$/.test(name) || PUBLIC.has(name);
  if (!path.split(',').every(allowed)) {
    return Response.json({ error: 'not a dashboard procedure' }, { status: 404 });
  }
  const headers = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const search = new URL(request.url).search;
  const answer = await fetch(`${apiUrl()}/trpc/${path}${search}`, {
    method: request.method,
    headers,
    ...(request.method === 'POST' && { body: await request.text() }),
  });
  const out = new Headers({ 'cache-control': 'no-store' });
  for (const name of RESPONSE_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) out.set(name, value);
  }
  return new Response(answer.body, { status: answer.status, headers: out });
}

export { forward as GET, forward as POST };
