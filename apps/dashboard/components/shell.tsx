'use client';

import { type MembershipRole, may, type Permission } from '@kassa/api/permissions';
import { useMutation } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { signOut } from 'next-auth/react';
import type { ReactNode } from 'react';
import { ScopeContext } from '../lib/scope.tsx';
import type { DashboardSession } from '../lib/session.ts';
import { TrpcProviders, useTRPC } from '../lib/trpc.tsx';

const NAV: Array<{ href: string; label: string; needs?: Permission }> = [
  { href: '/', label: 'Home' },
  { href: '/payments', label: 'Payments' },
  { href: '/reviews', label: 'Reviews', needs: 'payments.read' },
  { href: '/disputes', label: 'Disputes', needs: 'payments.read' },
  { href: '/risk', label: 'Risk rules', needs: 'payments.read' },
  { href: '/balances', label: 'Balances', needs: 'balance.read' },
  { href: '/payouts', label: 'Payouts', needs: 'balance.read' },
  { href: '/reconciliation', label: 'Reconciliation', needs: 'balance.read' },
  { href: '/developers', label: 'Developers', needs: 'developers.read' },
  { href: '/team', label: 'Team', needs: 'team.read' },
  { href: '/audit-log', label: 'Audit log', needs: 'audit.read' },
  { href: '/settings', label: 'Settings', needs: 'settings.read' },
  { href: '/account', label: 'Account' },
];

/** The cookies the server reads the merchant and mode from (lib/session.ts). */
function remember(name: string, value: string) {
  // biome-ignore lint/suspicious/noDocumentCookie: a plain preference cookie the server reads.
  document.cookie = `${name}=${encodeURIComponent(value)}; path=/; max-age=31536000; samesite=lax`;
}

function SignOutButtons() {
  const trpc = useTRPC();
  const end = useMutation(
    trpc.dashboard.signOut.mutationOptions({
      onSettled: () => signOut({ callbackUrl: '/sign-in' }),
    }),
  );
  return (
    <div className="account-actions">
      <button
        type="button"
        className="button"
        disabled={end.isPending}
        onClick={() => end.mutate({})}
      >
        Sign out
      </button>
      <button
        type="button"
        className="button"
        disabled={end.isPending}
        onClick={() => end.mutate({ everywhere: true })}
      >
        Sign out everywhere
      </button>
    </div>
  );
}

export function Shell(props: {
  session: DashboardSession;
  membership: DashboardSession['memberships'][number];
  mode: 'test' | 'live';
  children: ReactNode;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const { membership, mode, session } = props;
  const scope = {
    user: { id: session.user.id, email: session.user.email },
    merchant: membership.merchant,
    merchantName: membership.merchant_name,
    role: membership.role as MembershipRole,
    mode,
  };
  // The API refuses this merchant's data until two-factor is on; the account page stays open.
  const blocked =
    membership.require_two_factor && !session.user.two_factor && !pathname.startsWith('/account');
  const switchTo = (name: string, value: string) => {
    remember(name, value);
    router.refresh();
  };
  return (
    <ScopeContext.Provider value={scope}>
      <TrpcProviders scope={{ merchant: scope.merchant, mode }}>
        <div className={`app mode-${mode}`}>
          {mode === 'test' && (
            <p className="mode-banner">
              Test mode: you are looking at test data. Nothing here moves real money.
            </p>
          )}
          <header className="topbar">
            <Link href="/" className="brand">
              Kassa
            </Link>
            {session.memberships.length > 1 ? (
              <label className="merchant-switch">
                <span className="visually-hidden">Merchant</span>
                <select
                  value={scope.merchant}
                  onChange={(event) => switchTo('kassa-dashboard-merchant', event.target.value)}
                >
                  {session.memberships.map((m) => (
                    <option key={m.merchant} value={m.merchant}>
                      {m.merchant_name}
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              <span className="merchant-name">{scope.merchantName}</span>
            )}
            <label className="mode-toggle">
              <input
                type="checkbox"
                role="switch"
                aria-checked={mode === 'test'}
                checked={mode === 'test'}
                onChange={(event) =>
                  switchTo('kassa-dashboard-mode', event.target.checked ? 'test' : 'live')
                }
              />
              <span>Test mode</span>
            </label>
            <span className="who">
              {session.user.email} · {scope.role}
            </span>
            <SignOutButtons />
          </header>
          <nav className="sidenav" aria-label="Main">
            <ul>
              {NAV.filter((item) => !item.needs || may(scope.role, item.needs)).map((item) => {
                const current =
                  item.href === '/' ? pathname === '/' : pathname.startsWith(item.href);
                return (
                  <li key={item.href}>
                    <Link href={item.href} aria-current={current ? 'page' : undefined}>
                      {item.label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
          <main className="content">
            {blocked ? (
              <section className="notice" aria-labelledby="two-factor-required">
                <h1 id="two-factor-required">Two-factor authentication required</h1>
                <p>
                  {scope.merchantName} requires two-factor authentication of everyone on its team.
                  Turn it on in <Link href="/account">your account</Link> to continue.
                </p>
              </section>
            ) : (
              props.children
            )}
          </main>
        </div>
      </TrpcProviders>
    </ScopeContext.Provider>
  );
}
