'use client';

import { EmptyState, ErrorState, LoadingState, TableScroll } from '@kassa/ui';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useId, useState } from 'react';
import { formatDate } from '../../../../components/payments-table.tsx';
import { useScope } from '../../../../lib/scope.tsx';
import { kassaError, useTRPC, useTRPCClient } from '../../../../lib/trpc.tsx';
import { EVENT_CHOICES } from '../webhook-endpoints.tsx';

const problemOf = (error: unknown) => kassaError(error)?.message ?? 'That did not work. Try again.';

/** The event explorer: the merchant's events in the mode shown, newest first, by type. */
export function Events() {
  const trpc = useTRPC();
  const scope = useScope();
  const typeId = useId();
  const [type, setType] = useState('');
  const client = useTRPCClient();
  const filters = { limit: 25, ...(type && { type }) } as { limit: number; type?: 'refund.*' };
  const events = useInfiniteQuery({
    queryKey: [...trpc.dashboard.events.list.queryKey(filters), 'pages'],
    queryFn: ({ pageParam }) =>
      client.dashboard.events.list.query({
        ...filters,
        ...(pageParam && { starting_after: pageParam }),
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => (page.has_more ? page.data.at(-1)?.id : undefined),
  });
  const rows = events.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <>
      <p>
        <Link href="/developers">Developers</Link>
      </p>
      <h1>Events</h1>
      <p className="lede">
        Everything that happened in {scope.mode} mode, as webhooks carry it. Newest first.
      </p>
      <div className="inline-form">
        <label htmlFor={typeId}>Type</label>
        <select id={typeId} value={type} onChange={(event) => setType(event.target.value)}>
          {EVENT_CHOICES.map((choice) => (
            <option key={choice} value={choice === '*' ? '' : choice}>
              {choice === '*' ? 'All types' : choice}
            </option>
          ))}
        </select>
      </div>
      {events.isPending ? (
        <LoadingState label="Loading events…" />
      ) : events.isError ? (
        <ErrorState message={problemOf(events.error)} />
      ) : rows.length === 0 ? (
        <EmptyState title="No events">Payments and refunds make events.</EmptyState>
      ) : (
        <TableScroll label="Events">
          <table className="data-table">
            <caption className="visually-hidden">Events</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Type</th>
                <th scope="col">Object</th>
                <th scope="col">Created (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((event) => (
                <tr key={event.id}>
                  <td>
                    <Link className="mono" href={`/developers/events/${event.id}`}>
                      {event.id}
                    </Link>
                  </td>
                  <td className="mono">{event.type}</td>
                  <td className="mono">{(event.data.object as { id?: string }).id ?? '—'}</td>
                  <td>{formatDate(event.created)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {events.hasNextPage && (
        <button
          type="button"
          className="button"
          disabled={events.isFetchingNextPage}
          onClick={() => void events.fetchNextPage()}
        >
          Older events
        </button>
      )}
    </>
  );
}

/** One event, whole: its JSON as webhooks send it. */
export function EventDetail(props: { id: string }) {
  const trpc = useTRPC();
  const event = useQuery(trpc.dashboard.events.retrieve.queryOptions({ id: props.id }));
  if (event.isPending) return <LoadingState label="Loading the event…" />;
  if (event.isError) return <ErrorState message={problemOf(event.error)} />;
  const object = event.data.data.object as { id?: string };
  return (
    <>
      <p>
        <Link href="/developers/events">Events</Link>
      </p>
      <h1 className="mono break">{event.data.type}</h1>
      <dl className="facts">
        <dt>Id</dt>
        <dd className="mono">{event.data.id}</dd>
        <dt>Created (UTC)</dt>
        <dd>{formatDate(event.data.created)}</dd>
        <dt>Object</dt>
        <dd className="mono">
          {object.id?.startsWith('pi_') ? (
            <Link href={`/payments/${object.id}`}>{object.id}</Link>
          ) : (
            (object.id ?? '—')
          )}
        </dd>
      </dl>
      <section aria-labelledby="event-json">
        <h2 id="event-json">JSON</h2>
        <pre className="mono json">{JSON.stringify(event.data, null, 2)}</pre>
      </section>
    </>
  );
}
