'use client';

import { EmptyState, ErrorState, LoadingState, TableScroll } from '@kassa/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { useCan } from '../../../lib/scope.tsx';
import { kassaError, useTRPC, useTRPCClient } from '../../../lib/trpc.tsx';

const ACTIONS: Record<string, string> = {
  request_3ds: 'Request 3-D Secure',
  allow: 'Allow',
  block: 'Block',
  review: 'Review',
};
const KINDS: Record<string, string> = {
  card_fingerprint: 'Cards',
  email: 'Emails',
  ip_address: 'IP addresses',
  country: 'Countries',
  string: 'Text',
};

/**
 * Risk: the rules every payment is decided by (in order: request 3-D Secure, allow, block,
 * review; the first match decides), a new rule tested on the last 30 days before it is added,
 * the block and allow lists, and what decides while the fraud service is down.
 */
export function Risk() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const canManage = useCan('risk.manage');
  const ids = { source: useId(), list: useId(), value: useId(), fallback: useId() };
  const [source, setSource] = useState('');
  /** The merchant's own rule being edited in the form (else the form adds a new one). */
  const [editing, setEditing] = useState<string>();
  const [tested, setTested] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const [listProblem, setListProblem] = useState<string>();
  const rules = useQuery(trpc.dashboard.risk.rules.list.queryOptions());
  const lists = useQuery(trpc.dashboard.risk.lists.list.queryOptions());
  const settings = useQuery(trpc.dashboard.risk.settings.retrieve.queryOptions());
  const test = useQuery({
    ...trpc.dashboard.risk.rules.test.queryOptions({ source: tested ?? 'allow if false' }),
    enabled: tested !== undefined,
    retry: false,
  });
  const refresh = () => queryClient.invalidateQueries();
  const create = useMutation({
    mutationFn: (text: string) =>
      editing
        ? client.dashboard.risk.rules.update.mutate({ id: editing, source: text })
        : client.dashboard.risk.rules.create.mutate({ source: text }),
    onSuccess: async () => {
      setSource('');
      setTested(undefined);
      setEditing(undefined);
      await refresh();
    },
    onError: (error) => setProblem(kassaError(error)?.message ?? error.message),
  });
  const toggle = useMutation({
    mutationFn: (rule: { id: string; enabled: boolean }) =>
      client.dashboard.risk.rules.update.mutate(rule),
    onSuccess: refresh,
    onError: (error) => setProblem(kassaError(error)?.message ?? error.message),
  });
  const addItem = useMutation({
    mutationFn: (item: { list: string; value: string }) =>
      client.dashboard.risk.lists.addItem.mutate(item),
    onSuccess: refresh,
    onError: (error) => setListProblem(kassaError(error)?.message ?? error.message),
  });
  const fallback = useMutation({
    mutationFn: (value: 'allow_and_review' | 'block') =>
      client.dashboard.risk.settings.update.mutate({ fallback: value }),
    onSuccess: refresh,
  });

  const submitRule = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(undefined);
    create.mutate(source);
  };
  const submitItem = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setListProblem(undefined);
    const data = new FormData(event.currentTarget);
    addItem.mutate({ list: String(data.get('list')), value: String(data.get('value')) });
  };
  const testError = test.isError ? (kassaError(test.error)?.message ?? test.error.message) : null;

  return (
    <>
      <h1>Risk rules</h1>
      <p className="lede">
        Every payment is scored before it reaches the card network. Rules decide what happens: they
        run in the order shown (request 3-D Secure, then allow, block and review) and the first that
        matches decides. Rules are written like{' '}
        <code>review if :amount_in_usd: &gt; 1000 and :is_new_card:</code> (see docs/risk.md for
        every feature).
      </p>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {rules.isPending ? (
        <LoadingState label="Loading rules…" />
      ) : rules.isError ? (
        <ErrorState message={kassaError(rules.error)?.message ?? rules.error.message} />
      ) : (
        <TableScroll label="Rules">
          <table className="data-table">
            <caption className="visually-hidden">Rules, in the order they run</caption>
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Condition</th>
                <th scope="col">Rule</th>
                <th scope="col">Enabled</th>
              </tr>
            </thead>
            <tbody>
              {rules.data.data.map((rule) => (
                <tr key={rule.id} className={rule.enabled ? undefined : 'muted'}>
                  <td>{ACTIONS[rule.action]}</td>
                  <th scope="row">
                    <code>{rule.predicate}</code>
                    {rule.description && <div className="hint">{rule.description}</div>}
                  </th>
                  <td className="mono">
                    {rule.default ? (
                      'Default'
                    ) : canManage ? (
                      <button
                        type="button"
                        className="button"
                        onClick={() => {
                          setEditing(rule.id);
                          setSource(rule.source);
                          setTested(undefined);
                        }}
                      >
                        Edit<span className="visually-hidden"> {rule.predicate}</span>
                      </button>
                    ) : (
                      rule.id
                    )}
                  </td>
                  <td>
                    {canManage ? (
                      <label className="checkbox">
                        <input
                          type="checkbox"
                          checked={rule.enabled}
                          disabled={toggle.isPending}
                          onChange={(event) =>
                            toggle.mutate({ id: rule.id, enabled: event.target.checked })
                          }
                        />
                        <span className="visually-hidden">Enable {rule.predicate}</span>
                      </label>
                    ) : rule.enabled ? (
                      'Yes'
                    ) : (
                      'No'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}

      <h2>{editing ? `Edit rule ${editing}` : 'New rule'}</h2>
      <form onSubmit={submitRule} className="stacked-form">
        <div className="field">
          <label htmlFor={ids.source}>Rule</label>
          <textarea
            id={ids.source}
            value={source}
            rows={2}
            maxLength={1000}
            spellCheck={false}
            placeholder="block if :payment_count_for_card_hourly: >= 3"
            onChange={(event) => {
              setSource(event.target.value);
              setTested(undefined);
            }}
          />
        </div>
        <div className="form-actions">
          <button
            type="button"
            className="button"
            disabled={source.trim() === ''}
            onClick={() => setTested(source)}
          >
            Test on the last 30 days
          </button>
          {canManage && (
            <button
              type="submit"
              className="button primary"
              disabled={source.trim() === '' || create.isPending}
            >
              {create.isPending ? 'Saving…' : editing ? 'Save rule' : 'Add rule'}
            </button>
          )}
          {editing && (
            <button
              type="button"
              className="button"
              onClick={() => {
                setEditing(undefined);
                setSource('');
              }}
            >
              Cancel
            </button>
          )}
        </div>
        {tested !== undefined &&
          (test.isPending ? (
            <LoadingState label="Testing…" />
          ) : testError ? (
            <p className="form-error" role="alert">
              {testError}
            </p>
          ) : test.data ? (
            <p role="status">
              This rule would have matched <strong>{test.data.matched}</strong> of{' '}
              {test.data.assessed} payments ({ACTIONS[test.data.action]?.toLowerCase()}):{' '}
              {test.data.changed} of them were decided otherwise.
            </p>
          ) : null)}
      </form>

      <h2>Lists</h2>
      <p className="hint">
        Rules name lists as <code>@alias</code>. The default rules block what is on the blocked
        lists and allow what is on the allowed ones.
      </p>
      {lists.isPending ? (
        <LoadingState label="Loading lists…" />
      ) : lists.isError ? (
        <ErrorState message={kassaError(lists.error)?.message ?? lists.error.message} />
      ) : lists.data.data.length === 0 ? (
        <EmptyState title="No lists" />
      ) : (
        <>
          <TableScroll label="Lists">
            <table className="data-table">
              <caption className="visually-hidden">Block and allow lists</caption>
              <thead>
                <tr>
                  <th scope="col">List</th>
                  <th scope="col">Alias</th>
                  <th scope="col">Holds</th>
                  <th scope="col" className="num">
                    Entries
                  </th>
                </tr>
              </thead>
              <tbody>
                {lists.data.data.map((list) => (
                  <tr key={list.alias}>
                    <th scope="row">{list.name}</th>
                    <td className="mono">@{list.alias}</td>
                    <td>{KINDS[list.kind]}</td>
                    <td className="num">{list.items}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          {canManage && (
            <form onSubmit={submitItem} className="inline-form">
              <label htmlFor={ids.list}>Add to</label>
              <select id={ids.list} name="list">
                {lists.data.data.map((list) => (
                  <option key={list.alias} value={list.alias}>
                    {list.name}
                  </option>
                ))}
              </select>
              <label htmlFor={ids.value}>Value</label>
              <input id={ids.value} name="value" required maxLength={320} />
              <button type="submit" className="button" disabled={addItem.isPending}>
                Add
              </button>
            </form>
          )}
          {listProblem && (
            <p className="form-error" role="alert">
              {listProblem}
            </p>
          )}
        </>
      )}

      <h2>When the fraud service is down</h2>
      {settings.data && (
        <div className="field">
          <label htmlFor={ids.fallback}>Payments are</label>
          <select
            id={ids.fallback}
            value={settings.data.fallback}
            disabled={!canManage || fallback.isPending}
            onChange={(event) =>
              fallback.mutate(event.target.value as 'allow_and_review' | 'block')
            }
          >
            <option value="allow_and_review">Allowed, and flagged for review</option>
            <option value="block">Blocked</option>
          </select>
        </div>
      )}
    </>
  );
}
