'use client';

import type { Dispute } from '@kassa/contracts';
import { EmptyState, ErrorState, LoadingState, Money, TableScroll } from '@kassa/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { type FormEvent, useId, useState } from 'react';
import { formatDate } from '../../../components/payments-table.tsx';
import { useCan } from '../../../lib/scope.tsx';
import { kassaError, useTRPC, useTRPCClient } from '../../../lib/trpc.tsx';

const STATUSES: Record<Dispute['status'], string> = {
  needs_response: 'Needs response',
  under_review: 'Under review',
  won: 'Won',
  lost: 'Lost',
  warning_needs_response: 'Inquiry: needs response',
  warning_under_review: 'Inquiry: under review',
  warning_closed: 'Inquiry closed',
};
const REASONS: Record<string, string> = {
  fraudulent: 'Fraudulent',
  product_not_received: 'Product not received',
  duplicate: 'Duplicate',
  subscription_canceled: 'Subscription canceled',
};
const TEXT_FIELDS = [
  ['product_description', 'What was sold'],
  ['customer_name', "Customer's name"],
  ['customer_email_address', "Customer's email"],
  ['shipping_tracking_number', 'Shipping tracking number'],
  ['uncategorized_text', 'Anything else the bank should know'],
] as const;
const OPEN = new Set(['needs_response', 'warning_needs_response']);

