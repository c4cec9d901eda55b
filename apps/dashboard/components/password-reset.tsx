'use client';

import { TRPCClientError } from '@trpc/client';
import Link from 'next/link';
import { type FormEvent, useEffect, useState } from 'react';
import { useHydrated } from '../lib/hydrated.ts';
import { publicApi, tokenFromFragment } from '../lib/public-api.ts';
import { authMessage } from './auth-form.tsx';

const codeOf = (error: unknown) => {
  const data =
    error instanceof TRPCClientError
      ? (error.data as { code?: string; param?: string } | undefined)
      : undefined;
  if (!data?.code) return 'api_unavailable';
  return data.code === 'parameter_invalid' && data.param ? `${data.code}:${data.param}` : data.code;
};

/** Asks for a reset link. The answer is the same whether the email has an account or not. */
export function ForgotPasswordForm() {
  const hydrated = useHydrated();
  const [sentTo, setSentTo] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const email = String(new FormData(event.currentTarget).get('email') ?? '');
    try {
      setSentTo((await publicApi.auth.requestPasswordReset.mutate({ email })).email);
    } catch (cause) {
      setError(codeOf(cause));
    } finally {
      setBusy(false);
    }
  }
  if (sentTo) {
    return (
      <p role="status" className="notice">
        If an account uses <strong>{sentTo}</strong>, a link to choose a new password is on its way.
        It works once, for an hour.
      </p>
    );
  }
  return (
    <form className="auth-form" onSubmit={submit}>
      {error && (
        <p className="form-error" role="alert">
          {authMessage(error)}
        </p>
      )}
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="email" required maxLength={254} />
      <button type="submit" className="button primary" disabled={busy || !hydrated}>
        {busy ? 'One moment…' : 'Email me a link'}
      </button>
    </form>
  );
}

/** Sets a new password with the token of the emailed link (in the address's fragment). */
export function ResetPasswordForm() {
  const [token, setToken] = useState<string>();
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const found = tokenFromFragment();
    setToken(found);
    if (!found) setError('parameter_invalid:token');
  }, []);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!token) return;
    const form = new FormData(event.currentTarget);
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('confirm') ?? '')) {
      setError('passwords_differ');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await publicApi.auth.resetPassword.mutate({ token, password });
      setDone(true);
    } catch (cause) {
      setError(codeOf(cause));
    } finally {
      setBusy(false);
    }
  }
  if (done) {
    return (
      <p role="status" className="notice">
        Your password is changed, and every session of yours has ended.{' '}
        <Link href="/sign-in">Sign in</Link> with the new one.
      </p>
    );
  }
  return (
    <form className="auth-form" onSubmit={submit}>
      {error && (
        <p className="form-error" role="alert">
          {error === 'passwords_differ' ? 'The two passwords differ.' : authMessage(error)}
          {error === 'reset_link_invalid' && (
            <>
              {' '}
              <Link href="/forgot-password">Ask for a new link</Link>
            </>
          )}
        </p>
      )}
      <label htmlFor="password">New password</label>
      <input
        id="password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={12}
        maxLength={200}
        aria-describedby="password-hint"
      />
      <p id="password-hint" className="hint">
        At least 12 characters.
      </p>
      <label htmlFor="confirm">The same again</label>
      <input
        id="confirm"
        name="confirm"
        type="password"
        autoComplete="new-password"
        required
        maxLength={200}
      />
      <button type="submit" className="button primary" disabled={busy || !token}>
        {busy ? 'One moment…' : 'Set new password'}
      </button>
    </form>
  );
}
