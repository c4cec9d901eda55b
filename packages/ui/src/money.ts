import { exponentOf } from '@kassa/contracts/currency-exponents';
import { minorToDecimal } from '@kassa/contracts/decimal';
/** The currency's ISO 4217 exponent; a currency Kassa does not accept throws (never a guessed 2). */
export function currencyExponent(currency: string): number {
  return exponentOf(currency);
}

export { minorToDecimal };

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

/**
 * What a person typed as an amount ("12", "12.5", "1,234.50") in minor units of the currency, by
 * string arithmetic; undefined when it is not a plain non-negative amount with at most the
 * currency's decimals (a third decimal in EUR is refused, never rounded).
 */
export function decimalToMinor(text: string, currency: string): bigint | undefined {
  const exponent = currencyExponent(currency);
  const cleaned = text.trim().replace(/(?<=\d),(?=\d{3}(\D|$))/g, '');
  const match = /^(\d{1,15})(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return undefined;
  const [, major = '', minor = ''] = match;
  if (minor.length > exponent) return undefined;
  return BigInt(major) * 10n ** BigInt(exponent) + BigInt(minor.padEnd(exponent, '0') || '0');
}
