'use client';

import { decimalToMinor, formatMoney, minorToDecimal } from '@kassa/ui/money';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { kassaError, useTRPCClient } from '../../../../lib/trpc.tsx';

type Ask = { action: 'capture'; amount: bigint; key: string } | { action: 'cancel'; key: string };

/**
 * Capture (all or part of an authorization) and cancel, each asked first and sent with one
 * Idempotency-Key per confirmation, like refunds.
 */
export function PaymentActions(props: {
  paymentId: string;
  status: string;
  currency: string;
  capturable: number;
}) {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const amountId = useId();
  const [ask, setAsk] = useState<Ask>();
  const [problem, setProblem] = useState<string>();
  const run = useMutation({
    mutationFn: (what: Ask) =>
      what.action === 'capture'
        ? client.dashboard.paymentIntents.capture.mutate(
            { id: props.paymentId, amount_to_capture: Number(what.amount) },
            { context: { idempotencyKey: what.key } },
          )
        : client.dashboard.paymentIntents.cancel.mutate(
            { id: props.paymentId },
            { context: { idempotencyKey: what.key } },
          ),
    onSuccess: async () => {
      setAsk(undefined);
      await queryClient.invalidateQueries();
    },
    onError: (error) => setProblem(kassaError(error)?.message ?? error.message),
  });

  const askCapture = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setProblem(undefined);
    const amount = decimalToMinor(
      String(new FormData(event.currentTarget).get('amount') ?? ''),
      props.currency,
    );
    if (amount === undefined || amount <= 0n || amount > BigInt(props.capturable)) {
      setProblem(`Capture between 0 and ${formatMoney(props.capturable, props.currency)}.`);
      return;
    }
    setAsk({ action: 'capture', amount, key: crypto.randomUUID() });
  };

  if (ask) {
    return (
      <fieldset className="confirm actions">
        <legend>
          {ask.action === 'capture'
            ? `Capture ${formatMoney(ask.amount, props.currency)}? The rest of the authorization is released.`
            : 'Cancel this payment? An authorization is released; it cannot be paid any more.'}
        </legend>
        <button
          type="button"
          className="button danger"
          disabled={run.isPending}
          onClick={() => run.mutate(ask)}
        >
          {ask.action === 'capture' ? 'Confirm capture' : 'Confirm cancel'}
        </button>
        <button type="button" className="button" onClick={() => setAsk(undefined)}>
          Back
        </button>
        {problem && (
          <p className="form-error" role="alert">
            {problem}
          </p>
        )}
      </fieldset>
    );
  }
  return (
    <div className="actions">
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {props.status === 'requires_capture' && (
        <form onSubmit={askCapture} className="inline capture-form">
          <label htmlFor={amountId}>Capture ({props.currency.toUpperCase()})</label>
          <input
            id={amountId}
            name="amount"
            inputMode="decimal"
            defaultValue={minorToDecimal(props.capturable, props.currency)}
          />
          <button type="submit" className="button primary">
            Capture…
          </button>
        </form>
      )}
      <button
        type="button"
        className="button"
        onClick={() => setAsk({ action: 'cancel', key: crypto.randomUUID() })}
      >
        Cancel payment…
      </button>
    </div>
  );
}
