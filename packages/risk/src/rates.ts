import { type Decimal, parseDecimal } from './decimal.ts';

/**
 * US dollars per major unit of a currency, for `:amount_in_usd:`. Risk needs magnitudes, not
 * prices: these are reference rates, set by RISK_USD_RATES (`EUR=1.08,GBP=1.27`), with the
 * defaults below (late 2026, rounded) for the currencies Kassa's tests and demo use. A currency
 * with no rate has an unknown `:amount_in_usd:`.
 */
export const DEFAULT_USD_RATES =
  'EUR=1.08,GBP=1.27,CHF=1.12,SEK=0.095,NOK=0.092,DKK=0.145,PLN=0.25,CAD=0.73,AUD=0.66,JPY=0.0067';

export function parseUsdRates(text: string): Map<string, Decimal> {
  const rates = new Map<string, Decimal>();
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([A-Z]{3})=(\d+(?:\.\d+)?)$/.exec(pair);
    if (!match) throw new Error(`"${pair}" is not CUR=rate (EUR=1.08)`);
    const rate = parseDecimal(match[2] as string);
    if (rate.units <= 0n) throw new Error(`the rate of ${match[1]} must be positive`);
    rates.set(match[1] as string, rate);
  }
  return rates;
}
