'use client';

import { ErrorState, LoadingState, TableScroll } from '@kassa/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { useCan } from '../../../lib/scope.tsx';
import { kassaError, useTRPC, useTRPCClient } from '../../../lib/trpc.tsx';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/**
 * Payouts in Settings: the schedule (how often, after how many days) and the bank accounts
 * payouts go to. Everyone who sees balances reads them; owners and admins change them.
 */
export function PayoutSettings() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const readable = useCan('balance.read');
  const canEdit = useCan('payouts.manage');
  const ids = {
    interval: useId(),
    anchor: useId(),
    delay: useId(),
    holder: useId(),
    currency: useId(),
    country: useId(),
    routing: useId(),
    account: useId(),
  };
  const [interval, setInterval] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const schedule = useQuery({
    ...trpc.dashboard.payoutSchedule.retrieve.queryOptions({}),
    enabled: readable,
  });
  const accounts = useQuery({
    ...trpc.dashboard.bankAccounts.list.queryOptions({}),
    enabled: readable,
  });
  const onError = (error: unknown) =>
    setProblem(kassaError(error)?.message ?? (error as Error).message);
  const saveSchedule = useMutation({
    mutationFn: (input: Parameters<typeof client.dashboard.payoutSchedule.update.mutate>[0]) =>
      client.dashboard.payoutSchedule.update.mutate(input),
    onSuccess: async () => {
      setNotice('Payout schedule saved.');
      await queryClient.invalidateQueries();
    },
    onError,
  });
  const addAccount = useMutation({
    mutationFn: (input: Parameters<typeof client.dashboard.bankAccounts.create.mutate>[0]) =>
      client.dashboard.bankAccounts.create.mutate(input, {
        context: { idempotencyKey: crypto.randomUUID() },
      }),
    onSuccess: async (account) => {
      setNotice(`Bank account ending ${account.last4} added.`);
      await queryClient.invalidateQueries();
    },
    onError,
  });
  if (!readable) return null;
  if (schedule.isPending || accounts.isPending) return <LoadingState label="Loading payouts…" />;
  if (schedule.isError) return <ErrorState message={kassaError(schedule.error)?.message ?? ''} />;
  if (accounts.isError) return <ErrorState message={kassaError(accounts.error)?.message ?? ''} />;
  const current = interval ?? schedule.data.interval;

  const submitSchedule = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(undefined);
    setNotice(undefined);
    const form = new FormData(event.currentTarget);
    const delay = Number(form.get('delay_days'));
    const base = { delay_days: delay };
    if (current === 'weekly')
      saveSchedule.mutate({
        ...base,
        interval: 'weekly',
        weekly_anchor: String(form.get('anchor')) as 'monday',
      });
    else if (current === 'monthly')
      saveSchedule.mutate({
        ...base,
        interval: 'monthly',
        monthly_anchor: Number(form.get('anchor')),
      });
    else saveSchedule.mutate({ ...base, interval: current as 'daily' | 'manual' });
  };
  const submitAccount = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(undefined);
    setNotice(undefined);
    const form = new FormData(event.currentTarget);
    const routing = String(form.get('routing_number') ?? '').trim();
    addAccount.mutate({
      currency: String(form.get('currency') ?? '').trim(),
      country: String(form.get('country') ?? '').trim(),
      account_holder_name: String(form.get('account_holder_name') ?? '').trim(),
      account_number: String(form.get('account_number') ?? '').replace(/\s/g, ''),
      ...(routing && { routing_number: routing }),
    });
    event.currentTarget.reset();
  };

  return (
    <section className="panel" aria-labelledby="payouts-settings">
      <h2 id="payouts-settings">Payouts</h2>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={submitSchedule} className="settings-form">
        <h3>Schedule</h3>
        <div className="field">
          <label htmlFor={ids.interval}>Pay out</label>
          <select
            id={ids.interval}
            name="interval"
            value={current}
            disabled={!canEdit}
            onChange={(event) => setInterval(event.target.value)}
          >
            <option value="daily">Every day</option>
            <option value="weekly">Every week</option>
            <option value="monthly">Every month</option>
            <option value="manual">By hand (manual)</option>
          </select>
        </div>
        {current === 'weekly' && (
          <div className="field">
            <label htmlFor={ids.anchor}>On</label>
            <select
              id={ids.anchor}
              name="anchor"
              defaultValue={schedule.data.weekly_anchor ?? 'friday'}
              disabled={!canEdit}
            >
              {WEEKDAYS.map((day) => (
                <option key={day} value={day}>
                  {day[0]?.toUpperCase()}
                  {day.slice(1)}
                </option>
              ))}
            </select>
          </div>
        )}
        {current === 'monthly' && (
          <div className="field">
            <label htmlFor={ids.anchor}>On day</label>
            <input
              id={ids.anchor}
              name="anchor"
              type="number"
              min={1}
              max={31}
              defaultValue={schedule.data.monthly_anchor ?? 1}
              readOnly={!canEdit}
            />
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.delay}>Days after a payment before its funds are available</label>
          <input
            id={ids.delay}
            name="delay_days"
            type="number"
            min={0}
            max={30}
            defaultValue={schedule.data.delay_days}
            readOnly={!canEdit}
          />
        </div>
        {canEdit && (
          <button type="submit" className="button primary" disabled={saveSchedule.isPending}>
            Save schedule
          </button>
        )}
      </form>

      <h3>Bank accounts</h3>
      {accounts.data.length === 0 ? (
        <p>No bank account yet: payouts wait until one is added.</p>
      ) : (
        <TableScroll label="Bank accounts">
          <table className="data-table">
            <caption className="visually-hidden">Bank accounts payouts go to</caption>
            <thead>
              <tr>
                <th scope="col">Currency</th>
                <th scope="col">Account</th>
                <th scope="col">Holder</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {accounts.data.map((a) => (
                <tr key={a.id}>
                  <th scope="row">{a.currency.toUpperCase()}</th>
                  <td>
                    •••• {a.last4}
                    {a.default_for_currency && ' (default)'}
                  </td>
                  <td>{a.account_holder_name}</td>
                  <td>{a.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {canEdit && (
        <form onSubmit={submitAccount} className="settings-form">
          <h4>Add a bank account</h4>
          <div className="field">
            <label htmlFor={ids.currency}>Currency</label>
            <input id={ids.currency} name="currency" required maxLength={3} placeholder="eur" />
          </div>
          <div className="field">
            <label htmlFor={ids.country}>Country</label>
            <input id={ids.country} name="country" required maxLength={2} placeholder="DE" />
          </div>
          <div className="field">
            <label htmlFor={ids.holder}>Account holder</label>
            <input id={ids.holder} name="account_holder_name" required maxLength={200} />
          </div>
          <div className="field">
            <label htmlFor={ids.routing}>Routing number (if your bank has one)</label>
            <input id={ids.routing} name="routing_number" inputMode="numeric" maxLength={9} />
          </div>
          <div className="field">
            <label htmlFor={ids.account}>Account number</label>
            <input
              id={ids.account}
              name="account_number"
              inputMode="numeric"
              autoComplete="off"
              required
              maxLength={20}
            />
          </div>
          <button type="submit" className="button primary" disabled={addAccount.isPending}>
            Add bank account
          </button>
        </form>
      )}
    </section>
  );
}
