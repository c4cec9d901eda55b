import { describe, expect, it } from 'vitest';
import { decimalOf, formatDecimal, parseDecimal } from '../src/decimal.ts';
import { type FeatureVector, featureNames } from '../src/features.ts';
import { GeoIp } from '../src/geoip.ts';
import { DEFAULT_USD_RATES, parseUsdRates } from '../src/rates.ts';
import { levelOf, scoreOf } from '../src/score.ts';
import { amountInUsd } from '../src/scoring.ts';

function vector(values: Partial<FeatureVector>): FeatureVector {
  const base = Object.fromEntries(featureNames.map((n) => [n, null])) as FeatureVector;
  return { ...base, ...values };
}

describe('the risk score', () => {
  it('is low for an unremarkable payment, with no reasons', () => {
    const score = scoreOf(
      vector({ payment_count_for_card_hourly: decimalOf(0), card_country: 'US', ip_country: 'US' }),
    );
    expect(score).toEqual({ score: 5, level: 'normal', reasons: [] });
  });

  it('adds explained points per signal, capped per signal and at 100', () => {
    const score = scoreOf(
      vector({
        payment_count_for_card_hourly: decimalOf(4),
        card_country: 'US',
        ip_country: 'RO',
        amount_to_merchant_average: parseDecimal('12.5'),
      }),
    );
    expect(score.score).toBe(5 + 16 + 15 + 25);
    expect(score.level).toBe('normal');
    expect(score.reasons.map((r) => [r.feature, r.value, r.points])).toEqual([
      ['amount_to_merchant_average', '12.5', 25],
      ['payment_count_for_card_hourly', '4', 16],
      ['ip_country', 'RO', 15],
    ]);
    const worst = scoreOf(
      vector({
        payment_count_for_card_hourly: decimalOf(50),
        declined_count_for_card_daily: decimalOf(9),
        card_count_for_ip_hourly: decimalOf(9),
        failed_3ds_count_for_card_daily: decimalOf(3),
      }),
    );
    expect(worst.score).toBe(100);
    expect(worst.level).toBe('highest');
    expect(worst.reasons.find((r) => r.feature === 'payment_count_for_card_hourly')?.points).toBe(
      32,
    );
  });

  it('bands levels as Radar does', () => {
    expect([0, 64, 65, 84, 85, 100].map(levelOf)).toEqual([
      'normal',
      'normal',
      'elevated',
      'elevated',
      'highest',
      'highest',
    ]);
  });
});

describe('amount in USD', () => {
  const rates = parseUsdRates(DEFAULT_USD_RATES);
  it('converts minor units exactly at the reference rate, rounded to cents', () => {
    expect(formatDecimal(amountInUsd(100_000, 'USD', rates) as never)).toBe('1000.00');
    expect(formatDecimal(amountInUsd(123_45, 'EUR', rates) as never)).toBe('133.33');
    expect(formatDecimal(amountInUsd(150_000, 'JPY', rates) as never)).toBe('1005.00');
    expect(amountInUsd(100, 'XAF', rates)).toBeNull();
  });
  it('refuses a malformed rate table', () => {
    expect(() => parseUsdRates('EUR=1,08')).toThrow(/"08" is not CUR=rate/);
    expect(() => parseUsdRates('EUR=0')).toThrow(/positive/);
  });
});

describe('GeoIP ranges', () => {
  const geo = new GeoIp([
    { first: '1.0.0.0', last: '1.0.0.255', country: 'AU' },
    { first: '81.2.69.0', last: '81.2.69.255', country: 'GB' },
    { first: '2001:db8::', last: '2001:db8::ffff', country: 'NL' },
  ]);
  it('finds the country of an address in a range, IPv4, IPv4-mapped and IPv6', () => {
    expect(geo.countryOf('81.2.69.160')).toBe('GB');
    expect(geo.countryOf('::ffff:1.0.0.7')).toBe('AU');
    expect(geo.countryOf('2001:db8::1')).toBe('NL');
    expect(geo.countryOf('2001:db8::1:0')).toBeNull();
    expect(geo.countryOf('8.8.8.8')).toBeNull();
    expect(geo.countryOf('not an ip')).toBeNull();
  });
  it('refuses a range that is not one', () => {
    expect(() => new GeoIp([{ first: '1.0.0.9', last: '1.0.0.1', country: 'AU' }])).toThrow(
      /empty/,
    );
    expect(() => new GeoIp([{ first: '1.0.0.0', last: '::1', country: 'AU' }])).toThrow(
      /not an IP range/,
    );
  });
});
