import type { ChangeEvent, InputHTMLAttributes, Ref } from 'react';
import { readCardNumber } from './card.ts';
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
 * The card number field: groups the digits as the brand prints them, names the brand as soon as
 * the first digits tell it, and reports what it understood. `autoComplete="cc-number"` lets the
 * browser fill it; `inputMode="numeric"` brings up a number pad on phones.
 */
export function CardNumberInput(
  props: Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> & {
    value: string;
    onCardChange: (state: ReturnType<typeof readCardNumber>) => void;
    ref?: Ref<HTMLInputElement>;
  },
) {
  const { value, onCardChange, ...rest } = props;
  const state = readCardNumber(value);
  return (
    <span className="kassa-card-number">
      <input
        {...rest}
        type="text"
        inputMode="numeric"
        autoComplete="cc-number"
        spellCheck={false}
        value={state.formatted}
        onChange={(event: ChangeEvent<HTMLInputElement>) =>
          onCardChange(readCardNumber(event.target.value))
        }
      />
      <span className="kassa-card-brand" aria-live="polite">
        {state.brand ?? ''}
      </span>
    </span>
  );
}

/**
 * The card number field as server-rendered markup, for pages without React on the client: the
 * same input and brand slot as CardNumberInput, uncontrolled, for a script to enhance with
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
