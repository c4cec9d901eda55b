'use client';

import { EmptyState, ErrorState, LoadingState, TableScroll } from '@kassa/ui';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, useId, useState } from 'react';
import { Confirm } from '../../../../../components/confirm.tsx';
import { formatDate } from '../../../../../components/payments-table.tsx';
import { useCan } from '../../../../../lib/scope.tsx';
import { kassaError, useTRPC, useTRPCClient } from '../../../../../lib/trpc.tsx';
import { type Revealed, RevealedKey } from '../../api-keys.tsx';

const problemOf = (error: unknown) => kassaError(error)?.message ?? 'That did not work. Try again.';

const pretty = (json: string) => {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
};

const headerLines = (headers: Record<string, string> | null | undefined) =>
  Object.entries(headers ?? {})
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');

/** One delivery, opened: each attempt's request and response, and a resend. */
function DeliveryDetail(props: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canManage = useCan('webhooks.manage');
  const [problem, setProblem] = useState<string>();
  const detail = useQuery(trpc.dashboard.webhookDeliveries.retrieve.queryOptions({ id: props.id }));
  const resend = useMutation(
    trpc.dashboard.webhookDeliveries.resend.mutationOptions({
      onSuccess: () => {
        setProblem(undefined);
        void queryClient.invalidateQueries(trpc.dashboard.webhookDeliveries.pathFilter());
      },
      onError: (error) => setProblem(problemOf(error)),
    }),
  );
  if (detail.isPending) return <LoadingState label="Loading the delivery…" />;
  if (detail.isError) return <ErrorState message={problemOf(detail.error)} />;
  const delivery = detail.data;
  return (
    <div className="delivery-detail">
      <p>
        Event <Link href={`/developers/events/${delivery.event}`}>{delivery.event}</Link> ·{' '}
        {delivery.status} after {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
        {delivery.next_attempt_at && ` · next attempt ${formatDate(delivery.next_attempt_at)}`}
      </p>
      {canManage && delivery.status !== 'pending' && (
        <button
          type="button"
          className="button"
          disabled={resend.isPending}
          onClick={() => resend.mutate({ id: delivery.id })}
        >
          Resend
        </button>
      )}
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      <ol className="attempts">
        {delivery.attempt_log.map((attempt) => (
          <li key={attempt.attempt}>
            <h4>
              Attempt {attempt.attempt} · {formatDate(attempt.started)} ·{' '}
              {attempt.response ? `HTTP ${attempt.response.status}` : attempt.error} ·{' '}
              {attempt.duration_ms} ms
            </h4>
            <div className="exchange">
              <section aria-label={`Request of attempt ${attempt.attempt}`}>
                <h5>Request</h5>
                <pre className="mono">
                  {`POST ${attempt.request.url}\n${headerLines(attempt.request.headers)}\n\n${pretty(delivery.request_body)}`}
                </pre>
              </section>
              <section aria-label={`Response of attempt ${attempt.attempt}`}>
                <h5>Response</h5>
                <pre className="mono">
                  {attempt.response
                    ? `HTTP ${attempt.response.status}\n${headerLines(attempt.response.headers)}\n\n${attempt.response.body ?? ''}`
                    : `No answer: ${attempt.error}`}
                </pre>
              </section>
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}

function ResendFailed(props: { endpoint: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [result, setResult] = useState<string>();
  const resend = useMutation(
    trpc.dashboard.webhookDeliveries.resendFailed.mutationOptions({
      onSuccess: (answer) => {
        setResult(`${answer.resent} failed deliver${answer.resent === 1 ? 'y' : 'ies'} resent.`);
        void queryClient.invalidateQueries(trpc.dashboard.webhookDeliveries.pathFilter());
      },
      onError: (error) => setResult(problemOf(error)),
    }),
  );
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const since = String(new FormData(event.currentTarget).get('since') ?? '');
    // The field is a UTC wall-clock time, as every time on these pages.
    resend.mutate({ endpoint: props.endpoint, since: Math.floor(Date.parse(`${since}Z`) / 1000) });
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor={id}>Resend every failed delivery since (UTC)</label>
      <input id={id} name="since" type="datetime-local" required />
      <button type="submit" className="button" disabled={resend.isPending}>
        Resend failed
      </button>
      {result && <p role="status">{result}</p>}
    </form>
  );
}

function EndpointActions(props: { id: string; disabled: boolean }) {
  const client = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [revealed, setRevealed] = useState<Revealed>();
  const [asking, setAsking] = useState<'delete'>();
  const [problem, setProblem] = useState<string>();
  const refresh = () => queryClient.invalidateQueries(trpc.dashboard.webhookEndpoints.pathFilter());
  const context = () => ({ context: { idempotencyKey: crypto.randomUUID() } });
  const toggle = useMutation({
    mutationFn: () =>
      client.dashboard.webhookEndpoints.update.mutate(
        { id: props.id, disabled: !props.disabled },
        context(),
      ),
    onSuccess: refresh,
    onError: (error) => setProblem(problemOf(error)),
  });
  const roll = useMutation({
    mutationFn: () =>
      client.dashboard.webhookEndpoints.rollSecret.mutate(
        { id: props.id, expires_in_hours: 24 },
        context(),
      ),
    onSuccess: (endpoint) =>
      setRevealed({
        title: 'New signing secret',
        secret: endpoint.secret as string,
        label: 'Signing secret',
      }),
    onError: (error) => setProblem(problemOf(error)),
  });
  const remove = useMutation({
    mutationFn: () => client.dashboard.webhookEndpoints.del.mutate({ id: props.id }, context()),
    onSuccess: async () => {
      await refresh();
      router.push('/developers');
    },
    onError: (error) => setProblem(problemOf(error)),
  });
  return (
    <>
      {revealed && (
        <RevealedKey {...revealed} onDone={() => setRevealed(undefined)}>
          The old secret keeps signing beside it for 24 hours.
        </RevealedKey>
      )}
      <div className="row-actions">
        <button
          type="button"
          className="button"
          disabled={toggle.isPending}
          onClick={() => toggle.mutate()}
        >
          {props.disabled ? 'Enable' : 'Disable'}
        </button>
        <button
          type="button"
          className="button"
          disabled={roll.isPending}
          onClick={() => roll.mutate()}
        >
          Roll secret
        </button>
        {asking === 'delete' ? (
          <Confirm
            legend="Delete this endpoint? Nothing more is sent to it."
            action="Delete endpoint"
            pending={remove.isPending}
            onConfirm={() => remove.mutate()}
            onBack={() => setAsking(undefined)}
          />
        ) : (
          <button type="button" className="button" onClick={() => setAsking('delete')}>
            Delete…
          </button>
        )}
      </div>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}

export function Endpoint(props: { id: string }) {
  const trpc = useTRPC();
  const canManage = useCan('webhooks.manage');
  const [open, setOpen] = useState<string>();
  const [status, setStatus] = useState<'' | 'pending' | 'succeeded' | 'dead'>('');
  const statusId = useId();
  const endpoint = useQuery(
    trpc.dashboard.webhookEndpoints.retrieve.queryOptions({ id: props.id }),
  );
  const client = useTRPCClient();
  const filters = { endpoint: props.id, limit: 20, ...(status && { status }) };
  // Older pages by cursor (starting_after), under the procedure's key so invalidation finds them.
  const deliveries = useInfiniteQuery({
    queryKey: [...trpc.dashboard.webhookDeliveries.list.queryKey(filters), 'pages'],
    queryFn: ({ pageParam }) =>
      client.dashboard.webhookDeliveries.list.query({
        ...filters,
        ...(pageParam && { starting_after: pageParam }),
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => (page.has_more ? page.data.at(-1)?.id : undefined),
  });
  if (endpoint.isPending) return <LoadingState label="Loading the endpoint…" />;
  if (endpoint.isError) return <ErrorState message={problemOf(endpoint.error)} />;
  const rows = deliveries.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <>
      <p>
        <Link href="/developers">Developers</Link>
      </p>
      <h1 className="mono break">{endpoint.data.url}</h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd>{endpoint.data.status}</dd>
        <dt>Events</dt>
        <dd className="mono">{endpoint.data.enabled_events.join(', ')}</dd>
        <dt>Description</dt>
        <dd>{endpoint.data.description ?? '—'}</dd>
        <dt>Id</dt>
        <dd className="mono">{endpoint.data.id}</dd>
      </dl>
      {canManage && (
        <EndpointActions id={props.id} disabled={endpoint.data.status === 'disabled'} />
      )}
      <h2>Deliveries</h2>
      <div className="inline-form">
        <label htmlFor={statusId}>Status</label>
        <select
          id={statusId}
          value={status}
          onChange={(event) => setStatus(event.target.value as typeof status)}
        >
          <option value="">All</option>
          <option value="pending">Pending</option>
          <option value="succeeded">Succeeded</option>
          <option value="dead">Failed</option>
        </select>
      </div>
      {canManage && <ResendFailed endpoint={props.id} />}
      {deliveries.isPending ? (
        <LoadingState label="Loading deliveries…" />
      ) : deliveries.isError ? (
        <ErrorState message={problemOf(deliveries.error)} />
      ) : rows.length === 0 ? (
        <EmptyState title="No deliveries">Events this endpoint listens to show up here.</EmptyState>
      ) : (
        <TableScroll label="Deliveries">
          <table className="data-table">
            <caption className="visually-hidden">Deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">Created (UTC)</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((delivery) => (
                <tr key={delivery.id}>
                  <td className="mono">{delivery.event_type}</td>
                  <td>{delivery.status === 'dead' ? 'failed' : delivery.status}</td>
                  <td>{delivery.attempts}</td>
                  <td>
                    {delivery.last_response_status
                      ? `HTTP ${delivery.last_response_status}`
                      : (delivery.last_error ?? '—')}
                  </td>
                  <td>{formatDate(delivery.created)}</td>
                  <td>
                    <button
                      type="button"
                      className="button"
                      aria-expanded={open === delivery.id}
                      onClick={() => setOpen(open === delivery.id ? undefined : delivery.id)}
                    >
                      {open === delivery.id ? 'Hide' : 'Show'}
                      <span className="visually-hidden"> delivery {delivery.id}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {open && (
        <section aria-label="Delivery" className="panel wide">
          <h3 className="mono">{open}</h3>
          <DeliveryDetail id={open} />
        </section>
      )}
      {deliveries.hasNextPage && (
        <button
          type="button"
          className="button"
          disabled={deliveries.isFetchingNextPage}
          onClick={() => void deliveries.fetchNextPage()}
        >
          Older deliveries
        </button>
      )}
    </>
  );
}
