'use client';

import { EmptyState, ErrorState, LoadingState, StatusBadge, TableScroll } from '@kassa/ui';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import type { FormEvent } from 'react';
import { formatDate } from '../../../components/payments-table.tsx';
import { useCan, useScope } from '../../../lib/scope.tsx';
import { kassaError, useTRPC } from '../../../lib/trpc.tsx';

const FIELDS = [
  ['action', 'Action', 'dashboard.refunds.create, or refunds.*'],
  ['actor', 'Who', 'user:usr_… or key:key_…'],
  ['object_id', 'Object', 'pi_…, re_…, key_…'],
] as const;

/**
 * Every change made through the API or the dashboard, and every refused attempt at one (PCI DSS
 * 10.2): who, what, when, the outcome, where from and the object. Filters live in the address;
 * the filtered log exports as CSV.
 */
export function AuditLog() {
  const trpc = useTRPC();
  const router = useRouter();
  const params = useSearchParams();
  const scope = useScope();
  const allowed = useCan('audit.read');
  const text = (name: string) => params.get(name)?.trim() || undefined;
  const outcome = ['success', 'failure'].find((o) => o === params.get('outcome')) as
    | 'success'
    | 'failure'
    | undefined;
  const filters = {
    ...(outcome && { outcome }),
    ...Object.fromEntries(
      FIELDS.flatMap(([name]) => (text(name) ? [[name, text(name) as string]] : [])),
    ),
  };
  const after = text('starting_after');
  const log = useQuery({
    ...trpc.dashboard.auditLog.list.queryOptions({
      limit: 50,
      ...filters,
      ...(after && { starting_after: after }),
    }),
    enabled: allowed,
    placeholderData: keepPreviousData,
  });

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const name of ['outcome', ...FIELDS.map(([n]) => n)]) {
      const value = String(form.get(name) ?? '').trim();
      if (value) next.set(name, value);
    }
    router.push(`/audit-log${next.size > 0 ? `?${next}` : ''}`);
  };
  const exportHref = `/api/exports/audit-log?${new URLSearchParams({
    merchant: scope.merchant,
    input: JSON.stringify(filters),
  })}`;
  const last = log.data?.data.at(-1);

  if (!allowed) {
    return (
      <>
        <h1>Audit log</h1>
        <EmptyState title="Your role does not show the audit log">
          Ask an owner or admin of this merchant.
        </EmptyState>
      </>
    );
  }
  return (
    <>
      <h1>Audit log</h1>
      <p className="lede">
        Every change through the API or this dashboard, and every refused attempt, in {scope.mode}{' '}
        mode. Entries cannot be changed or deleted.
      </p>
      <form className="filters" onSubmit={apply} aria-label="Filter the audit log">
        <div className="field">
          <label htmlFor="filter-outcome">Outcome</label>
          <select id="filter-outcome" name="outcome" defaultValue={outcome ?? ''}>
            <option value="">Any</option>
            <option value="success">Success</option>
            <option value="failure">Failure</option>
          </select>
        </div>
        {FIELDS.map(([name, label, placeholder]) => (
          <div className="field" key={name}>
            <label htmlFor={`filter-${name}`}>{label}</label>
            <input
              id={`filter-${name}`}
              name={name}
              placeholder={placeholder}
              defaultValue={params.get(name) ?? ''}
            />
          </div>
        ))}
        <div className="filter-actions">
          <button type="submit" className="button primary">
            Apply filters
          </button>
          <Link href="/audit-log" className="button">
            Clear
          </Link>
          <a href={exportHref} className="button" download>
            Export CSV
          </a>
        </div>
      </form>
      {log.isPending ? (
        <LoadingState label="Loading the audit log…" />
      ) : log.isError ? (
        <ErrorState message={kassaError(log.error)?.message ?? log.error.message} />
      ) : log.data.data.length === 0 ? (
        <EmptyState title="No entries match" />
      ) : (
        <>
          <TableScroll label="Audit log entries">
            <table className="data-table">
              <caption className="visually-hidden">Audit log, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Object</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {log.data.data.map((entry) => (
                  <tr key={entry.id}>
                    <td>{formatDate(entry.created)}</td>
                    <td>
                      {entry.actor_name && <span className="member-name">{entry.actor_name}</span>}
                      <span className="mono">{entry.actor}</span>
                    </td>
                    <td className="mono">{entry.action}</td>
                    <td>
                      <StatusBadge status={entry.outcome === 'success' ? 'succeeded' : 'failed'} />
                      {entry.error_code && <span className="mono"> {entry.error_code}</span>}
                    </td>
                    <td className="mono">{entry.object_id ?? '—'}</td>
                    <td className="mono">{entry.origin ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <nav className="pager" aria-label="Pages of the audit log">
            <Link className="button" href={`/audit-log?${new URLSearchParams({ ...filters })}`}>
              Newest
            </Link>
            {log.data.has_more && last && (
              <Link
                className="button"
                href={`/audit-log?${new URLSearchParams({ ...filters, starting_after: last.id })}`}
              >
                Older
              </Link>
            )}
          </nav>
        </>
      )}
    </>
  );
}
