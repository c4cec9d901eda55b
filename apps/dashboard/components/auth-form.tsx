'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { type FormEvent, useState } from 'react';
import { useHydrated } from '../lib/hydrated.ts';

/** The API's refusal codes, in words for the person at the form. */
const MESSAGES: Record<string, string> = {
  CredentialsSignin: 'The email or password is not right.',
  credentials_invalid: 'The email or password is not right.',
  account_locked: 'Too many wrong passwords: this account is locked for 30 minutes.',
  email_taken: 'An account with this email exists. Sign in instead.',
  'parameter_invalid:password': 'Choose a password of at least 12 characters.',
  'parameter_invalid:email': 'Enter an email address.',
  'parameter_invalid:name': 'Enter your name.',
  'parameter_invalid:business_name': 'Enter the name of your business.',
  session_ended: 'Your session ended. Sign in again.',
  two_factor_required: 'Enter the 6-digit code from your authenticator app, or a recovery code.',
  two_factor_invalid: 'That code is not right, or was used already. Wait for the next one.',
  api_unavailable: 'Kassa cannot be reached just now. Try again in a moment.',
  invitation_invalid:
    'This invitation link does not work: it was used or withdrawn, or it expired. Ask for a new one.',
  'parameter_invalid:token': 'This link is not complete: open it from the email again.',
  reset_link_invalid:
    'This reset link does not work: it was used, or it expired. Ask for a new one.',
};

/** The API's refusal code (or `parameter_invalid:<param>`), in words for the person at the form. */
export const authMessage = (code: string) => MESSAGES[code] ?? 'That did not work. Try again.';
const message = authMessage;

/** The password: typed to sign in, or chosen (at least 12 characters, said under it). */
export function PasswordField(props: { label: string; choosing: boolean }) {
  return (
    <>
      <label htmlFor="password">{props.label}</label>
      <input
        id="password"
        name="password"
        type="password"
        autoComplete={props.choosing ? 'new-password' : 'current-password'}
        required
        minLength={props.choosing ? 12 : undefined}
        maxLength={200}
        aria-describedby={props.choosing ? 'password-hint' : undefined}
      />
      {props.choosing && (
        <p id="password-hint" className="hint">
          At least 12 characters.
        </p>
      )}
    </>
  );
}

/** The second factor, once the API asks for it: it takes the focus. */
export function CodeField() {
  return (
    <>
      <label htmlFor="code">Authentication code</label>
      <input
        id="code"
        name="code"
        autoComplete="one-time-code"
        inputMode="text"
        required
        maxLength={32}
        // biome-ignore lint/a11y/noAutofocus: the one field left to fill, just asked for.
        autoFocus
      />
    </>
  );
}

/** Sign-in and sign-up: both end signed in through next-auth's credentials provider. */
export function AuthForm(props: { intent: 'sign-in' | 'sign-up' }) {
  const router = useRouter();
  const params = useSearchParams();
  const [error, setError] = useState<string | undefined>(params.get('error') ?? undefined);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();
  // Once the API asks for a second factor, the form asks for it too (and keeps asking).
  const [needsCode, setNeedsCode] = useState(false);
  const signingUp = props.intent === 'sign-up';

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const form = new FormData(event.currentTarget);
    const fields = Object.fromEntries(
      [...form.entries()].map(([name, value]) => [name, String(value)]),
    );
    const result = await signIn('credentials', {
      ...fields,
      intent: props.intent,
      redirect: false,
    });
    if (result?.ok && !result.error) {
      router.replace(
        params.get('callbackUrl')?.startsWith('/') ? (params.get('callbackUrl') as string) : '/',
      );
      router.refresh();
      return;
    }
    setBusy(false);
    const code = result?.error ?? 'api_unavailable';
    if (code === 'two_factor_required' || code === 'two_factor_invalid') setNeedsCode(true);
    setError(code);
  }

  return (
    <form className="auth-form" onSubmit={submit} noValidate={false}>
      {error && (
        <p className="form-error" role="alert">
          {message(error)}
        </p>
      )}
      {signingUp && (
        <>
          <label htmlFor="name">Your name</label>
          <input id="name" name="name" autoComplete="name" required maxLength={100} />
          <label htmlFor="business_name">Business name</label>
          <input
            id="business_name"
            name="business_name"
            autoComplete="organization"
            required
            maxLength={100}
          />
        </>
      )}
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="email" required maxLength={254} />
      <PasswordField label="Password" choosing={signingUp} />
      {needsCode && <CodeField />}
      <button type="submit" className="button primary" disabled={busy || !hydrated}>
        {busy ? 'One moment…' : signingUp ? 'Create account' : 'Sign in'}
      </button>
    </form>
  );
}
