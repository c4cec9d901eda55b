'use client';

import type { PaymentIntentStatus } from '@kassa/contracts';
import { EmptyState, ErrorState, LoadingState } from '@kassa/ui';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { type FormEvent, useId } from 'react';
import { PaymentsTable } from '../../../components/payments-table.tsx';
import { kassaError, useTRPC } from '../../../lib/trpc.tsx';

const STATUSES: Array<[PaymentIntentStatus, string]> = [
  ['succeeded', 'Succeeded'],
  ['requires_capture', 'Authorized'],
  ['requires_payment_method', 'Awaiting payment'],
  ['requires_action', 'Needs 3-D Secure'],
  ['processing', 'Processing'],
  ['canceled', 'Canceled'],
];
const PAGE_SIZE = 25;

/** The filters and cursor live in the address: a page of the list can be shared or reloaded. */
function useListParams() {
  const params = useSearchParams();
  const status = STATUSES.find(([value]) => value === params.get('status'))?.[0];
  const after = params.get('starting_after') ?? undefined;
  const before = params.get('ending_before') ?? undefined;
  return { params, status, after, before };
}

export function PaymentsList() {
  const trpc = useTRPC();
  const router = useRouter();
  const statusId = useId();
  const searchId = useId();
  const { params, status, after, before } = useListParams();
  const input = {
    limit: PAGE_SIZE,
    ...(status && { status }),
    ...(after ? { starting_after: after } : before ? { ending_before: before } : {}),
  };
  const list = useQuery({
    ...trpc.dashboard.paymentIntents.list.queryOptions(input),
    placeholderData: keepPreviousData,
  });

  const go = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined || value === '') next.delete(name);
      else next.set(name, value);
    }
    router.push(`/payments${next.size > 0 ? `?${next}` : ''}`);
  };

  const search = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const id = String(new FormData(event.currentTarget).get('id') ?? '').trim();
    if (/^pi_[A-Za-z0-9]{1,64}$/.test(id)) router.push(`/payments/${id}`);
  };

  const rows = list.data?.data ?? [];
  const first = rows[0];
  const last = rows.at(-1);
  // Going back (ending_before), has_more says whether there are newer ones.
  const hasNewer = before ? Boolean(list.data?.has_more) : Boolean(after);
  const hasOlder = before ? true : Boolean(list.data?.has_more);

  return (
    <>
      <h1>Payments</h1>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={statusId}>Status</label>
          <select
            id={statusId}
            value={status ?? ''}
            onChange={(event) =>
              go({
                status: event.target.value,
                starting_after: undefined,
                ending_before: undefined,
              })
            }
          >
            <option value="">All</option>
            {STATUSES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <search className="field">
          <form onSubmit={search}>
            <label htmlFor={searchId}>Find a payment by id</label>
            <span className="inline">
              <input id={searchId} name="id" placeholder="pi_…" pattern="pi_[A-Za-z0-9]+" />
              <button type="submit" className="button">
                Go
              </button>
            </span>
          </form>
        </search>
      </div>
      {list.isPending ? (
        <LoadingState label="Loading payments…" />
      ) : list.isError ? (
        <ErrorState message={kassaError(list.error)?.message ?? list.error.message} />
      ) : rows.length === 0 ? (
        <EmptyState title={status ? 'No payments with this status' : 'No payments yet'}>
          {status && <Link href="/payments">Show all payments</Link>}
        </EmptyState>
      ) : (
        <>
          <PaymentsTable payments={rows} caption="Payments, newest first" />
          <nav className="pager" aria-label="Pages of payments">
            <button
              type="button"
              className="button"
              disabled={!hasNewer || !first}
              onClick={() => go({ ending_before: first?.id, starting_after: undefined })}
            >
              Newer
            </button>
            <button
              type="button"
              className="button"
              disabled={!hasOlder || !last}
              onClick={() => go({ starting_after: last?.id, ending_before: undefined })}
            >
              Older
            </button>
          </nav>
        </>
      )}
    </>
  );
}
