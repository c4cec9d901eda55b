'use client';

import { eventTypes } from '@kassa/contracts/event-types';
import { EmptyState, ErrorState, LoadingState, TableScroll } from '@kassa/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { type FormEvent, useId, useState } from 'react';
import { formatDate } from '../../../components/payments-table.tsx';
import { useCan, useScope } from '../../../lib/scope.tsx';
import { kassaError, useTRPC, useTRPCClient } from '../../../lib/trpc.tsx';
import type { Revealed } from './api-keys.tsx';

/** What an endpoint can listen to: everything, a family, or single types. */
export const EVENT_CHOICES = [
  '*',
  ...new Set(eventTypes.map((type) => `${type.split('.')[0]}.*`)),
  ...eventTypes,
];

function CreateEndpoint(props: { onRevealed: (r: Revealed) => void }) {
  const client = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ids = { url: useId(), events: useId(), description: useId() };
  const [problem, setProblem] = useState<string>();
  const create = useMutation({
    mutationFn: (input: { url: string; enabled_events: string[]; description?: string }) =>
      client.dashboard.webhookEndpoints.create.mutate(
        input as Parameters<typeof client.dashboard.webhookEndpoints.create.mutate>[0],
        { context: { idempotencyKey: crypto.randomUUID() } },
      ),
    onSuccess: (endpoint) => {
      void queryClient.invalidateQueries(trpc.dashboard.webhookEndpoints.list.queryFilter());
      props.onRevealed({
        title: `Signing secret of ${endpoint.url}`,
        secret: endpoint.secret as string,
        label: 'Signing secret',
      });
    },
    onError: (error) => setProblem(kassaError(error)?.message ?? error.message),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(undefined);
    const form = new FormData(event.currentTarget);
    const description = String(form.get('description') ?? '').trim();
    create.mutate({
      url: String(form.get('url') ?? ''),
      enabled_events: form.getAll('events').map(String),
      ...(description && { description }),
    });
  };
  return (
    <form className="create-key" onSubmit={submit}>
      <h3>Add an endpoint</h3>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      <div className="field">
        <label htmlFor={ids.url}>Endpoint URL</label>
        <input
          id={ids.url}
          name="url"
          type="url"
          required
          maxLength={2048}
          placeholder="https://example.com/kassa/webhooks"
        />
      </div>
      <div className="field">
        <label htmlFor={ids.events}>Events to send</label>
        <select id={ids.events} name="events" multiple required size={6} defaultValue={['*']}>
          {EVENT_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {choice === '*' ? 'Every event (*)' : choice}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.description}>Description (optional)</label>
        <input id={ids.description} name="description" maxLength={500} />
      </div>
      <button type="submit" className="button primary" disabled={create.isPending}>
        Add endpoint
      </button>
    </form>
  );
}

/** The merchant's webhook endpoints in the mode shown; each opens its delivery log. */
export function WebhookEndpoints(props: { onRevealed: (r: Revealed) => void }) {
  const trpc = useTRPC();
  const scope = useScope();
  const canManage = useCan('webhooks.manage');
  const endpoints = useQuery(trpc.dashboard.webhookEndpoints.list.queryOptions({ limit: 100 }));
  return (
    <section aria-labelledby="webhook-endpoints">
      <h2 id="webhook-endpoints">Webhook endpoints</h2>
      <p className="lede">
        Kassa POSTs each event to these URLs, signed with the endpoint&apos;s secret (
        <Link href="/developers/events">see the events</Link>).
      </p>
      {endpoints.isPending ? (
        <LoadingState label="Loading webhook endpoints…" />
      ) : endpoints.isError ? (
        <ErrorState message={kassaError(endpoints.error)?.message ?? endpoints.error.message} />
      ) : endpoints.data.data.length === 0 ? (
        <EmptyState title={`No ${scope.mode} endpoints yet`}>
          {canManage ? 'Add one below.' : 'An owner, admin or developer adds them.'}
        </EmptyState>
      ) : (
        <TableScroll label="Webhook endpoints">
          <table className="data-table">
            <caption className="visually-hidden">Webhook endpoints</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Created (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.data.data.map((endpoint) => (
                <tr key={endpoint.id}>
                  <td>
                    <Link className="mono" href={`/developers/webhooks/${endpoint.id}`}>
                      {endpoint.url}
                    </Link>
                  </td>
                  <td className="mono">{endpoint.enabled_events.join(', ')}</td>
                  <td>{endpoint.status}</td>
                  <td>{formatDate(endpoint.created)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {canManage && <CreateEndpoint onRevealed={props.onRevealed} />}
    </section>
  );
}
