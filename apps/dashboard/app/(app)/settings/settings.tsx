'use client';

import { ErrorState, LoadingState, TableScroll } from '@kassa/ui';
import { formatMoney } from '@kassa/ui/money';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { type FormEvent, useId, useState } from 'react';
import { useCan } from '../../../lib/scope.tsx';
import { kassaError, useTRPC } from '../../../lib/trpc.tsx';
import { PayoutSettings } from './payout-settings.tsx';

type Field = { name: string; label: string; type?: string; hint?: string; value: string | null };

/** One form of the settings: its fields, saved together; '' clears an optional one. */
function SettingsForm(props: { title: string; lede: string; fields: Field[]; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const baseId = useId();
  const [problem, setProblem] = useState<string>();
  const [saved, setSaved] = useState(false);
  const save = useMutation(
    trpc.dashboard.settings.update.mutationOptions({
      onSuccess: () => {
        setSaved(true);
        void queryClient.invalidateQueries(trpc.dashboard.settings.retrieve.queryFilter());
        // The merchant's name is in the header too.
        router.refresh();
      },
      onError: (error) => {
        const e = kassaError(error);
        setProblem(e?.message ?? error.message);
      },
    }),
  );
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(undefined);
    setSaved(false);
    const form = new FormData(event.currentTarget);
    save.mutate(
      Object.fromEntries(props.fields.map((f) => [f.name, String(form.get(f.name) ?? '')])),
    );
  };
  const headingId = `${baseId}-title`;
  return (
    <form className="panel settings-form" onSubmit={submit} aria-labelledby={headingId}>
      <h2 id={headingId}>{props.title}</h2>
      <p className="hint">{props.lede}</p>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {saved && (
        <p className="notice" role="status">
          Saved.
        </p>
      )}
      {props.fields.map((field) => (
        <div className="field" key={field.name}>
          <label htmlFor={`${baseId}-${field.name}`}>{field.label}</label>
          <input
            id={`${baseId}-${field.name}`}
            name={field.name}
            type={field.type ?? 'text'}
            defaultValue={field.value ?? ''}
            readOnly={!props.canEdit}
            maxLength={field.type === 'url' ? 2048 : 254}
            aria-describedby={field.hint ? `${baseId}-${field.name}-hint` : undefined}
          />
          {field.hint && (
            <p className="hint" id={`${baseId}-${field.name}-hint`}>
              {field.hint}
            </p>
          )}
        </div>
      ))}
      {props.canEdit && (
        <button type="submit" className="button primary" disabled={save.isPending}>
          Save
        </button>
      )}
    </form>
  );
}

export function Settings() {
  const trpc = useTRPC();
  const canEdit = useCan('settings.manage');
  const settings = useQuery(trpc.dashboard.settings.retrieve.queryOptions({}));
  if (settings.isPending) return <LoadingState label="Loading the settings…" />;
  if (settings.isError) {
    return <ErrorState message={kassaError(settings.error)?.message ?? settings.error.message} />;
  }
  const { business, checkout, fee_plan: fees } = settings.data;
  const custom = fees.fixed.filter((f) => f.custom);
  return (
    <>
      <h1>Settings</h1>
      {!canEdit && (
        <p className="lede">Your role sees these settings; owners and admins change them.</p>
      )}
      <SettingsForm
        title="Business profile"
        lede="Your business as Kassa and your team know it."
        canEdit={canEdit}
        fields={[
          { name: 'name', label: 'Business name', value: business.name },
          { name: 'website', label: 'Website', type: 'url', value: business.website },
          {
            name: 'country',
            label: 'Country',
            hint: 'Two letters (ISO 3166-1), like DE or US.',
            value: business.country,
          },
        ]}
      />
      <SettingsForm
        title="Shown on your checkout"
        lede={`Shoppers see "${checkout.shown_name}" on the hosted checkout, and these ways to reach you.`}
        canEdit={canEdit}
        fields={[
          {
            name: 'public_name',
            label: 'Public business name',
            hint: 'Leave empty to show the business name.',
            value: checkout.public_name,
          },
          {
            name: 'support_email',
            label: 'Support email',
            type: 'email',
            value: checkout.support_email,
          },
          {
            name: 'support_phone',
            label: 'Support phone',
            type: 'tel',
            value: checkout.support_phone,
          },
          { name: 'support_url', label: 'Support page', type: 'url', value: checkout.support_url },
        ]}
      />
      <PayoutSettings />
      <section className="panel" aria-labelledby="fee-plan">
        <h2 id="fee-plan">Fee plan</h2>
        <p>
          Each capture costs <strong>{(fees.rate_bps / 100).toFixed(2)}%</strong> of the amount plus
          a fixed part in its currency, never more than the amount. Your platform operator sets the
          plan; it is read only here.
        </p>
        {custom.length > 0 && (
          <p>
            Fixed parts agreed for you:{' '}
            {custom.map((f) => formatMoney(f.amount, f.currency)).join(', ')}.
          </p>
        )}
        <details>
          <summary>Fixed part per currency</summary>
          <TableScroll label="Fixed part per currency">
            <table className="data-table">
              <caption className="visually-hidden">Fixed part per currency</caption>
              <thead>
                <tr>
                  <th scope="col">Currency</th>
                  <th scope="col">Fixed part</th>
                </tr>
              </thead>
              <tbody>
                {fees.fixed.map((f) => (
                  <tr key={f.currency}>
                    <td>{f.currency.toUpperCase()}</td>
                    <td>{formatMoney(f.amount, f.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </details>
      </section>
    </>
  );
}
