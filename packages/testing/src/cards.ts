import { expiryYearsFrom, systemClock } from '@kassa/contracts';

/**
 * A test card as `payment_method_data`, expiring five years after `now` (the API's clock in
 * tests that move it): never stale, whatever today's date. 4242… is approved by the simulator;
 * see apps/acquirer-sim/src/cards.ts for the declines, 3-D Secure and failure cards.
 */
export function testCard(number = '4242424242424242', now: Date = systemClock.now()) {
  return { type: 'card' as const, card: { number, ...expiryYearsFrom(now, 5), cvc: '123' } };
}

/**
 * A new Visa number (valid Luhn) that the simulator approves: one shopper's own card, for tests
 * that pay many times at one merchant without the default risk rule blocking the sixth payment
 * of one card in an hour.
 */
export function newCardNumber(): string {
  const digits = [4, 1, ...Array.from({ length: 13 }, () => Math.floor(Math.random() * 10))];
  const sum = digits
    .slice()
    .reverse()
    .reduce((total, d, i) => total + (i % 2 === 0 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0);
  return [...digits, (10 - (sum % 10)) % 10].join('');
}
