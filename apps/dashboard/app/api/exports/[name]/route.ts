import { cookies } from 'next/headers';
import { apiUrl } from '../../../../lib/api-url.ts';
import { MERCHANT_COOKIE, MODE_COOKIE } from '../../../../lib/session.ts';

export const dynamic = 'force-dynamic';

/** The API's CSV exports the dashboard offers. */
const EXPORTS = new Set(['payments', 'audit-log']);

/**
 * A CSV export (payments, audit log), streamed from the API as it comes (never held here): the
 * browser's session cookie goes along, with the merchant and mode this browser shows; the API
 * checks them all.
 */
export async function GET(request: Request, context: { params: Promise<{ name: string }> }) {
  const { name } = await context.params;
  if (!EXPORTS.has(name)) return Response.json({ error: 'no such export' }, { status: 404 });
  const jar = await cookies();
  const params = new URL(request.url).searchParams;
  const merchant = params.get('merchant') ?? jar.get(MERCHANT_COOKIE)?.value;
  const query = new URLSearchParams({
    input: params.get('input') ?? '{}',
    ...(merchant && { merchant }),
    mode: jar.get(MODE_COOKIE)?.value === 'live' ? 'live' : 'test',
  });
  const answer = await fetch(`${apiUrl()}/dashboard/exports/${name}.csv?${query}`, {
    headers: { cookie: request.headers.get('cookie') ?? '' },
  });
  const headers = new Headers({ 'cache-control': 'no-store' });
  for (const name of ['content-type', 'content-disposition', 'request-id']) {
    const value = answer.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return new Response(answer.body, { status: answer.status, headers });
}
