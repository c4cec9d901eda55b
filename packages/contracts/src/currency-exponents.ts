// No zod here: the card form and the money formatting import this file alone.

/**
 * Currencies Kassa accepts, with their ISO 4217 minor-unit exponent: amounts are integers of
 * 10^-exponent units (USD 1050 = $10.50, JPY 1050 = ¥1050, KWD 1050 = 1.050 KD).
 */
export const currencyExponents = {
  AED: 2,
  ARS: 2,
  AUD: 2,
  BGN: 2,
  BHD: 3,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CLP: 0,
  CNY: 2,
  COP: 2,
  CZK: 2,
  DKK: 2,
  EGP: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KES: 2,
  KRW: 0,
  KWD: 3,
  MAD: 2,
  MXN: 2,
  MYR: 2,
  NGN: 2,
  NOK: 2,
  NZD: 2,
  OMR: 3,
  PEN: 2,
  PHP: 2,
  PKR: 2,
  PLN: 2,
  QAR: 2,
  RON: 2,
  SAR: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TND: 3,
  TRY: 2,
  TWD: 2,
  UAH: 2,
  UGX: 0,
  USD: 2,
  VND: 0,
  XOF: 0,
  ZAR: 2,
} as const satisfies Record<string, 0 | 2 | 3>;

export type Currency = keyof typeof currencyExponents;

export function isCurrency(code: string): code is Currency {
  return Object.hasOwn(currencyExponents, code);
}

/** The ISO 4217 exponent of an accepted currency (any case); an unknown one throws, never guesses 2. */
export function exponentOf(currency: string): 0 | 2 | 3 {
  const code = currency.toUpperCase();
  if (!isCurrency(code)) throw new RangeError(`unknown currency ${currency}: no exponent`);
  return currencyExponents[code];
}
