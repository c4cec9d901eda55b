import type { CheckoutPage } from '@kassa/contracts';

/** Where this server reaches the API (server to server), and where browsers reach it. */
export const apiUrl = () =>
  (process.env.KASSA_API_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, '');
export const publicApiUrl = () =>
  (process.env.API_PUBLIC_URL ?? process.env.KASSA_API_URL ?? 'http://127.0.0.1:4000').replace(
    /\/$/,
    '',
  );

/**
 * The session as the page shows it (checkout.sessions.retrieve: by id alone, no key), or null
 * when there is no such session. This server only ever sends the API a session id: the card
 * goes from the shopper's browser to the API directly.
 */
export async function loadSession(id: string): Promise<CheckoutPage | null> {
  const input = encodeURIComponent(JSON.stringify({ id }));
  const response = await fetch(`${apiUrl()}/trpc/checkout.sessions.retrieve?input=${input}`, {
    cache: 'no-store',
  });
  if (response.status === 404 || response.status === 400) return null;
  if (!response.ok) throw new Error(`Kassa API answered ${response.status}`);
  const body = (await response.json()) as { result: { data: CheckoutPage } };
  return body.result.data;
}
