'use client';

import { ErrorState, LoadingState, TableScroll } from '@kassa/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { formatDate } from '../../../components/payments-table.tsx';
import { kassaError, useTRPC } from '../../../lib/trpc.tsx';

/** The base32 secret in groups of four, as people type it into an app. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

function RecoveryCodes(props: { codes: string[]; onDone: () => void }) {
  const headingId = useId();
  return (
    <section className="reveal" aria-labelledby={headingId}>
      <h3 id={headingId}>Your recovery codes</h3>
      <p>
        Each one signs you in once if you lose your phone. Keep them somewhere safe.{' '}
        <strong>They will not be shown again.</strong>
      </p>
      <ul className="recovery-codes mono">
        {props.codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
      <button type="button" className="button primary" onClick={props.onDone}>
        I have saved them
      </button>
    </section>
  );
}

/** Two-factor authentication: set up with an authenticator app, or turn off. */
function TwoFactor() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const codeId = useId();
  const status = useQuery(trpc.dashboard.twoFactor.status.queryOptions({}));
  const [problem, setProblem] = useState<string>();
  const [codes, setCodes] = useState<string[]>();
  const onError = (error: unknown) =>
    setProblem(kassaError(error)?.message ?? 'That did not work.');
  const refresh = () =>
    queryClient.invalidateQueries(trpc.dashboard.twoFactor.status.queryFilter());
  const begin = useMutation(trpc.dashboard.twoFactor.begin.mutationOptions({ onError }));
  const enable = useMutation(
    trpc.dashboard.twoFactor.enable.mutationOptions({
      onSuccess: (result) => {
        setCodes(result.recovery_codes);
        begin.reset();
        void refresh();
      },
      onError,
    }),
  );
  const disable = useMutation(
    trpc.dashboard.twoFactor.disable.mutationOptions({ onSuccess: () => void refresh(), onError }),
  );
  const regenerate = useMutation(
    trpc.dashboard.twoFactor.regenerateRecoveryCodes.mutationOptions({
      onSuccess: (result) => {
        setCodes(result.recovery_codes);
        void refresh();
      },
      onError,
    }),
  );
  const submit = (action: 'enable' | 'disable') => (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(undefined);
    const code = String(new FormData(event.currentTarget).get('code') ?? '').trim();
    // The enabled form has two buttons: turning off, or new recovery codes.
    const submitter = (event.nativeEvent as SubmitEvent).submitter?.getAttribute('value');
    if (action === 'disable' && submitter === 'regenerate') regenerate.mutate({ code });
    else (action === 'enable' ? enable : disable).mutate({ code });
  };

  if (status.isPending) return <LoadingState label="Loading two-factor status…" />;
  if (status.isError) {
    return <ErrorState message={kassaError(status.error)?.message ?? status.error.message} />;
  }
  return (
    <>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {codes && <RecoveryCodes codes={codes} onDone={() => setCodes(undefined)} />}
      {status.data.enabled ? (
        <>
          <p>
            <strong>Two-factor authentication is on</strong>
            {status.data.enabled_at && ` since ${formatDate(status.data.enabled_at)}`}.{' '}
            {status.data.recovery_codes_left} recovery codes left.
          </p>
          <form className="inline-form" onSubmit={submit('disable')}>
            <label htmlFor={codeId}>Code from your app, or a recovery code</label>
            <input id={codeId} name="code" autoComplete="one-time-code" required maxLength={32} />
            <button
              type="submit"
              className="button"
              value="regenerate"
              disabled={regenerate.isPending}
            >
              Make new recovery codes
            </button>
            <button type="submit" className="button" value="disable" disabled={disable.isPending}>
              Turn off two-factor
            </button>
          </form>
        </>
      ) : begin.data ? (
        <div className="setup">
          <p>
            Add this key to your authenticator app (1Password, Google Authenticator, Authy…), then
            enter the 6-digit code it shows.
          </p>
          <p>
            Key: <span className="mono setup-key">{grouped(begin.data.secret)}</span>
          </p>
          <p>
            <a href={begin.data.uri}>Open in an authenticator app on this device</a>
          </p>
          <form className="inline-form" onSubmit={submit('enable')}>
            <label htmlFor={codeId}>Code from the app</label>
            <input
              id={codeId}
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              required
              maxLength={6}
            />
            <button type="submit" className="button primary" disabled={enable.isPending}>
              Turn on two-factor
            </button>
          </form>
        </div>
      ) : (
        <>
          <p>
            Two-factor authentication is off. With it on, signing in also takes a code from an app
            on your phone (PCI DSS 8.4 asks for it for everyone who can see payment data).
          </p>
          <button
            type="button"
            className="button primary"
            disabled={begin.isPending}
            onClick={() => begin.mutate({})}
          >
            Set up two-factor
          </button>
        </>
      )}
    </>
  );
}

