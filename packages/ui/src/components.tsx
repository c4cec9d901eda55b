import type { InputHTMLAttributes, ReactNode } from 'react';
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
  requires_action: 'Needs 3-D Secure',
  requires_confirmation: 'Awaiting confirmation',
  pending: 'Pending',
  failed: 'Failed',
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

/** A region that is loading: announced to screen readers, shown as a quiet line. */
export function LoadingState(props: { label?: string }) {
  return (
    <p className="kassa-state kassa-state-loading" role="status">
      {props.label ?? 'Loading…'}
    </p>
  );
}

/** Nothing to show yet, and what to do about it. */
export function EmptyState(props: { title: string; children?: ReactNode }) {
  return (
    <div className="kassa-state kassa-state-empty">
      <p className="kassa-state-title">{props.title}</p>
      {props.children}
    </div>
  );
}

/** Something failed: what, in words, and the request id to quote to support. */
export function ErrorState(props: { title?: string; message: string; requestId?: string }) {
  return (
    <div className="kassa-state kassa-state-error" role="alert">
      <p className="kassa-state-title">{props.title ?? 'This could not be loaded.'}</p>
      <p>{props.message}</p>
      {props.requestId && <p className="kassa-state-detail">Request {props.requestId}</p>}
    </div>
  );
}

/**
 * A wide table's horizontal scroller: on a phone the table scrolls inside it, not the page. It
 * can take the focus, so a keyboard can scroll it too (WCAG 2.1.1; axe: scrollable-region-focusable).
 */
export function TableScroll(props: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable to scroll by keyboard.
    <section className="table-scroll" aria-label={props.label} tabIndex={0}>
      {props.children}
    </section>
  );
}
