import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { Shell } from '../../components/shell.tsx';
import { chosenScope, loadSession } from '../../lib/session.ts';

export const dynamic = 'force-dynamic';

/**
 * Every page behind sign-in: the session is checked with the API before anything renders (a
 * revoked or idle session goes to the sign-in page), and the merchant and mode are chosen here.
 */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const session = await loadSession();
  if (!session) redirect('/sign-in');
  const { membership, mode } = await chosenScope(session);
  if (!membership) {
    return (
      <main className="auth">
        <h1>No merchant yet</h1>
        <p>
          You are signed in as {session.user.email} but belong to no merchant. Ask an owner to
          invite you.
        </p>
      </main>
    );
  }
  return (
    <Shell session={session} membership={membership} mode={mode}>
      {children}
    </Shell>
  );
}
