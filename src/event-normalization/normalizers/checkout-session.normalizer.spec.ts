import {
  checkoutSessionAsyncPaymentFailedEvent,
  checkoutSessionAsyncPaymentSucceededEvent,
  checkoutSessionCompletedEvent,
} from '../../../test/fixtures/stripe-events';
import { normalizeStripeEvent, type NormalizedEvent } from './index';

function normalize(event: Parameters<typeof normalizeStripeEvent>[0]): NormalizedEvent {
  const normalized = normalizeStripeEvent(event);
  if (normalized === null) throw new Error(`expected ${event.type} to be supported`);
  return normalized;
}

describe('checkout.session.* normalizers', () => {
  it('completed: email from customer_details; teaches the payment intent', () => {
    const normalized = normalize(checkoutSessionCompletedEvent({ eventId: 'evt_Test5' }));
    expect(normalized).toEqual({
      name: 'stripe.checkout.session.completed',
      customerId: 'cus_Test123',
      email: 'ada@example.test',
      lookupChargeId: null,
      lookupPaymentIntentId: null,
      learnedChargeIds: [],
      learnedPaymentIntentIds: ['pi_Test123'],
      attributes: null,
      createsContact: true,
      properties: {
        stripe_event_id: 'evt_Test5',
        stripe_object_id: 'cs_test_a1Test123',
        livemode: false,
        stripe_customer_id: 'cus_Test123',
        checkout_session_id: 'cs_test_a1Test123',
        mode: 'payment',
        payment_status: 'paid',
        amount_total: 4999,
        currency: 'usd',
        subscription_id: null,
        invoice_id: null,
      },
      warnings: [],
    });
  });

  it('guest checkout: no customer, found by email alone', () => {
    const normalized = normalize(
      checkoutSessionCompletedEvent({ customerId: null, email: 'Guest@Example.test' }),
    );
    expect(normalized.customerId).toBeNull();
    expect(normalized.properties.stripe_customer_id).toBeNull();
    expect(normalized.email).toBe('guest@example.test');
    expect(normalized.createsContact).toBe(true);
  });

  it('falls back to customer_email when customer_details has none', () => {
    const withoutDetailsEmail = checkoutSessionCompletedEvent({
      email: null,
      object: { customer_email: ' Ada@Example.test' },
    });
    expect(normalize(withoutDetailsEmail).email).toBe('ada@example.test');
    const withoutDetails = checkoutSessionCompletedEvent({
      object: { customer_details: null, customer_email: 'ada@example.test' },
    });
    expect(normalize(withoutDetails).email).toBe('ada@example.test');
  });

  it('prefers customer_details.email over customer_email', () => {
    const event = checkoutSessionCompletedEvent({
      email: 'typed@example.test',
      object: { customer_email: 'preset@example.test' },
    });
    expect(normalize(event).email).toBe('typed@example.test');
  });

  it('a wrong-typed customer_details falls back with a warning', () => {
    const event = checkoutSessionCompletedEvent({
      object: { customer_details: 'x', customer_email: 'ada@example.test' },
    });
    const normalized = normalize(event);
    expect(normalized.email).toBe('ada@example.test');
    expect(normalized.warnings).toEqual(['data.object.customer_details: expected object']);
  });

  it('subscription mode: subscription and invoice ids, expanded or not; no payment intent to learn', () => {
    const event = checkoutSessionCompletedEvent({
      shape: 'old',
      object: {
        mode: 'subscription',
        payment_intent: null,
        subscription: { id: 'sub_Test123', object: 'subscription' },
        invoice: 'in_Test123',
        customer: { id: 'cus_Test123', object: 'customer' },
      },
    });
    const normalized = normalize(event);
    expect(normalized.customerId).toBe('cus_Test123');
    expect(normalized.learnedPaymentIntentIds).toEqual([]);
    expect(normalized.properties).toMatchObject({
      mode: 'subscription',
      subscription_id: 'sub_Test123',
      invoice_id: 'in_Test123',
    });
  });

  it('async_payment_succeeded', () => {
    const normalized = normalize(
      checkoutSessionAsyncPaymentSucceededEvent({ paymentIntentId: 'pi_TestAch' }),
    );
    expect(normalized.name).toBe('stripe.checkout.session.async_payment_succeeded');
    expect(normalized.properties.payment_status).toBe('paid');
    expect(normalized.learnedPaymentIntentIds).toEqual(['pi_TestAch']);
  });

  it('async_payment_failed', () => {
    const normalized = normalize(checkoutSessionAsyncPaymentFailedEvent({ shape: 'old' }));
    expect(normalized.name).toBe('stripe.checkout.session.async_payment_failed');
    expect(normalized.properties.payment_status).toBe('unpaid');
  });

  it('an expanded payment intent is learned by its id', () => {
    const event = checkoutSessionCompletedEvent({
      object: { payment_intent: { id: 'pi_TestExp', object: 'payment_intent' } },
    });
    expect(normalize(event).learnedPaymentIntentIds).toEqual(['pi_TestExp']);
  });

  it('lower-cases the currency; a fractional total is null with a warning', () => {
    const normalized = normalize(
      checkoutSessionCompletedEvent({ object: { currency: 'GBP', amount_total: 49.99 } }),
    );
    expect(normalized.properties).toMatchObject({ currency: 'gbp', amount_total: null });
    expect(normalized.warnings).toEqual(['data.object.amount_total: expected integer']);
  });
});
