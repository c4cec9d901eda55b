'use client';

import { decimalToMinor, formatMoney } from '@kassa/ui/money';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { kassaError, useTRPCClient } from '../../../../lib/trpc.tsx';

const REASONS = [
  ['requested_by_customer', 'Requested by the customer'],
  ['duplicate', 'Duplicate'],
  ['fraudulent', 'Fraudulent'],
] as const;
type Reason = (typeof REASONS)[number][0];

/**
 * Refund all or part of a payment. Asking first, then one Idempotency-Key per confirmation: a
 * double click (or a retry after a lost answer) is one refund, never two.
 */
export function RefundForm(props: {
  paymentId: string;
  currency: string;
  refundable: number;
  refundableText: string;
}) {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const ids = { amount: useId(), reason: useId(), hint: useId() };
  const [pending, setPending] = useState<{ amount: bigint; reason: Reason; key: string }>();
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  const refund = useMutation({
    mutationFn: (ask: NonNullable<typeof pending>) =>
      client.dashboard.refunds.create.mutate(
        { payment_intent: props.paymentId, amount: Number(ask.amount), reason: ask.reason },
        { context: { idempotencyKey: ask.key } },
      ),
    onSuccess: async (created) => {
      setDone(`Refunded ${formatMoney(created.amount, created.currency)} (${created.id}).`);
      setPending(undefined);
      await queryClient.invalidateQueries();
    },
    onError: (error) => setProblem(kassaError(error)?.message ?? error.message),
  });

  const ask = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(undefined);
    setDone(undefined);
    const form = new FormData(event.currentTarget);
    const amount = decimalToMinor(String(form.get('amount') ?? ''), props.currency);
    if (amount === undefined || amount <= 0n) {
      setProblem(`Enter an amount like ${props.refundableText}.`);
      return;
    }
    if (amount > BigInt(props.refundable)) {
      setProblem(`At most ${formatMoney(props.refundable, props.currency)} can be refunded.`);
      return;
    }
    setPending({ amount, reason: form.get('reason') as Reason, key: crypto.randomUUID() });
  };

  const confirm = () => {
    if (!pending || refund.isPending) return;
    refund.mutate(pending);
  };

  return (
    <div className="refund">
      <h3>Refund</h3>
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {pending ? (
        <fieldset className="confirm">
          <legend className="visually-hidden">Confirm the refund</legend>
          <p>
            Refund <strong>{formatMoney(pending.amount, props.currency)}</strong> of{' '}
            <span className="mono">{props.paymentId}</span>? This cannot be undone.
          </p>
          <button
            type="button"
            className="button danger"
            onClick={confirm}
            disabled={refund.isPending}
          >
            {refund.isPending ? 'Refunding…' : 'Confirm refund'}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => setPending(undefined)}
            disabled={refund.isPending}
          >
            Back
          </button>
        </fieldset>
      ) : (
        <form onSubmit={ask} className="refund-form">
          <div className="field">
            <label htmlFor={ids.amount}>Amount ({props.currency.toUpperCase()})</label>
            <input
              id={ids.amount}
              name="amount"
              inputMode="decimal"
              defaultValue={props.refundableText}
              aria-describedby={ids.hint}
              required
            />
            <p id={ids.hint} className="hint">
              Up to {formatMoney(props.refundable, props.currency)}.
            </p>
          </div>
          <div className="field">
            <label htmlFor={ids.reason}>Reason</label>
            <select id={ids.reason} name="reason" defaultValue="requested_by_customer">
              {REASONS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="button primary">
            Refund…
          </button>
        </form>
      )}
    </div>
  );
}
