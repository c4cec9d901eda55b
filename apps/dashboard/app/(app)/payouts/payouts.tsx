'use client';

import { EmptyState, ErrorState, LoadingState, Money, StatusBadge, TableScroll } from '@kassa/ui';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useCan } from '../../../lib/scope.tsx';
import { kassaError, useTRPC } from '../../../lib/trpc.tsx';

const PAGE_SIZE = 25;

/** Payouts, newest first: what was paid out, when it arrives, and how it went at the bank. */
export function Payouts() {
  const trpc = useTRPC();
  const allowed = useCan('balance.read');
  const [cursor, setCursor] = useState<string>();
  const list = useQuery({
    ...trpc.dashboard.payouts.list.queryOptions({
      limit: PAGE_SIZE,
      ...(cursor && { starting_after: cursor }),
    }),
    enabled: allowed,
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <h1>Payouts</h1>
      <p className="lede">
        Each settlement day&apos;s close pays your available balance out to your bank account, on
        your payout schedule (Settings). A payout lists the transactions it paid out.
      </p>
      {!allowed ? (
        <EmptyState title="Your role does not show payouts">
          Ask an owner or admin of this merchant.
        </EmptyState>
      ) : list.isPending ? (
        <LoadingState label="Loading payouts…" />
      ) : list.isError ? (
        <ErrorState message={kassaError(list.error)?.message ?? list.error.message} />
      ) : list.data.data.length === 0 ? (
        <EmptyState title="No payouts yet">
          Funds become available after your settlement delay; the next close pays them out.
        </EmptyState>
      ) : (
        <>
          <TableScroll label="Payouts">
            <table className="data-table">
              <caption className="visually-hidden">Payouts, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Payout</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">Arrival</th>
                  <th scope="col">Made</th>
                </tr>
              </thead>
              <tbody>
                {list.data.data.map((payout) => (
                  <tr key={payout.id}>
                    <th scope="row">
                      <Link href={`/payouts/${payout.id}`} className="mono">
                        {payout.id}
                      </Link>
                    </th>
                    <td className="num">
                      <Money amount={payout.amount} currency={payout.currency} />
                    </td>
                    <td>
                      <StatusBadge status={payout.status} />
                      {payout.failure_code && (
                        <span className="hint"> {payout.failure_message}</span>
                      )}
                    </td>
                    <td>{payout.arrival_date}</td>
                    <td>{payout.automatic ? `Automatic (${payout.settlement_day})` : 'By hand'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          {list.data.has_more && (
            <button
              type="button"
              className="button"
              onClick={() => setCursor(list.data.data.at(-1)?.id)}
            >
              Older payouts
            </button>
          )}
        </>
      )}
    </>
  );
}
