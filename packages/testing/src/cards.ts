import { expiryYearsFrom, systemClock } from '@kassa/contracts';

/**
 * A test card as `payment_method_data`, expiring five years after `now` (the API's clock in
 * tests that move it): never stale, whatever today's date. 4242… is approved by the simulator;
 * see apps/acquirer-sim/src/cards.ts for the declines, 3-D Secure and failure cards.
 */
export function testCard(number = '4242424242424242', now: Date = systemClock.now()) {
  return { type: 'card' as const, card: { number, ...expiryYearsFrom(now, 5), cvc: '123' } };
}
