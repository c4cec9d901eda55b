/** Minor-unit digits of the currencies whose exponent is not 2 (ISO 4217). */
const EXPONENTS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
};

export function currencyExponent(currency: string): number {
  return EXPONENTS[currency.toUpperCase()] ?? 2;
}

/**
 * An integer amount of minor units as the decimal string it stands for ("5390", EUR → "53.90"),
 * by string arithmetic: amounts never pass through a float, even for display.
 */
export function minorToDecimal(amount: number | bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  const value = BigInt(amount);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(exponent + 1, '0');
  const major = exponent === 0 ? digits : digits.slice(0, -exponent);
  const minor = exponent === 0 ? '' : `.${digits.slice(-exponent)}`;
  return `${negative ? '-' : ''}${major}${minor}`;
}

/**
 * Formats an amount for the shopper with Intl, in the currency's own exponent: 5390 EUR →
 * "€53.90", 1200 JPY → "¥1,200", 1500 KWD → "KWD 1.500". Intl formats the decimal string
 * exactly (no float conversion).
 */
export function formatMoney(amount: number | bigint, currency: string, locale = 'en-US'): string {
  const code = currency.toUpperCase();
  const exponent = currencyExponent(code);
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: code,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  return format.format(minorToDecimal(amount, code) as unknown as number);
}
