/**
 * What the simulated issuers do with each test card. Any other valid card is approved. The
 * numbers are Luhn-valid, so they pass the vault's checks and reach the acquirer.
 */
export type CardBehaviour =
  | { kind: 'approve' }
  | { kind: 'decline'; declineCode: DeclineCode }
  | { kind: 'three_d_secure' }
  | { kind: 'never_answer' }
  | { kind: 'unavailable' };

export const declineCodes = [
  'generic_decline',
  'insufficient_funds',
  'lost_card',
  'stolen_card',
  'expired_card',
  'incorrect_cvc',
  'processing_error',
  'authentication_failed',
] as const;
export type DeclineCode = (typeof declineCodes)[number];

export const testCards: Record<string, CardBehaviour & { description: string }> = {
  '4242424242424242': { kind: 'approve', description: 'Succeeds' },
  '4000000000000002': {
    kind: 'decline',
    declineCode: 'generic_decline',
    description: 'Declined (generic_decline)',
  },
  '4000000000009995': {
    kind: 'decline',
    declineCode: 'insufficient_funds',
    description: 'Declined: insufficient funds',
  },
  '4000000000009987': {
    kind: 'decline',
    declineCode: 'lost_card',
    description: 'Declined: lost card',
  },
  '4000000000009979': {
    kind: 'decline',
    declineCode: 'stolen_card',
    description: 'Declined: stolen card',
  },
  '4000000000000069': {
    kind: 'decline',
    declineCode: 'expired_card',
    description: 'Declined: expired card',
  },
  '4000000000000127': {
    kind: 'decline',
    declineCode: 'incorrect_cvc',
    description: 'Declined: incorrect CVC',
  },
  '4000000000000119': {
    kind: 'decline',
    declineCode: 'processing_error',
    description: 'Declined: processing error at the issuer',
  },
  '4000002500003155': {
    kind: 'three_d_secure',
    description: 'Requires 3-D Secure; approve or fail the challenge',
  },
  '4000000000000010': {
    kind: 'never_answer',
    description: 'The acquirer never answers (the caller times out)',
  },
  '4000000000000036': {
    kind: 'unavailable',
    description: 'The acquirer answers 503 Service Unavailable',
  },
};

export function behaviourOf(number: string): CardBehaviour {
  return testCards[number] ?? { kind: 'approve' };
}

/** Brand by leading digits, good enough for the simulator's records. */
export function brandOf(number: string): string {
  if (number.startsWith('4')) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  if (/^6(011|5)/.test(number)) return 'discover';
  if (/^35/.test(number)) return 'jcb';
  if (/^3[0689]/.test(number)) return 'diners';
  if (/^62/.test(number)) return 'unionpay';
  return 'unknown';
}
