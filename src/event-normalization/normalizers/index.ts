import {
  isSupportedStripeEventType,
  SUPPORTED_STRIPE_EVENT_TYPES,
  type SupportedStripeEventType,
} from '../../stripe-integration/stripe-event-types';
import { normalizeCheckoutSessionEvent } from './checkout-session.normalizer';
import {
  normalizeCustomerCreated,
  normalizeCustomerDeleted,
  normalizeCustomerUpdated,
} from './customer.normalizer';
import { normalizeDisputeEvent } from './dispute.normalizer';
import { isRecord } from './fields';
import { normalizeInvoiceEvent } from './invoice.normalizer';
import {
  defineNormalizer,
  type FamilyNormalizer,
  type NormalizedEvent,
  type StripeEventInput,
  type StripeEventNormalizer,
} from './normalized-event';
import { normalizeQuoteEvent } from './quote.normalizer';
import { normalizeSubscriptionEvent } from './subscription.normalizer';

export type {
  ContactAttributes,
  NormalizedEvent,
  StripeEventInput,
  StripeEventNormalizer,
} from './normalized-event';

const FAMILY_BY_TYPE: Record<SupportedStripeEventType, FamilyNormalizer> = {
  'charge.dispute.created': normalizeDisputeEvent,
  'charge.dispute.closed': normalizeDisputeEvent,
  'checkout.session.async_payment_succeeded': normalizeCheckoutSessionEvent,
  'checkout.session.async_payment_failed': normalizeCheckoutSessionEvent,
  'checkout.session.completed': normalizeCheckoutSessionEvent,
  'customer.created': normalizeCustomerCreated,
  'customer.updated': normalizeCustomerUpdated,
  'customer.deleted': normalizeCustomerDeleted,
  'customer.subscription.created': normalizeSubscriptionEvent,
  'customer.subscription.paused': normalizeSubscriptionEvent,
  'customer.subscription.resumed': normalizeSubscriptionEvent,
  'customer.subscription.trial_will_end': normalizeSubscriptionEvent,
  'customer.subscription.deleted': normalizeSubscriptionEvent,
  'invoice.paid': normalizeInvoiceEvent,
  'invoice.payment_failed': normalizeInvoiceEvent,
  'invoice.upcoming': normalizeInvoiceEvent,
  'quote.finalized': normalizeQuoteEvent,
  'quote.accepted': normalizeQuoteEvent,
  'quote.canceled': normalizeQuoteEvent,
};

/** One pure normalizer per supported type: the Stripe event in, one contact event out. */
export const STRIPE_EVENT_NORMALIZERS: Readonly<Record<SupportedStripeEventType, StripeEventNormalizer>> =
  buildTable();

function buildTable(): Record<SupportedStripeEventType, StripeEventNormalizer> {
  const table = {} as Record<SupportedStripeEventType, StripeEventNormalizer>;
  for (const type of SUPPORTED_STRIPE_EVENT_TYPES) table[type] = defineNormalizer(type, FAMILY_BY_TYPE[type]);
  return Object.freeze(table);
}

/** Null for an unsupported type: the event stays archived but becomes no contact event. */
export function normalizeStripeEvent(event: StripeEventInput): NormalizedEvent | null {
  // Typed as an event, but it was parsed from a request body: tolerate anything.
  const type: unknown = isRecord(event) ? event.type : undefined;
  return isSupportedStripeEventType(type) ? STRIPE_EVENT_NORMALIZERS[type](event) : null;
}
