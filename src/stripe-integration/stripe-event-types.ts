/**
 * The Stripe event types MailKatana normalizes into contact events, in the seed's order
 * (`supported_events` returns them in this order, so the order is part of the contract).
 */
export const SUPPORTED_STRIPE_EVENT_TYPES = [
  'charge.dispute.created',
  'charge.dispute.closed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.completed',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.subscription.created',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'customer.subscription.trial_will_end',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.upcoming',
  'quote.finalized',
  'quote.accepted',
  'quote.canceled',
] as const;

export type SupportedStripeEventType = (typeof SUPPORTED_STRIPE_EVENT_TYPES)[number];

// A Set lookup never matches inherited keys such as 'constructor' or '__proto__'.
const SUPPORTED = new Set<string>(SUPPORTED_STRIPE_EVENT_TYPES);

export function isSupportedStripeEventType(t: unknown): t is SupportedStripeEventType {
  return typeof t === 'string' && SUPPORTED.has(t);
}

/** One line per type, shown in the outbound event-type catalog as `stripe.<type>`. */
export const STRIPE_CONTACT_EVENT_DESCRIPTIONS: Record<SupportedStripeEventType, string> = {
  'charge.dispute.created': 'A customer disputed a charge with their card issuer.',
  'charge.dispute.closed': 'A charge dispute was closed (won, lost or accepted).',
  'checkout.session.async_payment_succeeded': 'A delayed payment for a completed Checkout Session succeeded.',
  'checkout.session.async_payment_failed': 'A delayed payment for a completed Checkout Session failed.',
  'checkout.session.completed': 'A customer completed a Checkout Session.',
  'customer.created': 'A Stripe customer was created.',
  'customer.updated': 'A Stripe customer was updated.',
  'customer.deleted': 'A Stripe customer was deleted.',
  'customer.subscription.created': 'A subscription was created for the customer.',
  'customer.subscription.paused': 'A subscription was paused.',
  'customer.subscription.resumed': 'A paused subscription was resumed.',
  'customer.subscription.trial_will_end': "A subscription's trial ends in three days.",
  'customer.subscription.deleted': 'A subscription ended.',
  'invoice.paid': 'An invoice was paid.',
  'invoice.payment_failed': 'A payment attempt on an invoice failed.',
  'invoice.upcoming': 'A subscription invoice will be created soon.',
  'quote.finalized': 'A quote was finalized and sent to the customer.',
  'quote.accepted': 'The customer accepted a quote.',
  'quote.canceled': 'A quote was canceled.',
};