/** The user's live sessions on every device; any but this one can be ended here. */
function Sessions() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<string>();
  const sessions = useQuery(trpc.dashboard.sessions.list.queryOptions({}));
  const revoke = useMutation(
    trpc.dashboard.sessions.revoke.mutationOptions({
      onSuccess: () =>
        void queryClient.invalidateQueries(trpc.dashboard.sessions.list.queryFilter()),
      onError: (error) => setProblem(kassaError(error)?.message ?? 'That did not work.'),
    }),
  );
  if (sessions.isPending) return <LoadingState label="Loading your sessions…" />;
  if (sessions.isError) {
    return <ErrorState message={kassaError(sessions.error)?.message ?? sessions.error.message} />;
  }
  return (
    <>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      <TableScroll label="Your sessions">
        <table className="data-table">
          <caption className="visually-hidden">Your sessions</caption>
          <thead>
            <tr>
              <th scope="col">Browser</th>
              <th scope="col">Address</th>
              <th scope="col">Signed in (UTC)</th>
              <th scope="col">Last active (UTC)</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {sessions.data.data.map((session) => (
              <tr key={session.id}>
                <td className="user-agent">{session.user_agent ?? 'Unknown'}</td>
                <td className="mono">{session.ip ?? '—'}</td>
                <td>{formatDate(session.created)}</td>
                <td>{formatDate(session.last_active)}</td>
                <td>
                  {session.current ? (
                    'This browser'
                  ) : (
                    <button
                      type="button"
                      className="button"
                      disabled={revoke.isPending}
                      onClick={() => revoke.mutate({ id: session.id })}
                    >
                      Sign out<span className="visually-hidden"> the session {session.id}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}

const ACTIONS: Record<string, string> = {
  'auth.signIn': 'Sign-in',
  'auth.signUp': 'Account created',
  'auth.acceptInvitation': 'Invitation accepted',
  'auth.requestPasswordReset': 'Password reset asked for',
  'auth.resetPassword': 'Password changed',
};

/** The account's recent sign-in activity, refused attempts included. */
function Activity() {
  const trpc = useTRPC();
  const activity = useQuery(trpc.dashboard.authEvents.list.queryOptions({}));
  if (activity.isPending) return <LoadingState label="Loading your sign-in activity…" />;
  if (activity.isError) {
    return <ErrorState message={kassaError(activity.error)?.message ?? activity.error.message} />;
  }
  return (
    <TableScroll label="Sign-in activity">
      <table className="data-table">
        <caption className="visually-hidden">Sign-in activity</caption>
        <thead>
          <tr>
            <th scope="col">When (UTC)</th>
            <th scope="col">What</th>
            <th scope="col">Outcome</th>
            <th scope="col">Address</th>
          </tr>
        </thead>
        <tbody>
          {activity.data.data.map((event) => (
            <tr key={event.id}>
              <td>{formatDate(event.created)}</td>
              <td>{ACTIONS[event.action] ?? event.action}</td>
              <td>
                {event.outcome === 'success' ? 'Succeeded' : 'Refused'}
                {event.error_code && <span className="mono"> {event.error_code}</span>}
              </td>
              <td className="mono">{event.origin ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

export function Account() {
  return (
    <>
      <h1>Account</h1>
      <section aria-labelledby="two-factor-heading">
        <h2 id="two-factor-heading">Two-factor authentication</h2>
        <TwoFactor />
      </section>
      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Where you are signed in</h2>
        <p className="hint">
          Sessions end after 15 minutes without a request, and 12 hours after signing in.
        </p>
        <Sessions />
      </section>
      <section aria-labelledby="activity-heading">
        <h2 id="activity-heading">Recent sign-in activity</h2>
        <p className="hint">
          Your account&apos;s sign-ins and changes, and refused tries with your email. Something you
          do not recognise? Change your password and sign out everywhere.
        </p>
        <Activity />
      </section>
    </>
  );
}
