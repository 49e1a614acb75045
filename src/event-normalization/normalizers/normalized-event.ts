import type { SupportedStripeEventType } from '../../stripe-integration/stripe-event-types';
import { isRecord, readerFor, type JsonObject, type ObjectReader } from './fields';

/** The archived event as normalization reads it: the archive owns its shape. */
export type { StripeEventInput } from '../../stripe-integration/stripe-event-archive.service';
import type { StripeEventInput } from '../../stripe-integration/stripe-event-archive.service';

export interface ContactAttributes {
  email: string | null;
  name: string | null;
}

export interface NormalizedEvent {
  /** `stripe.<type>`. */
  name: string;
  /** The Stripe customer id the event is about. */
  customerId: string | null;
  /** Trimmed and lower-cased; null when absent, blank or of the wrong type. */
  email: string | null;
  /** Ids used to resolve the contact (disputes: `object.charge`, `object.payment_intent`). */
  lookupChargeId: string | null;
  lookupPaymentIntentId: string | null;
  /** Ids this event teaches (older invoices' charge and payment intent, checkout's payment intent). */
  learnedChargeIds: string[];
  learnedPaymentIntentIds: string[];
  /** Only for customer.created / customer.updated: the contact attributes to apply. */
  attributes: ContactAttributes | null;
  /** False for customer.deleted, which never creates a contact. */
  createsContact: boolean;
  /** Exactly the contract's property set; absent values are null, never missing keys. */
  properties: Record<string, unknown>;
  /** One line per wrong-typed field, e.g. `data.object.amount_due: expected integer`. */
  warnings: string[];
}

export type StripeEventNormalizer = (event: StripeEventInput) => NormalizedEvent;

/** What a family normalizer sees: the event already taken apart safely. */
export interface NormalizerContext {
  type: SupportedStripeEventType;
  /** `data.object`, or an empty object (with a warning) when Stripe sent something else. */
  object: ObjectReader;
  /** `data`, for `previous_attributes`. */
  data: ObjectReader;
  /** `data.object.id`, read once so a wrong type warns once although several properties use it. */
  objectId: string | null;
}

/** The family-specific part; the common part (event id, object id, livemode, customer id) is added here. */
export interface FamilyNormalization {
  customerId: string | null;
  email: string | null;
  lookupChargeId?: string | null;
  lookupPaymentIntentId?: string | null;
  learnedChargeIds?: string[];
  learnedPaymentIntentIds?: string[];
  attributes?: ContactAttributes | null;
  createsContact?: boolean;
  properties: Record<string, unknown>;
}

export type FamilyNormalizer = (context: NormalizerContext) => FamilyNormalization;

/** Wraps a family normalizer with the reading and the properties every contact event shares. */
export function defineNormalizer(
  type: SupportedStripeEventType,
  family: FamilyNormalizer,
): StripeEventNormalizer {
  return (event) => {
    const warnings: string[] = [];
    // The static type promises a well-formed event; the payload came off the wire, so check anyway.
    const rootObject = requiredObject(event, 'event', warnings);
    const dataObject = requiredObject(rootObject.data, 'data', warnings);
    const root = readerFor(rootObject, '', warnings);
    const data = readerFor(dataObject, 'data', warnings);
    const object = readerFor(
      requiredObject(dataObject.object, 'data.object', warnings),
      'data.object',
      warnings,
    );
    const objectId = object.string('id');
    const stripeEventId = root.string('id');
    const livemode = root.boolean('livemode');

    const result = family({ type, object, data, objectId });
    return {
      name: `stripe.${type}`,
      customerId: result.customerId,
      email: result.email,
      lookupChargeId: result.lookupChargeId ?? null,
      lookupPaymentIntentId: result.lookupPaymentIntentId ?? null,
      learnedChargeIds: result.learnedChargeIds ?? [],
      learnedPaymentIntentIds: result.learnedPaymentIntentIds ?? [],
      attributes: result.attributes ?? null,
      createsContact: result.createsContact ?? true,
      properties: {
        stripe_event_id: stripeEventId,
        stripe_object_id: objectId,
        livemode,
        stripe_customer_id: result.customerId,
        ...result.properties,
      },
      warnings,
    };
  };
}

/** Unlike an optional field, a missing `data` or `data.object` is worth a warning: every event has one. */
function requiredObject(value: unknown, path: string, warnings: string[]): JsonObject {
  if (isRecord(value)) return value;
  warnings.push(`${path}: expected object`);
  return {};
}
