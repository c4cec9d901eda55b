'use client';

import { EmptyState, ErrorState, LoadingState, Money, TableScroll } from '@kassa/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { useCan } from '../../../lib/scope.tsx';
import { kassaError, useTRPC, useTRPCClient } from '../../../lib/trpc.tsx';

const KINDS: Record<string, string> = {
  unmatched_line: 'Not in Kassa',
  missing_line: 'Missing from the file',
  amount_mismatch: 'Amount differs',
  duplicate_line: 'Line twice',
};
const SOURCES: Record<string, string> = {
  acquirer_report: "Acquirer's report",
  bank_statement: 'Bank statement',
};

/**
 * Reconciliation: what did not match between Kassa's records and the acquirer's report or the
 * bank's statement, resolved here with a note; and a day's report (lines, matched, totals).
 */
export function Reconciliation() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const allowed = useCan('balance.read');
  const canResolve = useCan('payouts.manage');
  const [status, setStatus] = useState<'open' | 'resolved'>('open');
  const [day, setDay] = useState<string>();
  const [resolving, setResolving] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const ids = { status: useId(), day: useId(), note: useId() };
  const exceptions = useQuery({
    ...trpc.dashboard.reconciliation.exceptions.list.queryOptions({ status, limit: 100 }),
    enabled: allowed,
  });
  const report = useQuery({
    ...trpc.dashboard.reconciliation.report.queryOptions({ day: day ?? '2000-01-01' }),
    enabled: allowed && day !== undefined,
  });
  const resolve = useMutation({
    mutationFn: (input: { id: string; note: string }) =>
      client.dashboard.reconciliation.exceptions.resolve.mutate(input),
    onSuccess: async () => {
      setResolving(undefined);
      await queryClient.invalidateQueries();
    },
    onError: (error) => setProblem(kassaError(error)?.message ?? error.message),
  });
  const submitResolve = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!resolving || resolve.isPending) return;
    setProblem(undefined);
    const note = String(new FormData(event.currentTarget).get('note') ?? '').trim();
    if (note.length < 3) {
      setProblem('Say why it is resolved (at least 3 characters).');
      return;
    }
    resolve.mutate({ id: resolving, note });
  };

  if (!allowed)
    return (
      <>
        <h1>Reconciliation</h1>
        <EmptyState title="Your role does not show reconciliation">
          Ask an owner or admin of this merchant.
        </EmptyState>
      </>
    );
  return (
    <>
      <h1>Reconciliation</h1>
      <p className="lede">
        Every day Kassa matches its records of your money against the acquirer&apos;s settlement
        report and the bank&apos;s statement. What does not match is listed here until someone
        resolves it with a note.
      </p>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={ids.status}>Show</label>
          <select
            id={ids.status}
            value={status}
            onChange={(event) => setStatus(event.target.value as 'open' | 'resolved')}
          >
            <option value="open">Open exceptions</option>
            <option value="resolved">Resolved exceptions</option>
          </select>
        </div>
      </div>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {exceptions.isPending ? (
        <LoadingState label="Loading exceptions…" />
      ) : exceptions.isError ? (
        <ErrorState message={kassaError(exceptions.error)?.message ?? exceptions.error.message} />
      ) : exceptions.data.data.length === 0 ? (
        <EmptyState title={status === 'open' ? 'Nothing to look at' : 'None resolved yet'}>
          {status === 'open' ? 'Every line of every file matched.' : ''}
        </EmptyState>
      ) : (
        <TableScroll label="Reconciliation exceptions">
          <table className="data-table">
            <caption className="visually-hidden">Reconciliation exceptions</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">File</th>
                <th scope="col">Exception</th>
                <th scope="col">Reference</th>
                <th scope="col" className="num">
                  Kassa
                </th>
                <th scope="col" className="num">
                  File
                </th>
                <th scope="col">{status === 'open' ? 'Action' : 'Resolution'}</th>
              </tr>
            </thead>
            <tbody>
              {exceptions.data.data.map((e) => (
                <tr key={e.id}>
                  <td>{e.day}</td>
                  <td>{SOURCES[e.source]}</td>
                  <th scope="row" title={e.description}>
                    {KINDS[e.kind] ?? e.kind}
                  </th>
                  <td className="mono">{e.reference}</td>
                  <td className="num">
                    {e.expected_amount === null ? (
                      '—'
                    ) : (
                      <Money amount={e.expected_amount} currency={e.currency} />
                    )}
                  </td>
                  <td className="num">
                    {e.actual_amount === null ? (
                      '—'
                    ) : (
                      <Money amount={e.actual_amount} currency={e.currency} />
                    )}
                  </td>
                  <td>
                    {e.resolution ? (
                      `${e.resolution.note} (${e.resolution.resolved_by})`
                    ) : !canResolve ? (
                      'Owners and admins resolve exceptions'
                    ) : resolving === e.id ? (
                      <form onSubmit={submitResolve} className="inline-form">
                        <label htmlFor={ids.note}>Why it is resolved</label>
                        <input id={ids.note} name="note" required minLength={3} maxLength={2000} />
                        <button
                          type="submit"
                          className="button primary"
                          disabled={resolve.isPending}
                        >
                          {resolve.isPending ? 'Resolving…' : 'Resolve'}
                        </button>
                        <button
                          type="button"
                          className="button"
                          onClick={() => setResolving(undefined)}
                        >
                          Back
                        </button>
                      </form>
                    ) : (
                      <button type="button" className="button" onClick={() => setResolving(e.id)}>
                        Resolve…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}

      <h2>A day&apos;s report</h2>
      <div className="field">
        <label htmlFor={ids.day}>Day</label>
        <input
          id={ids.day}
          type="date"
          value={day ?? ''}
          onChange={(event) => setDay(event.target.value || undefined)}
        />
      </div>
      {day === undefined ? null : report.isPending ? (
        <LoadingState label="Loading the report…" />
      ) : report.isError ? (
        <ErrorState message={kassaError(report.error)?.message ?? report.error.message} />
      ) : report.data.runs.length === 0 ? (
        <EmptyState title="Not reconciled">No file of that day has been reconciled yet.</EmptyState>
      ) : (
        <TableScroll label="The day's files">
          <table className="data-table">
            <caption className="visually-hidden">Files reconciled on {day}</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col" className="num">
                  Lines
                </th>
                <th scope="col" className="num">
                  Matched
                </th>
                <th scope="col" className="num">
                  Unmatched
                </th>
                <th scope="col">Totals (file / Kassa)</th>
              </tr>
            </thead>
            <tbody>
              {report.data.runs.map((run) => (
                <tr key={run.source}>
                  <th scope="row">{SOURCES[run.source] ?? run.source}</th>
                  <td className="num">{run.lines}</td>
                  <td className="num">{run.matched}</td>
                  <td className="num">{run.unmatched}</td>
                  <td>
                    {Object.entries(run.totals)
                      .map(([currency, t]) => `${currency} ${t.external} / ${t.internal}`)
                      .join('; ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {day !== undefined && report.data && (
        <p className="hint">Open exceptions of that day: {report.data.open_exceptions}</p>
      )}
    </>
  );
}
