'use client';

import { EmptyState, ErrorState, LoadingState, Money, TableScroll } from '@kassa/ui';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useCan } from '../../../lib/scope.tsx';
import { kassaError, useTRPC } from '../../../lib/trpc.tsx';

/** Available and pending per currency, straight from the ledger (balance.retrieve). */
export function Balances() {
  const trpc = useTRPC();
  const allowed = useCan('balance.read');
  const balance = useQuery({
    ...trpc.dashboard.balance.retrieve.queryOptions({}),
    enabled: allowed,
  });
  // On its way: the payouts made and not arrived yet (pending, then in transit), per currency.
  const pending = useQuery({
    ...trpc.dashboard.payouts.list.queryOptions({ status: 'pending', limit: 100 }),
    enabled: allowed,
  });
  const inTransit = useQuery({
    ...trpc.dashboard.payouts.list.queryOptions({ status: 'in_transit', limit: 100 }),
    enabled: allowed,
  });
  const schedule = useQuery({
    ...trpc.dashboard.payoutSchedule.retrieve.queryOptions({}),
    enabled: allowed,
  });
  const onTheWay = [...(inTransit.data?.data ?? []), ...(pending.data?.data ?? [])];
  const nextPayout = (currency: string) =>
    onTheWay
      .filter((p) => p.currency === currency)
      .sort((a, b) => a.arrival_date.localeCompare(b.arrival_date))[0];
  const s = schedule.data;
  const scheduleText = !s
    ? ''
    : s.interval === 'manual'
      ? 'You pay out by hand (manual schedule).'
      : `Paid out ${
          s.interval === 'daily'
            ? 'every day'
            : s.interval === 'weekly'
              ? `every ${s.weekly_anchor}`
              : `on day ${s.monthly_anchor} of each month`
        }, ${s.delay_days} day${s.delay_days === 1 ? '' : 's'} after each payment's settlement day.`;
  return (
    <>
      <h1>Balances</h1>
      <p className="lede">
        Pending is captured and not settled yet; available is settled and is paid out to your bank
        at the next close. {scheduleText} <Link href="/payouts">All payouts</Link>
      </p>
      {!allowed ? (
        <EmptyState title="Your role does not show balances">
          Ask an owner or admin of this merchant.
        </EmptyState>
      ) : balance.isPending ? (
        <LoadingState label="Loading balances…" />
      ) : balance.isError ? (
        <ErrorState message={kassaError(balance.error)?.message ?? balance.error.message} />
      ) : balance.data.available.length === 0 && balance.data.pending.length === 0 ? (
        <EmptyState title="No balance yet">Captured payments show here.</EmptyState>
      ) : (
        <TableScroll label="Balances per currency">
          <table className="data-table">
            <caption className="visually-hidden">Balances per currency</caption>
            <thead>
              <tr>
                <th scope="col">Currency</th>
                <th scope="col" className="num">
                  Available
                </th>
                <th scope="col" className="num">
                  Pending
                </th>
                <th scope="col">Next payout</th>
              </tr>
            </thead>
            <tbody>
              {[
                ...new Set(
                  [...balance.data.available, ...balance.data.pending].map((b) => b.currency),
                ),
              ]
                .sort()
                .map((currency) => (
                  <tr key={currency}>
                    <th scope="row">{currency.toUpperCase()}</th>
                    <td className="num">
                      <Money
                        amount={
                          balance.data.available.find((b) => b.currency === currency)?.amount ?? 0
                        }
                        currency={currency}
                      />
                    </td>
                    <td className="num">
                      <Money
                        amount={
                          balance.data.pending.find((b) => b.currency === currency)?.amount ?? 0
                        }
                        currency={currency}
                      />
                    </td>
                    <td>
                      {(() => {
                        const next = nextPayout(currency);
                        return next ? (
                          <Link href={`/payouts/${next.id}`}>
                            <Money amount={next.amount} currency={currency} />, arriving{' '}
                            {next.arrival_date} ({next.status.replace('_', ' ')})
                          </Link>
                        ) : (
                          '—'
                        );
                      })()}
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}
