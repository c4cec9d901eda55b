import { type CardBrand, type CardFunding, cardBrands, cardFundings } from '@kassa/contracts';
import { expiryProblem } from '@kassa/contracts/expiry';
import cardValidator from 'card-validator';

export { type CardBrand, type CardFunding, cardBrands, cardFundings };

const brandOf: Record<string, CardBrand> = {
  visa: 'visa',
  mastercard: 'mastercard',
  'american-express': 'amex',
  discover: 'discover',
  'diners-club': 'diners',
  jcb: 'jcb',
  unionpay: 'unionpay',
  maestro: 'maestro',
};

/** Why a card was refused before it reached the vault; the codes are the API's card error codes. */
export type CardErrorCode =
  | 'invalid_number'
  | 'incorrect_number'
  | 'invalid_expiry_month'
  | 'invalid_expiry_year'
  | 'invalid_cvc';

const messages: Record<CardErrorCode, string> = {
  invalid_number: 'Your card number is invalid.',
  incorrect_number: 'Your card number is incorrect.',
  invalid_expiry_month: "Your card's expiration month is invalid.",
  invalid_expiry_year: "Your card's expiration year is invalid.",
  invalid_cvc: "Your card's security code is invalid.",
};

/** A card that fails validation. Its message never contains the number. */
export class CardValidationError extends Error {
  override readonly name = 'CardValidationError';
  constructor(
    readonly code: CardErrorCode,
    /** The offending field: `number`, `exp_month`, `exp_year` or `cvc`. */
    readonly field: 'number' | 'exp_month' | 'exp_year' | 'cvc',
  ) {
    super(messages[code]);
  }
}

export interface CardInput {
  /** Digits, optionally grouped with spaces or dashes. */
  number: string;
  exp_month: number;
  exp_year: number;
  cvc?: string | undefined;
}

/** What may be known about a card outside the vault: never more than BIN and last 4. */
export interface CardDetails {
  brand: CardBrand;
  last4: string;
  exp_month: number;
  exp_year: number;
  funding: CardFunding;
  /** ISO 3166-1 alpha-2 of the issuer, when the BIN is known. */
  country: string | null;
}

/** The number without spaces or dashes, or a typed error when anything else is in it. */
export function normalizeNumber(raw: string): string {
  const digits = raw.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) throw new CardValidationError('invalid_number', 'number');
  return digits;
}

/**
 * Checks a card the way an issuer's first line would (card-validator, Braintree's library):
 * a brand it knows, a length that brand issues, the Luhn checksum, a month and a year that
 * have not passed and are at most 19 years out, and a CVC of the brand's length (3, or 4 for
 * Amex). Returns the details that may leave the vault.
 */
export function validateCard(
  card: CardInput,
  now: Date = new Date(),
): CardDetails & {
  number: string;
} {
  const number = normalizeNumber(card.number);
  const shape = cardValidator.number(number, { skipLuhnValidation: true });
  if (!shape.isValid || !shape.card) throw new CardValidationError('invalid_number', 'number');
  if (!cardValidator.number(number).isValid) {
    throw new CardValidationError('incorrect_number', 'number');
  }
  validateExpiry(card.exp_month, card.exp_year, now);
  if (card.cvc !== undefined && !cardValidator.cvv(card.cvc, shape.card.code.size).isValid) {
    throw new CardValidationError('invalid_cvc', 'cvc');
  }
  const bin = binInfo(number);
  return {
    number,
    brand: brandOf[shape.card.type] ?? 'unknown',
    last4: number.slice(-4),
    exp_month: card.exp_month,
    exp_year: card.exp_year,
    funding: bin.funding,
    country: bin.country,
  };
}

// By the injected clock, not card-validator's expirationDate, which reads the wall clock.
function validateExpiry(month: number, year: number, now: Date): void {
  const problem = expiryProblem(month, year, now);
  if (problem === 'invalid_expiry_month') throw new CardValidationError(problem, 'exp_month');
  if (problem === 'invalid_expiry_year') throw new CardValidationError(problem, 'exp_year');
}

/**
 * Funding and issuing country by BIN, longest prefix first. Kassa ships the ranges of its test
 * cards; an install that takes live cards loads its acquirer's BIN table here.
 */
const BIN_TABLE: ReadonlyArray<[prefix: string, funding: CardFunding, country: string]> = [
  ['424242', 'credit', 'US'],
  ['400000', 'credit', 'US'],
  ['4000000760', 'credit', 'BR'],
  ['4000001240', 'credit', 'CA'],
  ['4000002760', 'credit', 'DE'],
  ['4000008260', 'credit', 'GB'],
  ['4000056655', 'debit', 'US'],
  ['555555', 'credit', 'US'],
  ['222300', 'credit', 'US'],
  ['520082', 'debit', 'US'],
  ['510510', 'prepaid', 'US'],
  ['378282', 'credit', 'US'],
  ['371449', 'credit', 'US'],
  ['601111', 'credit', 'US'],
  ['305693', 'credit', 'US'],
  ['356600', 'credit', 'JP'],
  ['620000', 'credit', 'CN'],
];

export function binInfo(number: string): { funding: CardFunding; country: string | null } {
  let best: (typeof BIN_TABLE)[number] | undefined;
  for (const entry of BIN_TABLE) {
    if (number.startsWith(entry[0]) && entry[0].length > (best?.[0].length ?? 0)) best = entry;
  }
  return best ? { funding: best[1], country: best[2] } : { funding: 'unknown', country: null };
}
