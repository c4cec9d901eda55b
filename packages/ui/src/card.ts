import { expiryProblem } from '@kassa/contracts/expiry';
import cardValidator from 'card-validator';

export interface CardNumberState {
  /** Digits only. */
  digits: string;
  /** The digits grouped as the brand prints them: "4242 4242 4242 4242", "3782 822463 10005". */
  formatted: string;
  /** The brand's name for people ("Visa"), once the first digits tell it. */
  brand: string | null;
  /** `visa`, `mastercard`, `american-express`… (card-validator's type), or null. */
  brandType: string | null;
  /** Length and Luhn check both pass for the brand. */
  complete: boolean;
  /** Can no longer become a valid number (no brand starts like this, or too long). */
  invalid: boolean;
  cvcLength: number;
}

/** What the shopper typed in the card number field, understood (card-validator does the rules). */
export function readCardNumber(input: string): CardNumberState {
  const digits = input.replace(/\D/g, '').slice(0, 19);
  const result = cardValidator.number(digits);
  const card = result.card;
  const gaps = card?.gaps ?? [4, 8, 12];
  let formatted = '';
  for (let i = 0; i < digits.length; i += 1) {
    if (gaps.includes(i)) formatted += ' ';
    formatted += digits[i];
  }
  return {
    digits,
    formatted,
    brand: card?.niceType ?? null,
    brandType: card?.type ?? null,
    complete: result.isValid,
    invalid: !result.isPotentiallyValid,
    cvcLength: card?.code.size ?? 3,
  };
}

/**
 * "12 / 34", "1234", "12/2034" → { month: 12, year: 2034 } if it is this month or later on `now`
 * (the shopper's clock by default), else null.
 */
export function readExpiry(
  input: string,
  now: Date = new Date(),
): { month: number; year: number } | null {
  const parts = /^(\d{1,2})\/?(\d{2}|\d{4})$/.exec(input.replace(/\s/g, ''));
  if (!parts) return null;
  const month = Number(parts[1]);
  const year = Number(parts[2]?.length === 2 ? `20${parts[2]}` : parts[2]);
  return expiryProblem(month, year, now) ? null : { month, year };
}

/** Types the expiry as "MM / YY" while the shopper enters digits. */
export function formatExpiry(input: string): string {
  const digits = input.replace(/\D/g, '').slice(0, 4);
  if (digits.length <= 2) return digits;
  return `${digits.slice(0, 2)} / ${digits.slice(2)}`;
}

/** Plain words for a card error, by decline code (or error code), never the issuer's jargon. */
export function declineMessage(code: string | undefined, declineCode: string | undefined): string {
  const key = declineCode ?? code ?? '';
  const messages: Record<string, string> = {
    insufficient_funds: 'Your card has insufficient funds.',
    expired_card: 'Your card has expired.',
    incorrect_cvc: "Your card's security code is incorrect.",
    incorrect_number: 'Your card number is incorrect.',
    processing_error: 'An error occurred while processing your card. Try again in a moment.',
    authentication_failed: 'We could not verify your card. Try again or use another card.',
    lost_card: 'Your card was declined.',
    stolen_card: 'Your card was declined.',
    generic_decline: 'Your card was declined.',
    card_declined: 'Your card was declined.',
  };
  return messages[key] ?? 'Your card was declined.';
}
