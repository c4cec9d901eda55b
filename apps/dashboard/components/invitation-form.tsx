'use client';

import { TRPCClientError } from '@trpc/client';
import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { type FormEvent, useEffect, useState } from 'react';
import { publicApi, tokenFromFragment } from '../lib/public-api.ts';
import { authMessage, CodeField, PasswordField } from './auth-form.tsx';

interface Invitation {
  merchant: string;
  merchant_name: string;
  email: string;
  role: string;
  expires_at: number;
  account_exists: boolean;
}

const codeOf = (error: unknown) =>
  error instanceof TRPCClientError
    ? ((error.data as { code?: string } | undefined)?.code ?? 'api_unavailable')
    : 'api_unavailable';

/**
 * Accepting an invitation: the token comes from the link's fragment; the page shows who invites
 * to what, then either makes the account (name and password) or takes the existing account's
 * password (and code), and signs in through next-auth like the sign-in page.
 */
export function InvitationForm() {
  const router = useRouter();
  const [token, setToken] = useState<string>();
  const [invitation, setInvitation] = useState<Invitation>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [needsCode, setNeedsCode] = useState(false);

  useEffect(() => {
    const found = tokenFromFragment();
    setToken(found);
    if (!found) {
      setError('parameter_invalid:token');
      return;
    }
    publicApi.auth.invitation
      .query({ token: found })
      .then(setInvitation, (cause: unknown) => setError(codeOf(cause)));
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!token || !invitation) return;
    setBusy(true);
    setError(undefined);
    const fields = Object.fromEntries(
      [...new FormData(event.currentTarget).entries()].map(([k, v]) => [k, String(v)]),
    );
    const result = await signIn('credentials', {
      ...fields,
      token,
      intent: 'accept-invitation',
      redirect: false,
    });
    if (result?.ok && !result.error) {
      // biome-ignore lint/suspicious/noDocumentCookie: the merchant preference the server reads.
      document.cookie = `kassa-dashboard-merchant=${encodeURIComponent(invitation.merchant)}; path=/; max-age=31536000; samesite=lax`;
      router.replace('/');
      router.refresh();
      return;
    }
    setBusy(false);
    const code = result?.error ?? 'api_unavailable';
    if (code === 'two_factor_required' || code === 'two_factor_invalid') setNeedsCode(true);
    setError(code);
  }

  if (!invitation) {
    return error ? (
      <p className="form-error" role="alert">
        {authMessage(error)}
      </p>
    ) : (
      <p role="status">Opening your invitation…</p>
    );
  }
  const joining = invitation.account_exists;
  return (
    <>
      <p className="lede">
        Join <strong>{invitation.merchant_name}</strong> as {invitation.role}, with{' '}
        <strong>{invitation.email}</strong>.
      </p>
      <form className="auth-form" onSubmit={submit}>
        {error && (
          <p className="form-error" role="alert">
            {authMessage(error)}
          </p>
        )}
        {!joining && (
          <>
            <label htmlFor="name">Your name</label>
            <input id="name" name="name" autoComplete="name" required maxLength={100} />
          </>
        )}
        <PasswordField
          label={joining ? 'Your Kassa password' : 'Choose a password'}
          choosing={!joining}
        />
        {needsCode && <CodeField />}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'One moment…' : joining ? 'Sign in and join' : 'Create account and join'}
        </button>
      </form>
    </>
  );
}
