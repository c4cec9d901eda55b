// Card expiry by an injected date, shared by the vault (server) and the card form (browser).
// No zod here: the checkout's card-form bundle imports this file alone.

/** How many years ahead an expiry may be: issuers print at most about 19 (card-validator's rule). */
export const MAX_EXPIRY_YEARS = 19;

/**
 * Why a card expiry is refused on `now`, or null when it is good. A card is good through the
 * last day of its expiry month; a year more than 19 years out is a typing mistake.
 */
export function expiryProblem(
  month: number,
  year: number,
  now: Date,
): 'invalid_expiry_month' | 'invalid_expiry_year' | null {
  if (!Number.isInteger(month) || month < 1 || month > 12) return 'invalid_expiry_month';
  const thisYear = now.getUTCFullYear();
  if (!Number.isInteger(year) || year < thisYear || year > thisYear + MAX_EXPIRY_YEARS) {
    return 'invalid_expiry_year';
  }
  if (year === thisYear && month < now.getUTCMonth() + 1) return 'invalid_expiry_month';
  return null;
}
