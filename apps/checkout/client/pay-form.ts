// The pay page's only script: the card form's behaviour, on server-rendered markup. It is all the
// JavaScript the page loads (no framework runtime), bundled by scripts/build-client.mjs.
//
// The card goes from this browser straight to the Kassa API, with this session's client secret
// (no key: the page has none, and the secret alone lets it pay this one session); the checkout's
// own server never sees it. One request at a time:
// the button is disabled while a payment is in flight, and each press carries its own
// Idempotency-Key, so a network retry can never pay twice.
import { declineMessage, formatExpiry, readCardNumber, readExpiry } from '@kassa/ui/card';

type Field = 'email' | 'number' | 'expiry' | 'cvc' | 'name' | 'postal';
type ApiError = { code?: string; decline_code?: string; message?: string };
type Payment = { status: string; next_action?: { redirect_to_url?: { url: string } } | null };

const FIELDS: readonly Field[] = ['email', 'number', 'expiry', 'cvc', 'name', 'postal'];

function enhance(form: HTMLFormElement): void {
  const config = form.dataset as {
    apiUrl: string;
    sessionId: string;
    clientSecret: string;
    successUrl: string;
  };
  const input = (field: Field) =>
    form.querySelector<HTMLInputElement>(`#pay-${field}`) as HTMLInputElement;
  const message = form.querySelector('#pay-message') as HTMLElement;
  const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
  const brand = form.querySelector('#pay-number-brand') as HTMLElement;
  const label = button.textContent ?? '';
  let inFlight = false;

  const number = input('number');
  number.addEventListener('input', () => {
    const card = readCardNumber(number.value);
    number.value = card.formatted;
    brand.textContent = card.brand ?? '';
    input('cvc').maxLength = card.cvcLength;
    input('cvc').placeholder = `${card.cvcLength} digits`;
  });
  input('expiry').addEventListener('input', (event) => {
    const target = event.target as HTMLInputElement;
    target.value = formatExpiry(target.value);
  });
  input('cvc').addEventListener('input', (event) => {
    const target = event.target as HTMLInputElement;
    target.value = target.value.replace(/\D/g, '');
  });

  function validate(): Partial<Record<Field, string>> {
    const card = readCardNumber(number.value);
    const found: Partial<Record<Field, string>> = {};
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input('email').value))
      found.email = 'Enter your email address.';
    if (!card.complete) found.number = 'Your card number is incomplete or incorrect.';
    if (!readExpiry(input('expiry').value))
      found.expiry = "Your card's expiry date is incomplete or in the past.";
    if (!new RegExp(`^\\d{${card.cvcLength}}$`).test(input('cvc').value))
      found.cvc = `Enter the ${card.cvcLength}-digit security code.`;
    if (!input('name').value.trim()) found.name = 'Enter the name on the card.';
    if (!input('postal').value.trim()) found.postal = 'Enter your postal code.';
    return found;
  }

  function showErrors(found: Partial<Record<Field, string>>): void {
    for (const field of FIELDS) {
      const element = input(field);
      const id = `pay-${field}-error`;
      form.querySelector(`#${id}`)?.remove();
      const text = found[field];
      if (!text) {
        element.removeAttribute('aria-invalid');
        element.removeAttribute('aria-describedby');
        continue;
      }
      const error = document.createElement('span');
      error.className = 'field-error';
      error.id = id;
      error.textContent = text;
      (element.closest('.field') as HTMLElement).append(error);
      element.setAttribute('aria-invalid', 'true');
      element.setAttribute('aria-describedby', id);
    }
  }

  function busy(on: boolean): void {
    button.disabled = on;
    button.setAttribute('aria-busy', String(on));
    button.textContent = on ? 'Processing…' : label;
  }

  async function call<T>(
    path: string,
    init?: RequestInit,
  ): Promise<{ data?: T; error?: ApiError }> {
    const response = await fetch(`${config.apiUrl}/trpc/${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...init?.headers },
    });
    const body = (await response.json()) as { result?: { data: T }; error?: { data: ApiError } };
    return { data: body.result?.data, error: body.error?.data };
  }

  /**
   * Watches the session until the payment another tab started settles: paid → the merchant's
   * success page (true); expired → the expired page (true); back to needing a card → false.
   */
  async function followOtherPayment(): Promise<boolean> {
    const query = encodeURIComponent(JSON.stringify({ id: config.sessionId }));
    for (let i = 0; i < 120; i += 1) {
      const { data } = await call<{
        status: string;
        payment_intent_status: string;
        payment_in_progress: boolean;
      }>(`checkout.sessions.retrieve?input=${query}`);
      if (data?.status === 'complete') {
        window.location.assign(config.successUrl);
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

  async function pay(): Promise<void> {
    const card = readCardNumber(number.value);
    const exp = readExpiry(input('expiry').value) as { month: number; year: number };
    const { data, error } = await call<Payment>('checkout.paymentIntents.confirm', {
      method: 'POST',
      headers: { 'idempotency-key': `checkout-${crypto.randomUUID()}` },
      body: JSON.stringify({
        client_secret: config.clientSecret,
        payment_method_data: {
          type: 'card',
          card: {
            number: card.digits,
            exp_month: exp.month,
            exp_year: exp.year,
            cvc: input('cvc').value,
          },
          billing_details: {
            name: input('name').value.trim(),
            email: input('email').value,
            address: { postal_code: input('postal').value.trim() },
          },
        },
        return_url: `${window.location.origin}/pay/${config.sessionId}/return`,
      }),
    });
    if (data && (data.status === 'succeeded' || data.status === 'requires_capture')) {
      window.location.assign(config.successUrl);
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
      message.textContent =
        'Your payment in another window did not go through. You can try again here.';
      return;
    }
    message.textContent =
      error?.code === 'card_declined' || error?.decline_code
        ? declineMessage(error.code, error.decline_code)
        : (error?.message ?? 'Something went wrong. No payment was taken; try again.');
    input('cvc').value = '';
    number.focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (inFlight) return;
    const found = validate();
    showErrors(found);
    const firstWrong = FIELDS.find((field) => found[field]);
    if (firstWrong) {
      message.textContent = 'Check the highlighted fields.';
      input(firstWrong).focus();
      return;
    }
    inFlight = true;
    busy(true);
    message.textContent = '';
    try {
      await pay();
    } catch {
      message.textContent =
        'We could not reach the payment service. No payment was taken; try again.';
    } finally {
      inFlight = false;
      busy(false);
    }
  });
}

const form = document.querySelector<HTMLFormElement>('form.pay');
if (form) enhance(form);
