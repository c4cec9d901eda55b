'use client';

import { EmptyState, ErrorState, LoadingState, Money, TableScroll } from '@kassa/ui';
import { useQuery } from '@tanstack/react-query';
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
  return (
    <>
      <h1>Balances</h1>
      <p className="lede">
        Available can be paid out; pending is captured and not settled yet. Payouts and settlement
        arrive with the settlement worker.
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
                  </tr>
                ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}
