'use client';

import {
  CardNumberInput,
  type CardNumberState,
  declineMessage,
  formatExpiry,
  readCardNumber,
  readExpiry,
} from '@kassa/ui';
import { type FormEvent, useId, useRef, useState } from 'react';

interface Props {
  apiUrl: string;
  sessionId: string;
  publishableKey: string;
  clientSecret: string;
  amountLabel: string;
  email: string;
  successUrl: string;
  initialError?: string;
}

type Field = 'email' | 'number' | 'expiry' | 'cvc' | 'name' | 'postal';
type ApiError = { code?: string; decline_code?: string; message?: string; param?: string };
type Payment = { status: string; next_action?: { redirect_to_url?: { url: string } } | null };

/**
 * The card form. The card goes from this browser straight to the Kassa API (with the merchant's
 * publishable key and this session's client secret); the checkout's own server never sees it.
 * One request at a time: the button is disabled while a payment is in flight, and each press
 * carries its own Idempotency-Key so a network retry can never pay twice.
 */
export function PayForm(props: Props) {
  const ids = { form: useId(), error: useId() };
  const [email, setEmail] = useState(props.email);
  const [card, setCard] = useState<CardNumberState>(readCardNumber(''));
  const [expiry, setExpiry] = useState('');
  const [cvc, setCvc] = useState('');
  const [name, setName] = useState('');
  const [postal, setPostal] = useState('');
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [message, setMessage] = useState<string | undefined>(props.initialError);
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false);
  const numberRef = useRef<HTMLInputElement>(null);

  function validate(): Partial<Record<Field, string>> {
    const found: Partial<Record<Field, string>> = {};
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) found.email = 'Enter your email address.';
    if (!card.complete) found.number = 'Your card number is incomplete or incorrect.';
    if (!readExpiry(expiry)) found.expiry = "Your card's expiry date is incomplete or in the past.";
    if (!new RegExp(`^\\d{${card.cvcLength}}$`).test(cvc))
      found.cvc = `Enter the ${card.cvcLength}-digit security code.`;
    if (!name.trim()) found.name = 'Enter the name on the card.';
    if (!postal.trim()) found.postal = 'Enter your postal code.';
    return found;
  }

  async function call<T>(
    path: string,
    init?: RequestInit,
  ): Promise<{ data?: T; error?: ApiError }> {
    const response = await fetch(`${props.apiUrl}/trpc/${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${props.publishableKey}`,
        'content-type': 'application/json',
        ...init?.headers,
      },
    });
    const body = (await response.json()) as { result?: { data: T }; error?: { data: ApiError } };
    return { data: body.result?.data, error: body.error?.data };
  }

  /**
   * Watches the session until the payment another tab started settles: paid → the merchant's
   * success page (true); expired → the expired page (true); back to needing a card → false.
   */
  async function followOtherPayment(): Promise<boolean> {
    const input = encodeURIComponent(JSON.stringify({ id: props.sessionId }));
    for (let i = 0; i < 120; i += 1) {
      const { data } = await call<{
        status: string;
        payment_intent_status: string;
        payment_in_progress: boolean;
      }>(`checkout.sessions.retrieve?input=${input}`);
      if (data?.status === 'complete') {
        window.location.assign(props.successUrl);
        return true;
      }
      if (data?.status === 'expired') {
        window.location.reload();
        return true;
      }
      // Nothing in flight and the payment needs a card again: the other tab's card was declined.
      if (data?.payment_intent_status === 'requires_payment_method' && !data.payment_in_progress)
        return false;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return false;
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (inFlight.current) return;
    const found = validate();
    setErrors(found);
    const firstWrong = (['email', 'number', 'expiry', 'cvc', 'name', 'postal'] as const).find(
      (field) => found[field],
    );
    if (firstWrong) {
      setMessage('Check the highlighted fields.');
      document.getElementById(`${ids.form}-${firstWrong}`)?.focus();
      return;
    }
    inFlight.current = true;
    setBusy(true);
    setMessage(undefined);
    const exp = readExpiry(expiry) as { month: number; year: number };
    try {
      const { data, error } = await call<Payment>('checkout.paymentIntents.confirm', {
        method: 'POST',
        headers: { 'idempotency-key': `checkout-${crypto.randomUUID()}` },
        body: JSON.stringify({
          client_secret: props.clientSecret,
          payment_method_data: {
            type: 'card',
            card: { number: card.digits, exp_month: exp.month, exp_year: exp.year, cvc },
            billing_details: { name: name.trim(), email, address: { postal_code: postal.trim() } },
          },
          return_url: `${window.location.origin}/pay/${props.sessionId}/return`,
        }),
      });
      if (data && (data.status === 'succeeded' || data.status === 'requires_capture')) {
        window.location.assign(props.successUrl);
        return;
      }
      const challenge = data?.next_action?.redirect_to_url?.url;
      if (data?.status === 'requires_action' && challenge) {
        window.location.assign(challenge);
        return;
      }
      if (error?.code === 'checkout_session_expired') {
        window.location.reload(); // the page says it expired
        return;
      }
      if (error?.code === 'payment_intent_unexpected_state') {
        // Paid, or being paid, in another tab: follow that payment to its end.
        if (await followOtherPayment()) return;
        setMessage('Your payment in another window did not go through. You can try again here.');
        return;
      }
      setMessage(
        error?.code === 'card_declined' || error?.decline_code
          ? declineMessage(error.code, error.decline_code)
          : (error?.message ?? 'Something went wrong. No payment was taken; try again.'),
      );
      setCvc('');
      numberRef.current?.focus();
    } catch {
      setMessage('We could not reach the payment service. No payment was taken; try again.');
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }

  const invalid = (field: Field) =>
    errors[field]
      ? { 'aria-invalid': true as const, 'aria-describedby': `${ids.form}-${field}-error` }
      : {};
  const fieldError = (field: Field) =>
    errors[field] ? (
      <span className="field-error" id={`${ids.form}-${field}-error`}>
        {errors[field]}
      </span>
    ) : null;

  return (
    <form className="pay" onSubmit={onSubmit} noValidate aria-describedby={ids.error}>
      <div className="field">
        <label htmlFor={`${ids.form}-email`}>Email</label>
        <input
          id={`${ids.form}-email`}
          type="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          {...invalid('email')}
        />
        {fieldError('email')}
      </div>
      <fieldset className="card">
        <legend>Card information</legend>
        <div className="field">
          <label htmlFor={`${ids.form}-number`}>Card number</label>
          <CardNumberInput
            id={`${ids.form}-number`}
            ref={numberRef}
            placeholder="1234 1234 1234 1234"
            value={card.digits}
            onCardChange={setCard}
            {...invalid('number')}
          />
          {fieldError('number')}
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${ids.form}-expiry`}>Expiry (MM / YY)</label>
            <input
              id={`${ids.form}-expiry`}
              inputMode="numeric"
              autoComplete="cc-exp"
              placeholder="MM / YY"
              value={expiry}
              onChange={(e) => setExpiry(formatExpiry(e.target.value))}
              {...invalid('expiry')}
            />
            {fieldError('expiry')}
          </div>
          <div className="field">
            <label htmlFor={`${ids.form}-cvc`}>Security code</label>
            <input
              id={`${ids.form}-cvc`}
              inputMode="numeric"
              autoComplete="cc-csc"
              placeholder={card.cvcLength === 4 ? '4 digits' : '3 digits'}
              maxLength={card.cvcLength}
              value={cvc}
              onChange={(e) => setCvc(e.target.value.replace(/\D/g, ''))}
              {...invalid('cvc')}
            />
            {fieldError('cvc')}
          </div>
        </div>
      </fieldset>
      <div className="field">
        <label htmlFor={`${ids.form}-name`}>Name on card</label>
        <input
          id={`${ids.form}-name`}
          autoComplete="cc-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          {...invalid('name')}
        />
        {fieldError('name')}
      </div>
      <div className="field">
        <label htmlFor={`${ids.form}-postal`}>Postal code</label>
        <input
          id={`${ids.form}-postal`}
          autoComplete="postal-code"
          value={postal}
          onChange={(e) => setPostal(e.target.value)}
          {...invalid('postal')}
        />
        {fieldError('postal')}
      </div>
      <p id={ids.error} className="form-error" role="alert" aria-live="assertive">
        {message ?? ''}
      </p>
      <button type="submit" className="pay-button" disabled={busy} aria-busy={busy}>
        {busy ? 'Processing…' : `Pay ${props.amountLabel}`}
      </button>
      <p className="fine-print">
        Your card details go directly to the payment service, encrypted in transit.
      </p>
    </form>
  );
}
