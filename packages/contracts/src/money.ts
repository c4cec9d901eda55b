import { z } from 'zod';
import { isCurrency } from './currencies.ts';

/**
 * Amounts in the API are integers of the currency's minor units (1050 = $10.50), as JSON numbers.
 * The largest accepted is 99,999,999 minor units (999,999.99 in a two-decimal currency).
 */
export const MAX_AMOUNT = 99_999_999;

export const amountSchema = z
  .number({ error: 'must be an integer amount of minor units' })
  .int({ error: 'must be an integer amount of minor units (no decimals: 1050 means 10.50)' })
  .positive({ error: 'must be greater than zero' })
  .max(MAX_AMOUNT, { error: `must be at most ${MAX_AMOUNT} minor units` });

/** ISO 4217 code as the API shows it: lower case ("usd"); either case is accepted. */
export const apiCurrencySchema = z
  .string({ error: 'must be a currency code such as "usd"' })
  .transform((code) => code.toLowerCase())
  .refine((code) => isCurrency(code.toUpperCase()), {
    error: 'must be a supported ISO 4217 currency code such as "usd"',
  });
