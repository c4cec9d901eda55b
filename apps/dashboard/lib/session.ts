import { cookies, headers } from 'next/headers';
import { apiUrl } from './api-url.ts';

export interface DashboardSession {
  user: { id: string; email: string; name: string | null; two_factor: boolean };
  memberships: Array<{
    merchant: string;
    merchant_name: string;
    role: string;
    /** The merchant requires two-factor of its team. */
    require_two_factor: boolean;
  }>;
}

export const MERCHANT_COOKIE = 'kassa-dashboard-merchant';
export const MODE_COOKIE = 'kassa-dashboard-mode';

/**
 * The signed-in user as the API sees them (dashboard.session with this request's cookies):
 * undefined when there is no session or the API no longer accepts it. Rendering on the server
 * with it means a page never shows before its session is checked.
 */
export async function loadSession(): Promise<DashboardSession | undefined> {
  const cookie = (await headers()).get('cookie');
  if (!cookie) return undefined;
  const response = await fetch(
    `${apiUrl()}/trpc/dashboard.session?input=${encodeURIComponent('{}')}`,
    { headers: { cookie }, cache: 'no-store' },
  );
  if (response.status === 401) return undefined;
  const json = (await response.json()) as { result?: { data: DashboardSession } };
  if (!response.ok || !json.result) {
    throw new Error(`the API answered dashboard.session with ${response.status}`);
  }
  return json.result.data;
}

/** The merchant and mode this browser last chose (cookies), checked against the memberships. */
export async function chosenScope(session: DashboardSession) {
  const jar = await cookies();
  const wanted = jar.get(MERCHANT_COOKIE)?.value;
  const membership =
    session.memberships.find((m) => m.merchant === wanted) ?? session.memberships[0];
  const mode = jar.get(MODE_COOKIE)?.value === 'live' ? 'live' : 'test';
  return { membership, mode } as const;
}
