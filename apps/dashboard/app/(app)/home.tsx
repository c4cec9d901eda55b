'use client';

import { EmptyState, ErrorState, LoadingState, Money, TableScroll } from '@kassa/ui';
import { formatMoney } from '@kassa/ui/money';
import { useQuery } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useId, useState } from 'react';
import { PaymentsTable } from '../../components/payments-table.tsx';
import type { VolumePoint } from '../../components/volume-chart.tsx';
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

// The chart library loads with the home page only, after it: no other page pays for it.
const VolumeChart = dynamic(() => import('../../components/volume-chart.tsx'), {
  ssr: false,
  loading: () => <LoadingState label="Loading the chart…" />,
});

const percent = (bps: number | null) => (bps === null ? '—' : `${(bps / 100).toFixed(1)}%`);

/** Every UTC day from `from` to `to` (YYYY-MM-DD), inclusive. */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

const PERIOD_WORDS = { '7d': 'Last 7 days', '30d': 'Last 30 days', '90d': 'Last 90 days' } as const;
type Period = keyof typeof PERIOD_WORDS;

interface Totals {
  currency: string;
  gross: number;
  fees: number;
  refunded: number;
  net: number;
  count: number;
}

function TotalsTable(props: { caption: string; totals: Totals[]; rateBps: number | null }) {
  if (props.totals.length === 0) {
    return (
      <EmptyState title="No captured payments">
        Authorization rate: {percent(props.rateBps)}.
      </EmptyState>
    );
  }
  return (
    <TableScroll label={props.caption}>
      <table className="data-table">
        <caption className="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Currency</th>
            <th scope="col">Gross volume</th>
            <th scope="col">Fees</th>
            <th scope="col">Refunds</th>
            <th scope="col">Net</th>
            <th scope="col">Payments</th>
          </tr>
        </thead>
        <tbody>
          {props.totals.map((t) => (
            <tr key={t.currency}>
              <td>{t.currency.toUpperCase()}</td>
              <td>
                <Money amount={t.gross} currency={t.currency} />
              </td>
              <td>{formatMoney(t.fees, t.currency)}</td>
              <td>{formatMoney(t.refunded, t.currency)}</td>
              <td>
                <Money amount={t.net} currency={t.currency} />
              </td>
              <td>{t.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

const formatTime = (unixSeconds: number) =>
  new Date(unixSeconds * 1000).toISOString().slice(11, 16);

/** Today and the period: volume, net and count per currency, the chart, rates, declines, attention. */
function Overview() {
  const trpc = useTRPC();
  const periodId = useId();
  const currencyId = useId();
  const [period, setPeriod] = useState<Period>('30d');
  const [chosen, setChosen] = useState<string>();
  const summary = useQuery(trpc.dashboard.home.summary.queryOptions({ period }));
  if (summary.isPending) return <LoadingState label="Loading today's figures…" />;
  if (summary.isError) {
    return <ErrorState message={kassaError(summary.error)?.message ?? summary.error.message} />;
  }
  const data = summary.data;
  const currencies = data.totals.map((t) => t.currency);
  const currency = chosen && currencies.includes(chosen) ? chosen : currencies[0];
  const byDay = new Map(
    data.series.filter((p) => p.currency === currency).map((p) => [p.day, p] as const),
  );
  const points: VolumePoint[] = daysBetween(data.from, data.to).map((day) => ({
    day,
    gross: byDay.get(day)?.gross ?? 0,
    net: byDay.get(day)?.net ?? 0,
  }));
  const attention = [
    ...data.alerts.map((alert) => (
      <li key={alert.id} className="notice-alert">
        <Link href="/reviews">
          {alert.kind === 'decline_spike'
            ? `Declines are spiking: ${Math.round(Number(alert.observed) * 100)}% of ${alert.attempts} payments declined in the ${alert.interval_minutes} minutes from ${formatTime(alert.interval_start)} UTC, against ${Math.round(Number(alert.baseline.mean) * 100)}% usually`
            : `Payments are spiking: ${alert.attempts} in the ${alert.interval_minutes} minutes from ${formatTime(alert.interval_start)} UTC, against ${Math.round(Number(alert.baseline.mean))} usually`}
        </Link>
      </li>
    )),
    data.attention.open_reviews > 0 && (
      <li key="reviews">
        <Link href="/reviews">
          {data.attention.open_reviews} payment{data.attention.open_reviews === 1 ? '' : 's'} held
          for review
        </Link>
      </li>
    ),
    data.attention.failed_webhooks > 0 && (
      <li key="webhooks">
        <Link href="/developers">
          {data.attention.failed_webhooks} webhook deliver
          {data.attention.failed_webhooks === 1 ? 'y' : 'ies'} failed for good in the last 7 days
        </Link>
      </li>
    ),
    data.attention.expiring_authorizations > 0 && (
      <li key="captures">
        <Link href="/payments?status=requires_capture">
          {data.attention.expiring_authorizations} authorization
          {data.attention.expiring_authorizations === 1 ? '' : 's'} expire within 24 hours
          uncaptured
        </Link>
      </li>
    ),
  ].filter(Boolean);
  return (
    <>
      <section aria-labelledby="today-heading">
        <h2 id="today-heading">Today (UTC)</h2>
        <TotalsTable
          caption="Today"
          totals={data.today.totals}
          rateBps={data.today.authorizations.rate_bps}
        />
        <p>
          Authorization rate today: <strong>{percent(data.today.authorizations.rate_bps)}</strong>
        </p>
      </section>
      <section aria-labelledby="period-heading">
        <div className="section-head">
          <h2 id="period-heading">{PERIOD_WORDS[period]}</h2>
          <span className="inline-form">
            <label htmlFor={periodId}>Period</label>
            <select
              id={periodId}
              value={period}
              onChange={(event) => setPeriod(event.target.value as Period)}
            >
              {Object.entries(PERIOD_WORDS).map(([value, words]) => (
                <option key={value} value={value}>
                  {words}
                </option>
              ))}
            </select>
          </span>
        </div>
        <TotalsTable
          caption={PERIOD_WORDS[period]}
          totals={data.totals}
          rateBps={data.authorizations.rate_bps}
        />
        {currency && (
          <figure className="chart">
            <figcaption>
              Volume per day (UTC), {currency.toUpperCase()}: gross and net
              {currencies.length > 1 && (
                <span className="inline-form">
                  <label htmlFor={currencyId}>Currency</label>
                  <select
                    id={currencyId}
                    value={currency}
                    onChange={(event) => setChosen(event.target.value)}
                  >
                    {currencies.map((c) => (
                      <option key={c} value={c}>
                        {c.toUpperCase()}
                      </option>
                    ))}
                  </select>
                </span>
              )}
            </figcaption>
            <VolumeChart points={points} currency={currency} />
          </figure>
        )}
        <div className="figures">
          <div className="figure">
            <h3>Authorization rate</h3>
            <p className="big">{percent(data.authorizations.rate_bps)}</p>
            <p className="hint">
              {data.authorizations.succeeded} approved, {data.authorizations.failed} declined
            </p>
          </div>
          <div className="figure">
            <h3>Decline reasons</h3>
            {data.decline_reasons.length === 0 ? (
              <p className="hint">No declines.</p>
            ) : (
              <ul className="plain">
                {data.decline_reasons.map((d) => (
                  <li key={d.reason}>
                    <span className="mono">{d.reason}</span>: {d.count}
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      </section>
      <section aria-labelledby="attention-heading">
        <h2 id="attention-heading">Needs attention</h2>
        {attention.length === 0 ? (
          <p className="hint">Nothing needs you right now.</p>
        ) : (
          <ul>{attention}</ul>
        )}
      </section>
    </>
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
      {canSeeBalance && <Overview />}
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
