import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  CardNumberField,
  decimalToMinor,
  declineMessage,
  formatExpiry,
  formatMoney,
  Money,
  minorToDecimal,
  readCardNumber,
  readExpiry,
  StatusBadge,
} from '../src/index.ts';

describe('money', () => {
  it('formats minor units in the currency exponent without floats', () => {
    expect(minorToDecimal(5_390, 'eur')).toBe('53.90');
    expect(minorToDecimal(5, 'usd')).toBe('0.05');
    expect(minorToDecimal(1_200, 'JPY')).toBe('1200');
    expect(minorToDecimal(1_500, 'KWD')).toBe('1.500');
    expect(minorToDecimal(99_999_999_999_999_999n, 'USD')).toBe('999999999999999.99');
    expect(() => minorToDecimal(100, 'XYZ')).toThrow(RangeError); // no guessed exponent
    expect(formatMoney(5_390, 'eur')).toBe('€53.90');
    expect(formatMoney(1_200, 'jpy')).toBe('¥1,200');
    expect(formatMoney(1_500, 'kwd')).toBe('KWD\u00a01.500');
    expect(formatMoney(123_456, 'eur', 'de-DE')).toBe('1.234,56\u00a0€');
    // Beyond 2^53: exact, where a float would round.
    expect(formatMoney(9_007_199_254_740_993n, 'usd')).toBe('$90,071,992,547,409.93');
  });
});

describe('card input', () => {
  it('groups digits, tells the brand, checks length and Luhn', () => {
    expect(readCardNumber('4242424242424242')).toMatchObject({
      formatted: '4242 4242 4242 4242',
      brand: 'Visa',
      complete: true,
      invalid: false,
      cvcLength: 3,
    });
    expect(readCardNumber('3782 8224 6310 005')).toMatchObject({
      formatted: '3782 822463 10005',
      brand: 'American Express',
      complete: true,
      cvcLength: 4,
    });
    // A Visa number may still grow to 19 digits, so a failing Luhn at 16 is incomplete, not over.
    expect(readCardNumber('4242424242424241')).toMatchObject({ complete: false });
    expect(readCardNumber('0000')).toMatchObject({ brand: null, invalid: true });
    expect(readCardNumber('4242')).toMatchObject({ complete: false, invalid: false });
  });

  it('reads and formats the expiry; refuses past months', () => {
    expect(formatExpiry('1234')).toBe('12 / 34');
    expect(formatExpiry('1')).toBe('1');
    const now = new Date('2026-11-25T12:00:00Z');
    expect(readExpiry('12 / 34', now)).toEqual({ month: 12, year: 2034 });
    expect(readExpiry('12/2034', now)).toEqual({ month: 12, year: 2034 });
    expect(readExpiry('11 / 26', now)).toEqual({ month: 11, year: 2026 });
    expect(readExpiry('11 / 26', new Date('2026-12-01T00:00:00Z'))).toBeNull();
    expect(readExpiry('10 / 26', now)).toBeNull();
    expect(readExpiry('01 / 20', now)).toBeNull();
    expect(readExpiry('13 / 30', now)).toBeNull();
    expect(readExpiry('12 / 46', now)).toBeNull(); // more than 19 years out
    expect(readExpiry('12 / 3', now)).toBeNull();
  });

  it('puts declines in plain words', () => {
    expect(declineMessage('card_declined', 'insufficient_funds')).toBe(
      'Your card has insufficient funds.',
    );
    expect(declineMessage('card_declined', 'stolen_card')).toBe('Your card was declined.');
    expect(declineMessage('whatever', undefined)).toBe('Your card was declined.');
  });
});

describe('components', () => {
  it('render money, a status in words, and the card number field with its brand slot', () => {
    expect(renderToStaticMarkup(createElement(Money, { amount: 5_390, currency: 'eur' }))).toBe(
      '<span class="kassa-money">€53.90</span>',
    );
    expect(renderToStaticMarkup(createElement(StatusBadge, { status: 'complete' }))).toContain(
      'Paid',
    );
    const html = renderToStaticMarkup(createElement(CardNumberField, { id: 'n' }));
    expect(html).toContain('autoComplete="cc-number"');
    expect(html).toContain('inputMode="numeric"');
    expect(html).toContain('id="n-brand" aria-live="polite"');
  });
});

describe('decimalToMinor', () => {
  it('reads a typed amount in the currency exponent, without a float', () => {
    expect(decimalToMinor('12', 'eur')).toBe(1_200n);
    expect(decimalToMinor('12.5', 'eur')).toBe(1_250n);
    expect(decimalToMinor(' 1,234.56 ', 'usd')).toBe(123_456n);
    expect(decimalToMinor('0.07', 'eur')).toBe(7n);
    expect(decimalToMinor('1200', 'jpy')).toBe(1_200n);
    expect(decimalToMinor('1.500', 'kwd')).toBe(1_500n);
    expect(decimalToMinor('999999999999999.99', 'eur')).toBe(99_999_999_999_999_999n);
  });

  it('refuses what is not an amount, and decimals the currency does not have', () => {
    for (const [text, currency] of [
      ['', 'eur'],
      ['abc', 'eur'],
      ['-5', 'eur'],
      ['1.234', 'eur'],
      ['1.5', 'jpy'],
      ['1e3', 'eur'],
      ['1,23', 'eur'],
    ] as const) {
      expect(decimalToMinor(text, currency), text).toBeUndefined();
    }
  });
});
