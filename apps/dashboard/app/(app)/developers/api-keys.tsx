'use client';

import { EmptyState, ErrorState, LoadingState, TableScroll } from '@kassa/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { Confirm } from '../../../components/confirm.tsx';
import { formatDate } from '../../../components/payments-table.tsx';
import { useCan, useScope } from '../../../lib/scope.tsx';
import { kassaError, useTRPC } from '../../../lib/trpc.tsx';
import { WebhookEndpoints } from './webhook-endpoints.tsx';

export interface Revealed {
  title: string;
  secret: string;
  /** What it is called on the page (default: Key). */
  label?: string;
}

/** A new key or signing secret, shown this once: only its hash (or derivation) is kept. */
export function RevealedKey(props: Revealed & { onDone: () => void; children?: ReactNode }) {
  const [copied, setCopied] = useState(false);
  const id = useId();
  const headingId = useId();
  return (
    <section className="reveal" aria-labelledby={headingId}>
      <h2 id={headingId}>{props.title}</h2>
      <p>
        Copy it now and keep it on your server. <strong>It will not be shown again</strong>.
      </p>
      {props.children && <p>{props.children}</p>}
      <label htmlFor={id}>{props.label ?? 'Key'}</label>
      <span className="inline">
        <input id={id} className="mono key-value" readOnly value={props.secret} />
        <button
          type="button"
          className="button"
          onClick={() =>
            navigator.clipboard?.writeText(props.secret).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </span>
      <button type="button" className="button primary done" onClick={props.onDone}>
        I have saved it
      </button>
    </section>
  );
}

const EXPIRIES = [
  [0, 'now'],
  [1, 'in 1 hour'],
  [24, 'in 24 hours'],
  [168, 'in 7 days'],
] as const;

/** Roll or revoke one key, each behind a confirmation. */
function KeyActions(props: {
  id: string;
  name: string;
  rolled: boolean;
  onRevealed: (r: Revealed) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState<'roll' | 'revoke'>();
  const [expiry, setExpiry] = useState<number>(24);
  const [problem, setProblem] = useState<string>();
  const selectId = useId();
  const done = () => {
    setAsking(undefined);
    void queryClient.invalidateQueries(trpc.dashboard.apiKeys.list.queryFilter());
  };
  const onError = (error: unknown) =>
    setProblem(kassaError(error)?.message ?? 'That did not work. Try again.');
  const roll = useMutation(
    trpc.dashboard.apiKeys.roll.mutationOptions({
      onSuccess: (key) => {
        done();
        props.onRevealed({ title: `New key for ${props.name}`, secret: key.secret });
      },
      onError,
    }),
  );
  const revoke = useMutation(
    trpc.dashboard.apiKeys.revoke.mutationOptions({ onSuccess: done, onError }),
  );
  if (asking === 'roll') {
    return (
      <Confirm
        legend={`Roll ${props.name}?`}
        action="Roll key"
        pending={roll.isPending}
        onConfirm={() => roll.mutate({ id: props.id, expires_in_hours: expiry })}
        onBack={() => setAsking(undefined)}
        problem={problem}
      >
        <label htmlFor={selectId}>The old key stops working</label>
        <select
          id={selectId}
          value={expiry}
          onChange={(event) => setExpiry(Number(event.target.value))}
        >
          {EXPIRIES.map(([hours, label]) => (
            <option key={hours} value={hours}>
              {label}
            </option>
          ))}
        </select>
      </Confirm>
    );
  }
  if (asking === 'revoke') {
    return (
      <Confirm
        legend={`Revoke ${props.name}? Requests with it fail at once.`}
        action="Revoke key"
        pending={revoke.isPending}
        onConfirm={() => revoke.mutate({ id: props.id })}
        onBack={() => setAsking(undefined)}
        problem={problem}
      />
    );
  }
  return (
    <span className="row-actions">
      {!props.rolled && (
        <button type="button" className="button" onClick={() => setAsking('roll')}>
          Roll<span className="visually-hidden"> {props.name}</span>
        </button>
      )}
      <button type="button" className="button" onClick={() => setAsking('revoke')}>
        Revoke<span className="visually-hidden"> {props.name}</span>
      </button>
    </span>
  );
}

function CreateKey(props: { onRevealed: (r: Revealed) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ids = { name: useId(), type: useId() };
  const [problem, setProblem] = useState<string>();
  const create = useMutation(
    trpc.dashboard.apiKeys.create.mutationOptions({
      onSuccess: (key) => {
        void queryClient.invalidateQueries(trpc.dashboard.apiKeys.list.queryFilter());
        props.onRevealed({ title: `Your new key: ${key.name ?? key.id}`, secret: key.secret });
      },
      onError: (error) => setProblem(kassaError(error)?.message ?? error.message),
    }),
  );
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(undefined);
    const form = new FormData(event.currentTarget);
    create.mutate({
      name: String(form.get('name') ?? ''),
      type: form.get('type') === 'publishable' ? 'publishable' : 'secret',
    });
  };
  return (
    <form className="create-key" onSubmit={submit}>
      <h2>Create a key</h2>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      <div className="field">
        <label htmlFor={ids.name}>Name</label>
        <input id={ids.name} name="name" required maxLength={100} placeholder="Order server" />
      </div>
      <div className="field">
        <label htmlFor={ids.type}>Type</label>
        <select id={ids.type} name="type" defaultValue="secret">
          <option value="secret">Secret (your server)</option>
          <option value="publishable">Publishable (your pages)</option>
        </select>
      </div>
      <button type="submit" className="button primary" disabled={create.isPending}>
        Create key
      </button>
    </form>
  );
}

export function ApiKeys() {
  const trpc = useTRPC();
  const scope = useScope();
  const canRead = useCan('developers.read');
  const canManage = useCan('keys.manage');
  const [revealed, setRevealed] = useState<Revealed>();
  const keys = useQuery({ ...trpc.dashboard.apiKeys.list.queryOptions({}), enabled: canRead });

  return (
    <>
      <h1>Developers</h1>
      <h2>API keys</h2>
      <p className="lede">
        API keys for {scope.mode} mode. Secret keys call the API from your server; publishable keys
        are for your pages. The SDK guide: packages/sdk/README.md.
      </p>
      {revealed && <RevealedKey {...revealed} onDone={() => setRevealed(undefined)} />}
      {!canRead ? (
        <EmptyState title="Your role does not show API keys">
          Ask an owner, admin or developer of this merchant.
        </EmptyState>
      ) : keys.isPending ? (
        <LoadingState label="Loading API keys…" />
      ) : keys.isError ? (
        <ErrorState message={kassaError(keys.error)?.message ?? keys.error.message} />
      ) : keys.data.data.length === 0 ? (
        <EmptyState title={`No ${scope.mode} keys yet`}>Create one below.</EmptyState>
      ) : (
        <TableScroll label="API keys">
          <table className="data-table">
            <caption className="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Type</th>
                <th scope="col">Created (UTC)</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                {canManage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {keys.data.data.map((key) => {
                const name = key.name ?? key.id;
                return (
                  <tr key={key.id}>
                    <td>{name}</td>
                    <td className="mono">{key.redacted}</td>
                    <td>{key.type}</td>
                    <td>{formatDate(key.created)}</td>
                    <td>{key.last_used ? formatDate(key.last_used) : 'Never'}</td>
                    <td>
                      {key.revoked
                        ? 'Revoked'
                        : key.expires_at
                          ? `Expires ${formatDate(key.expires_at)}`
                          : 'Active'}
                    </td>
                    {canManage && (
                      <td>
                        {!key.revoked && (
                          <KeyActions
                            id={key.id}
                            name={name}
                            rolled={key.expires_at !== null}
                            onRevealed={setRevealed}
                          />
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      )}
      {canManage && <CreateKey onRevealed={setRevealed} />}
      {canRead && <WebhookEndpoints onRevealed={setRevealed} />}
    </>
  );
}
