import { z } from 'zod';

import { isCurrency } from './currency-exponents.ts';

export { type Currency, currencyExponents, exponentOf, isCurrency } from './currency-exponents.ts';

export const currencySchema = z.string().refine(isCurrency, {
  error: 'must be a supported ISO 4217 currency code, upper case (e.g. USD)',
});
