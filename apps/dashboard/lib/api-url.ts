/** Where the dashboard's server reaches the Kassa API (never the browser: it goes through /api/trpc). */
export function apiUrl(): string {
  const url = process.env.KASSA_API_URL;
  if (!url) throw new Error('KASSA_API_URL is not set: the dashboard needs the Kassa API');
  return url.replace(/\/$/, '');
}
