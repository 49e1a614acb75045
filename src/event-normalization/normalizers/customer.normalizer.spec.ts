import {
  customerCreatedEvent,
  customerDeletedEvent,
  customerUpdatedEvent,
} from '../../../test/fixtures/stripe-events';
import { normalizeStripeEvent, type NormalizedEvent } from './index';

function normalize(event: Parameters<typeof normalizeStripeEvent>[0]): NormalizedEvent {
  const normalized = normalizeStripeEvent(event);
  if (normalized === null) throw new Error(`expected ${event.type} to be supported`);
  return normalized;
}

describe('customer.* normalizers', () => {
  it('customer.created: the customer is the contact, with its attributes to apply', () => {
    const event = customerCreatedEvent({ eventId: 'evt_Test1' });
    expect(normalize(event)).toEqual({
      name: 'stripe.customer.created',
      customerId: 'cus_Test123',
      email: 'ada@example.test',
      lookupChargeId: null,
      lookupPaymentIntentId: null,
      learnedChargeIds: [],
      learnedPaymentIntentIds: [],
      attributes: { email: 'ada@example.test', name: 'Ada Lovelace' },
      createsContact: true,
      properties: {
        stripe_event_id: 'evt_Test1',
        stripe_object_id: 'cus_Test123',
        livemode: false,
        stripe_customer_id: 'cus_Test123',
        email: 'ada@example.test',
        name: 'Ada Lovelace',
      },
      warnings: [],
    });
  });

  it('trims and lower-cases the email everywhere it appears', () => {
    const normalized = normalize(customerCreatedEvent({ email: '  Ada.Lovelace@Example.TEST ' }));
    expect(normalized.email).toBe('ada.lovelace@example.test');
    expect(normalized.attributes?.email).toBe('ada.lovelace@example.test');
    expect(normalized.properties.email).toBe('ada.lovelace@example.test');
  });

  it('treats a blank or missing email as none, without a warning', () => {
    for (const email of ['   ', '', null]) {
      const normalized = normalize(customerCreatedEvent({ email }));
      expect(normalized.email).toBeNull();
      expect(normalized.attributes).toEqual({ email: null, name: 'Ada Lovelace' });
      expect(normalized.warnings).toEqual([]);
    }
  });

  it('nulls wrong-typed email and name with a warning each', () => {
    const normalized = normalize(customerCreatedEvent({ object: { email: 42, name: ['Ada'] } }));
    expect(normalized.email).toBeNull();
    expect(normalized.attributes).toEqual({ email: null, name: null });
    expect(normalized.properties).toMatchObject({
      email: null,
      name: null,
      stripe_customer_id: 'cus_Test123',
    });
    expect(normalized.warnings).toEqual([
      'data.object.email: expected string',
      'data.object.name: expected string',
    ]);
  });

  it('customer.updated: changed_fields are the sorted keys of previous_attributes', () => {
    const event = customerUpdatedEvent({
      eventId: 'evt_Test2',
      email: 'ada@example.test',
      previousAttributes: { name: 'Ada King', metadata: {}, email: 'ada.king@example.test', address: null },
    });
    expect(normalize(event)).toMatchObject({
      name: 'stripe.customer.updated',
      customerId: 'cus_Test123',
      email: 'ada@example.test',
      attributes: { email: 'ada@example.test', name: 'Ada Lovelace' },
      createsContact: true,
      properties: {
        stripe_event_id: 'evt_Test2',
        stripe_object_id: 'cus_Test123',
        livemode: false,
        stripe_customer_id: 'cus_Test123',
        email: 'ada@example.test',
        name: 'Ada Lovelace',
        changed_fields: ['address', 'email', 'metadata', 'name'],
      },
      warnings: [],
    });
  });

  it('customer.updated: changed_fields is empty without previous_attributes', () => {
    const normalized = normalize(customerUpdatedEvent({ previousAttributes: undefined }));
    expect(normalized.properties.changed_fields).toEqual([]);
    expect(normalized.warnings).toEqual([]);
  });

  it('customer.updated: a wrong-typed previous_attributes gives empty changed_fields and a warning', () => {
    const event = customerUpdatedEvent();
    (event.data as Record<string, unknown>).previous_attributes = ['email'];
    const normalized = normalize(event);
    expect(normalized.properties.changed_fields).toEqual([]);
    expect(normalized.warnings).toEqual(['data.previous_attributes: expected object']);
  });

  it('customer.deleted: recorded, but never creates a contact or changes its attributes', () => {
    const normalized = normalize(customerDeletedEvent({ livemode: true }));
    expect(normalized).toMatchObject({
      name: 'stripe.customer.deleted',
      customerId: 'cus_Test123',
      email: 'ada@example.test',
      attributes: null,
      createsContact: false,
      properties: { livemode: true, email: 'ada@example.test', name: 'Ada Lovelace' },
    });
    expect(normalized.properties).not.toHaveProperty('changed_fields');
  });
});
