/**
 * The event types a merchant sees (webhooks carry the same). No imports: the dashboard's pages
 * take this list alone (`@kassa/contracts/event-types`).
 */
export const eventTypes = [
  'payment_intent.created',
  'payment_intent.updated',
  'payment_intent.processing',
  'payment_intent.requires_action',
  'payment_intent.amount_capturable_updated',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'charge.refunded',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'checkout.session.completed',
  'checkout.session.expired',
  'balance.available',
  'payout.created',
  'payout.updated',
  'payout.paid',
  'payout.failed',
  'review.opened',
  'review.closed',
  'radar.decline_spike',
  'radar.volume_spike',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
  'customer.created',
  'customer.updated',
  'customer.deleted',
] as const;
export type EventType = (typeof eventTypes)[number];
