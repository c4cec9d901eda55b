import { exponentOf } from './currency-exponents.ts';

/**
 * An integer amount of minor units as the decimal string it stands for ("5390", EUR → "53.90"),
 * by string arithmetic: amounts never pass through a float, even for display or export.
 */
export function minorToDecimal(amount: number | bigint, currency: string): string {
  const exponent = exponentOf(currency);
  const value = BigInt(amount);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(exponent + 1, '0');
  const major = exponent === 0 ? digits : digits.slice(0, -exponent);
  const minor = exponent === 0 ? '' : `.${digits.slice(-exponent)}`;
  return `${negative ? '-' : ''}${major}${minor}`;
}