/** The file's bytes in base64, read in the browser. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** One dispute's evidence form: save a draft, submit it, or accept the dispute. */
function Respond(props: { dispute: Dispute; onDone: (message: string) => void }) {
  const { dispute } = props;
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const ids = useId();
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  const save = useMutation({
    mutationFn: async (input: { form: FormData; submit: boolean }) => {
      const evidence: Record<string, string> = {};
      for (const [field] of TEXT_FIELDS) {
        const value = String(input.form.get(field) ?? '').trim();
        if (value !== (dispute.evidence[field] ?? '')) evidence[field] = value;
      }
      const receipt = input.form.get('receipt');
      if (receipt instanceof File && receipt.size > 0) {
        const uploaded = await client.dashboard.disputes.upload.mutate({
          purpose: 'dispute_evidence',
          filename: receipt.name,
          content: await base64Of(receipt),
        });
        evidence.receipt = uploaded.id;
      }
      return client.dashboard.disputes.update.mutate({
        id: dispute.id,
        evidence,
        submit: input.submit,
      });
    },
    onSuccess: async (updated) => {
      // Submitted: the dispute leaves the form (the page says so); a draft stays in it.
      if (updated.status === 'under_review' || updated.status === 'warning_under_review')
        props.onDone('Evidence submitted. The bank decides next.');
      else setDone('Draft saved.');
      await queryClient.invalidateQueries();
    },
    onError: (error) => setProblem(kassaError(error)?.message ?? error.message),
  });
  const accept = useMutation({
    mutationFn: () => client.dashboard.disputes.close.mutate({ id: dispute.id }),
    onSuccess: async () => {
      props.onDone('Dispute accepted: it is lost.');
      await queryClient.invalidateQueries();
    },
    onError: (error) => setProblem(kassaError(error)?.message ?? error.message),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(undefined);
    setDone(undefined);
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    save.mutate({ form: new FormData(event.currentTarget), submit: submitter?.value === 'submit' });
  };
  return (
    <section aria-labelledby={`${ids}-heading`} className="dispute-respond">
      <h2 id={`${ids}-heading`}>
        Respond to the dispute of <Money amount={dispute.amount} currency={dispute.currency} />
      </h2>
      <p className="hint">
        Due by {formatDate(dispute.evidence_details.due_by)} (UTC). Evidence is sent to the
        shopper&apos;s bank only when you submit it; you can save a draft first.
      </p>
      <form onSubmit={submit} className="stacked-form">
        {TEXT_FIELDS.map(([field, label]) => (
          <div className="field" key={field}>
            <label htmlFor={`${ids}-${field}`}>{label}</label>
            {field === 'uncategorized_text' ? (
              <textarea
                id={`${ids}-${field}`}
                name={field}
                rows={3}
                maxLength={20_000}
                defaultValue={dispute.evidence[field] ?? ''}
              />
            ) : (
              <input
                id={`${ids}-${field}`}
                name={field}
                maxLength={20_000}
                defaultValue={dispute.evidence[field] ?? ''}
              />
            )}
          </div>
        ))}
        <div className="field">
          <label htmlFor={`${ids}-receipt`}>Receipt (PDF, PNG or JPEG, at most 700 KB)</label>
          <input
            id={`${ids}-receipt`}
            name="receipt"
            type="file"
            accept="application/pdf,image/png,image/jpeg"
          />
          {dispute.evidence.receipt && (
            <span className="hint mono">On file: {dispute.evidence.receipt}</span>
          )}
        </div>
        <div className="form-actions">
          <button type="submit" value="draft" className="button" disabled={save.isPending}>
            Save draft
          </button>
          <button type="submit" value="submit" className="button primary" disabled={save.isPending}>
            {save.isPending ? 'Sending…' : 'Submit evidence'}
          </button>
          <button
            type="button"
            className="button danger"
            disabled={accept.isPending}
            onClick={() => accept.mutate()}
          >
            Accept the dispute
          </button>
        </div>
        {problem && (
          <p className="form-error" role="alert">
            {problem}
          </p>
        )}
        {done && <p role="status">{done}</p>}
      </form>
    </section>
  );
}

/** Disputes: what needs a response first, with its due date; the evidence form of one. */
export function Disputes() {
  const trpc = useTRPC();
  const canRespond = useCan('payments.manage');
  const [open, setOpen] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const list = useQuery(trpc.dashboard.disputes.list.queryOptions({ limit: 100 }));
  if (list.isPending) return <LoadingState label="Loading disputes…" />;
  if (list.isError)
    return <ErrorState message={kassaError(list.error)?.message ?? list.error.message} />;
  const disputes = [...list.data.data].sort(
    (a, b) =>
      Number(OPEN.has(b.status)) - Number(OPEN.has(a.status)) ||
      a.evidence_details.due_by - b.evidence_details.due_by,
  );
  const selected = disputes.find((d) => d.id === open);
  return (
    <>
      <h1>Disputes</h1>
      <p className="lede">
        A shopper&apos;s bank disputed these payments. Opening one withdrew its amount and the
        dispute fee from your balance; answer with evidence before the due date, and a won dispute
        gives the amount back.
      </p>
      {notice && <p role="status">{notice}</p>}
      {disputes.length === 0 ? (
        <EmptyState title="No disputes">No payment of yours has been disputed.</EmptyState>
      ) : (
        <TableScroll label="Disputes">
          <table className="data-table">
            <caption className="visually-hidden">Disputes, those needing a response first</caption>
            <thead>
              <tr>
                <th scope="col">Payment</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Reason</th>
                <th scope="col">Status</th>
                <th scope="col">Due by (UTC)</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {disputes.map((d) => (
                <tr key={d.id}>
                  <th scope="row">
                    <Link href={`/payments/${d.payment_intent}`} className="mono">
                      {d.payment_intent}
                    </Link>
                  </th>
                  <td className="num">
                    <Money amount={d.amount} currency={d.currency} />
                  </td>
                  <td>{REASONS[d.reason] ?? d.reason.replaceAll('_', ' ')}</td>
                  <td>{STATUSES[d.status]}</td>
                  <td>
                    {OPEN.has(d.status) ? formatDate(d.evidence_details.due_by) : '—'}
                    {d.evidence_details.past_due && <strong> (past due)</strong>}
                  </td>
                  <td>
                    {OPEN.has(d.status) && canRespond ? (
                      <button
                        type="button"
                        className="button"
                        onClick={() => {
                          setOpen(d.id);
                          setNotice(undefined);
                        }}
                      >
                        Respond…
                      </button>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {selected && OPEN.has(selected.status) && (
        <Respond
          key={selected.id}
          dispute={selected}
          onDone={(message) => {
            setOpen(undefined);
            setNotice(message);
          }}
        />
      )}
    </>
  );
}
