import {
  chargeDisputeClosedEvent,
  chargeDisputeCreatedEvent,
  chargeObject,
} from '../../../test/fixtures/stripe-events';
import { normalizeStripeEvent, type NormalizedEvent } from './index';

function normalize(event: Parameters<typeof normalizeStripeEvent>[0]): NormalizedEvent {
  const normalized = normalizeStripeEvent(event);
  if (normalized === null) throw new Error(`expected ${event.type} to be supported`);
  return normalized;
}

describe('charge.dispute.* normalizers', () => {
  it('created with the charge as an id: only the charge and payment intent can find the contact', () => {
    const normalized = normalize(chargeDisputeCreatedEvent({ eventId: 'evt_Test6' }));
    expect(normalized).toEqual({
      name: 'stripe.charge.dispute.created',
      customerId: null,
      email: null,
      lookupChargeId: 'ch_Test123',
      lookupPaymentIntentId: 'pi_Test123',
      learnedChargeIds: [],
      learnedPaymentIntentIds: [],
      attributes: null,
      createsContact: true,
      properties: {
        stripe_event_id: 'evt_Test6',
        stripe_object_id: 'dp_Test123',
        livemode: false,
        stripe_customer_id: null,
        dispute_id: 'dp_Test123',
        charge_id: 'ch_Test123',
        amount: 4999,
        currency: 'usd',
        reason: 'product_not_received',
        status: 'needs_response',
      },
      warnings: [],
    });
  });

  it('the evidence email wins over the charge', () => {
    const normalized = normalize(
      chargeDisputeCreatedEvent({
        expand: true,
        email: 'billing@example.test',
        evidenceEmail: ' Ada@Example.TEST ',
      }),
    );
    expect(normalized.email).toBe('ada@example.test');
  });

  it('an expanded charge gives the customer and its billing email', () => {
    const normalized = normalize(chargeDisputeCreatedEvent({ expand: true, email: 'Billing@Example.test' }));
    expect(normalized.customerId).toBe('cus_Test123');
    expect(normalized.properties.stripe_customer_id).toBe('cus_Test123');
    expect(normalized.email).toBe('billing@example.test');
    expect(normalized.lookupChargeId).toBe('ch_Test123');
    expect(normalized.properties.charge_id).toBe('ch_Test123');
  });

  it('falls back to the receipt email when the billing details have none', () => {
    const charge = {
      ...chargeObject({ email: null }),
      receipt_email: 'receipt@example.test',
      customer: { id: 'cus_TestExp', object: 'customer' },
    };
    const normalized = normalize(chargeDisputeCreatedEvent({ object: { charge } }));
    expect(normalized.email).toBe('receipt@example.test');
    expect(normalized.customerId).toBe('cus_TestExp');
  });

  it('an expanded charge without a customer (guest payment) still gives its email', () => {
    const normalized = normalize(chargeDisputeCreatedEvent({ expand: true, customerId: null }));
    expect(normalized.customerId).toBeNull();
    expect(normalized.email).toBe('ada@example.test');
  });

  it('closed carries the outcome', () => {
    const normalized = normalize(chargeDisputeClosedEvent({ shape: 'old' }));
    expect(normalized.name).toBe('stripe.charge.dispute.closed');
    expect(normalized.properties).toMatchObject({ status: 'lost', amount: 4999, dispute_id: 'dp_Test123' });
  });

  it('reads an expanded payment intent and lower-cases the currency', () => {
    const event = chargeDisputeClosedEvent({
      object: {
        payment_intent: { id: 'pi_TestExp', object: 'payment_intent' },
        currency: 'EUR',
        status: 'won',
      },
    });
    const normalized = normalize(event);
    expect(normalized.lookupPaymentIntentId).toBe('pi_TestExp');
    expect(normalized.properties).toMatchObject({ currency: 'eur', status: 'won' });
  });

  it('wrong-typed evidence and charge fields fall through with warnings', () => {
    const charge = { ...chargeObject(), billing_details: { email: 12 }, customer: 99 };
    const event = chargeDisputeCreatedEvent({ object: { charge, evidence: [], amount: '4999' } });
    const normalized = normalize(event);
    expect(normalized.customerId).toBeNull();
    expect(normalized.email).toBe('ada@example.test'); // the receipt email
    expect(normalized.properties.amount).toBeNull();
    expect(normalized.warnings.sort()).toEqual([
      'data.object.amount: expected integer',
      'data.object.charge.billing_details.email: expected string',
      'data.object.charge.customer: expected id or expanded object with id',
      'data.object.evidence: expected object',
    ]);
  });
});
