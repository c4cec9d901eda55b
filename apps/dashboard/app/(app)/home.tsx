'use client';

import { EmptyState, ErrorState, LoadingState, Money } from '@kassa/ui';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { PaymentsTable } from '../../components/payments-table.tsx';
import { useCan, useScope } from '../../lib/scope.tsx';
import { kassaError, useTRPC } from '../../lib/trpc.tsx';

function BalanceSummary() {
  const trpc = useTRPC();
  const balance = useQuery(trpc.dashboard.balance.retrieve.queryOptions({}));
  if (balance.isPending) return <LoadingState label="Loading balances…" />;
  if (balance.isError) {
    return <ErrorState message={kassaError(balance.error)?.message ?? balance.error.message} />;
  }
  const { available, pending } = balance.data;
  if (available.length === 0 && pending.length === 0) {
    return <EmptyState title="No balance yet">Captured payments show here.</EmptyState>;
  }
  const currencies = [...new Set([...available, ...pending].map((b) => b.currency))].sort();
  return (
    <dl className="figures">
      {currencies.map((currency) => (
        <div key={currency} className="figure">
          <dt>{currency.toUpperCase()} available</dt>
          <dd>
            <Money
              amount={available.find((b) => b.currency === currency)?.amount ?? 0}
              currency={currency}
            />
          </dd>
          <dt>Pending</dt>
          <dd>
            <Money
              amount={pending.find((b) => b.currency === currency)?.amount ?? 0}
              currency={currency}
            />
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function Home() {
  const trpc = useTRPC();
  const scope = useScope();
  const canSeeBalance = useCan('balance.read');
  const recent = useQuery(trpc.dashboard.paymentIntents.list.queryOptions({ limit: 5 }));
  return (
    <>
      <h1>{scope.merchantName}</h1>
      {canSeeBalance && (
        <section aria-labelledby="balance-heading">
          <h2 id="balance-heading">Balance</h2>
          <BalanceSummary />
        </section>
      )}
      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recent payments</h2>
        {recent.isPending ? (
          <LoadingState label="Loading payments…" />
        ) : recent.isError ? (
          <ErrorState message={kassaError(recent.error)?.message ?? recent.error.message} />
        ) : recent.data.data.length === 0 ? (
          <EmptyState title="No payments yet">
            Take one with the SDK and a test key (the SDK guide: packages/sdk/README.md).
          </EmptyState>
        ) : (
          <>
            <PaymentsTable payments={recent.data.data} caption="Recent payments" />
            <p>
              <Link href="/payments">All payments</Link>
            </p>
          </>
        )}
      </section>
    </>
  );
}
