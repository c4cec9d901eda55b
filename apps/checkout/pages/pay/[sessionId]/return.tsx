import type { GetServerSideProps } from 'next';
import { loadSession } from '../../../lib/session.ts';

/**
 * Where 3-D Secure sends the shopper back (the API settled the payment before redirecting here).
 * A completed session goes on to the merchant's success page; otherwise back to the form, with
 * the reason in plain words.
 */
export const getServerSideProps: GetServerSideProps = async (context) => {
  const id = String(context.params?.sessionId ?? '');
  const session = await loadSession(id);
  if (session?.status === 'complete') {
    return { redirect: { destination: session.success_url, statusCode: 303 } };
  }
  const back = `/pay/${encodeURIComponent(id)}${session?.status === 'open' ? '?error=authentication_failed' : ''}`;
  return { redirect: { destination: back, statusCode: 303 } };
};

export default function Return() {
  return null;
}
