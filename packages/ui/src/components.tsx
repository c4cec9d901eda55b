import type { InputHTMLAttributes } from 'react';
import { formatMoney } from './money.ts';

/** An amount of minor units, formatted for its currency (see formatMoney). */
export function Money(props: { amount: number | bigint; currency: string; locale?: string }) {
  return (
    <span className="kassa-money">{formatMoney(props.amount, props.currency, props.locale)}</span>
  );
}

const STATUS_WORDS: Record<string, string> = {
  open: 'Open',
  complete: 'Paid',
  expired: 'Expired',
  succeeded: 'Succeeded',
  requires_payment_method: 'Awaiting payment',
  requires_capture: 'Authorized',
  canceled: 'Canceled',
  processing: 'Processing',
};

/** A status in words, with a class per status for its colour (text is never colour alone). */
export function StatusBadge(props: { status: string }) {
  return (
    <span className={`kassa-status kassa-status-${props.status}`}>
      {STATUS_WORDS[props.status] ?? props.status.replaceAll('_', ' ')}
    </span>
  );
}

/**
 * The card number field as server-rendered markup: an uncontrolled input with the card
 * autocomplete and a number pad on phones, and a slot for the brand, for a script to enhance with
 * readCardNumber (the hosted checkout's pay-form script does).
 */
export function CardNumberField(props: InputHTMLAttributes<HTMLInputElement> & { id: string }) {
  return (
    <span className="kassa-card-number">
      <input
        {...props}
        type="text"
        inputMode="numeric"
        autoComplete="cc-number"
        spellCheck={false}
      />
      <span className="kassa-card-brand" id={`${props.id}-brand`} aria-live="polite" />
    </span>
  );
}
