'use client';

import type { PaymentIntentStatus } from '@kassa/contracts';
import { EmptyState, ErrorState, LoadingState } from '@kassa/ui';
import { decimalToMinor } from '@kassa/ui/money';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { type FormEvent, useId } from 'react';
import { PaymentsTable } from '../../../components/payments-table.tsx';
import { useScope } from '../../../lib/scope.tsx';
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
  const text = (name: string) => params.get(name)?.trim() || undefined;
  const status = STATUSES.find(([value]) => value === params.get('status'))?.[0];
  const currency = /^[a-z]{3}$/i.test(text('currency') ?? '') ? text('currency') : undefined;
  const day = (name: string) => {
    const value = text(name);
    return value && /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? Date.parse(`${value}T00:00:00Z`) / 1000
      : undefined;
  };
  const from = day('from');
  const to = day('to');
  const amount = (name: string) => {
    const value = text(name);
    return value && currency ? decimalToMinor(value, currency) : undefined;
  };
  const min = amount('min');
  const max = amount('max');
  const last4 = /^\d{4}$/.test(text('last4') ?? '') ? text('last4') : undefined;
  const email = text('email');
  const filters = {
    ...(status && { status }),
    ...(currency && { currency }),
    ...((from !== undefined || to !== undefined) && {
      created: {
        ...(from !== undefined && { gte: from }),
        // The whole "to" day is in.
        ...(to !== undefined && { lt: to + 86_400 }),
      },
    }),
    ...((min !== undefined || max !== undefined) && {
      amount: {
        ...(min !== undefined && { gte: Number(min) }),
        ...(max !== undefined && { lte: Number(max) }),
      },
    }),
    ...(last4 && { last4 }),
    ...(email && { customer_email: email }),
  };
  const after = text('starting_after');
  const before = text('ending_before');
  const amountWithoutCurrency = !currency && Boolean(text('min') || text('max'));
  return { params, status, filters, after, before, amountWithoutCurrency };
}

const FILTER_FIELDS = [
  ['from', 'Created from', 'date'],
  ['to', 'Created to', 'date'],
  ['currency', 'Currency', 'text'],
  ['min', 'Amount from', 'text'],
  ['max', 'Amount to', 'text'],
  ['email', 'Customer email', 'email'],
  ['last4', 'Card last 4', 'text'],
] as const;

export function PaymentsList() {
  const trpc = useTRPC();
  const router = useRouter();
  const statusId = useId();
  const searchId = useId();
  const scope = useScope();
  const { params, status, filters, after, before, amountWithoutCurrency } = useListParams();
  const input = {
    limit: PAGE_SIZE,
    ...filters,
    ...(after ? { starting_after: after } : before ? { ending_before: before } : {}),
  };
  const exportHref = `/api/exports/payments?${new URLSearchParams({
    merchant: scope.merchant,
    input: JSON.stringify(filters),
  })}`;
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

  const applyFilters = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    go({
      ...Object.fromEntries(
        FILTER_FIELDS.map(([name]) => [name, String(form.get(name) ?? '').trim()]),
      ),
      starting_after: undefined,
      ending_before: undefined,
    });
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
      <form className="filters" onSubmit={applyFilters} aria-label="Filter payments">
        {FILTER_FIELDS.map(([name, label, type]) => (
          <div className="field" key={name}>
            <label htmlFor={`filter-${name}`}>{label}</label>
            <input
              id={`filter-${name}`}
              name={name}
              type={type}
              defaultValue={params.get(name) ?? ''}
              {...(name === 'last4' && { inputMode: 'numeric', maxLength: 4, pattern: '\\d{4}' })}
              {...(name === 'currency' && { maxLength: 3, placeholder: 'EUR' })}
              {...((name === 'min' || name === 'max') && { inputMode: 'decimal' })}
            />
          </div>
        ))}
        <div className="filter-actions">
          <button type="submit" className="button primary">
            Apply filters
          </button>
          <Link href="/payments" className="button">
            Clear
          </Link>
          <a href={exportHref} className="button" download>
            Export CSV
          </a>
        </div>
      </form>
      {amountWithoutCurrency && (
        <p className="hint" role="status">
          Choose a currency to filter by amount.
        </p>
      )}
      {list.isPending ? (
        <LoadingState label="Loading payments…" />
      ) : list.isError ? (
        <ErrorState message={kassaError(list.error)?.message ?? list.error.message} />
      ) : rows.length === 0 ? (
        <EmptyState
          title={
            Object.keys(filters).length > 0 ? 'No payments match these filters' : 'No payments yet'
          }
        >
          {Object.keys(filters).length > 0 && <Link href="/payments">Show all payments</Link>}
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
