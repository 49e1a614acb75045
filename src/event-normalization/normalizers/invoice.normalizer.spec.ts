import {
  FIXTURE_DEFAULTS,
  invoicePaidEvent,
  invoicePaymentFailedEvent,
  invoiceUpcomingEvent,
  STRIPE_API_VERSION_NEW,
  STRIPE_API_VERSION_OLD,
} from '../../../test/fixtures/stripe-events';
import { normalizeStripeEvent, type NormalizedEvent } from './index';

const T = FIXTURE_DEFAULTS.created;
const DAY = 86_400;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

function normalize(event: Parameters<typeof normalizeStripeEvent>[0]): NormalizedEvent {
  const normalized = normalizeStripeEvent(event);
  if (normalized === null) throw new Error(`expected ${event.type} to be supported`);
  return normalized;
}

describe('invoice.* normalizers', () => {
  it('invoice.paid, older API: subscription at the top level; teaches the charge and payment intent', () => {
    const event = invoicePaidEvent({ shape: 'old', eventId: 'evt_Test4' });
    expect(event.api_version).toBe(STRIPE_API_VERSION_OLD);
    expect(normalize(event)).toEqual({
      name: 'stripe.invoice.paid',
      customerId: 'cus_Test123',
      email: 'ada@example.test',
      lookupChargeId: null,
      lookupPaymentIntentId: null,
      learnedChargeIds: ['ch_Test123'],
      learnedPaymentIntentIds: ['pi_Test123'],
      attributes: null,
      createsContact: true,
      properties: {
        stripe_event_id: 'evt_Test4',
        stripe_object_id: 'in_Test123',
        livemode: false,
        stripe_customer_id: 'cus_Test123',
        invoice_id: 'in_Test123',
        number: 'A1B2C3D4-0002',
        status: 'paid',
        amount_due: 2000,
        amount_paid: 2000,
        currency: 'usd',
        subscription_id: 'sub_Test123',
        hosted_invoice_url: expect.stringMatching(/^https:\/\/invoice\.stripe\.com\/i\//),
        attempt_count: 1,
        next_payment_attempt: null,
      },
      warnings: [],
    });
  });

  it('invoice.paid, newer API: subscription under parent; teaches nothing', () => {
    const event = invoicePaidEvent({ shape: 'new', subscriptionId: 'sub_TestNew' });
    expect(event.api_version).toBe(STRIPE_API_VERSION_NEW);
    expect(event.data.object).not.toHaveProperty('subscription');
    const normalized = normalize(event);
    expect(normalized.properties.subscription_id).toBe('sub_TestNew');
    expect(normalized.learnedChargeIds).toEqual([]);
    expect(normalized.learnedPaymentIntentIds).toEqual([]);
    expect(normalized.warnings).toEqual([]);
  });

  it('newer API: a one-off invoice (no parent) has no subscription', () => {
    const { properties, warnings } = normalize(invoicePaidEvent({ shape: 'new', object: { parent: null } }));
    expect(properties.subscription_id).toBeNull();
    expect(warnings).toEqual([]);
  });

  it('reads expanded customer, charge, payment intent and subscription', () => {
    const event = invoicePaidEvent({
      shape: 'old',
      object: {
        customer: { id: 'cus_TestX', object: 'customer', email: 'other@example.test' },
        charge: { id: 'ch_TestX', object: 'charge' },
        payment_intent: { id: 'pi_TestX', object: 'payment_intent' },
        subscription: { id: 'sub_TestX', object: 'subscription' },
      },
    });
    const normalized = normalize(event);
    expect(normalized).toMatchObject({
      customerId: 'cus_TestX',
      // invoice.* takes the email from customer_email, not the expanded customer
      email: 'ada@example.test',
      learnedChargeIds: ['ch_TestX'],
      learnedPaymentIntentIds: ['pi_TestX'],
      properties: { subscription_id: 'sub_TestX', stripe_customer_id: 'cus_TestX' },
    });
  });

  it('reads an expanded subscription under parent in the newer shape', () => {
    const event = invoicePaidEvent({
      shape: 'new',
      object: {
        parent: {
          type: 'subscription_details',
          quote_details: null,
          subscription_details: { metadata: {}, subscription: { id: 'sub_TestY', object: 'subscription' } },
        },
      },
    });
    expect(normalize(event).properties.subscription_id).toBe('sub_TestY');
  });

  it('invoice.payment_failed: what is owed and when Stripe retries', () => {
    const { name, properties } = normalize(invoicePaymentFailedEvent({ shape: 'old' }));
    expect(name).toBe('stripe.invoice.payment_failed');
    expect(properties).toMatchObject({
      status: 'open',
      amount_due: 2000,
      amount_paid: 0,
      attempt_count: 1,
      next_payment_attempt: iso(T + 3 * DAY),
    });
  });

  it.each(['old', 'new'] as const)(
    'invoice.upcoming (%s API) has no id: invoice_id and stripe_object_id are null',
    (shape) => {
      const event = invoiceUpcomingEvent({ shape });
      expect(event.data.object).not.toHaveProperty('id');
      const normalized = normalize(event);
      expect(normalized.name).toBe('stripe.invoice.upcoming');
      expect(normalized.customerId).toBe('cus_Test123');
      expect(normalized.learnedChargeIds).toEqual([]);
      expect(normalized.learnedPaymentIntentIds).toEqual([]);
      expect(normalized.properties).toMatchObject({
        stripe_object_id: null,
        invoice_id: null,
        number: null,
        status: 'draft',
        hosted_invoice_url: null,
        attempt_count: 0,
        subscription_id: 'sub_Test123',
        next_payment_attempt: iso(T + 3 * DAY + 3600),
      });
      expect(normalized.warnings).toEqual([]);
    },
  );

  it('lower-cases the currency and trims the email', () => {
    const normalized = normalize(
      invoicePaidEvent({ object: { currency: 'EUR', customer_email: ' ADA@example.TEST ' } }),
    );
    expect(normalized.properties.currency).toBe('eur');
    expect(normalized.email).toBe('ada@example.test');
  });

  it('a non-integer amount becomes null with a warning; nothing else is lost', () => {
    const normalized = normalize(
      invoicePaidEvent({
        object: { amount_due: 20.5, amount_paid: '2000', attempt_count: null, currency: 840 },
      }),
    );
    expect(normalized.properties).toMatchObject({
      amount_due: null,
      amount_paid: null,
      attempt_count: null,
      currency: null,
      invoice_id: 'in_Test123',
      status: 'paid',
    });
    expect(normalized.warnings).toEqual([
      'data.object.amount_due: expected integer',
      'data.object.amount_paid: expected integer',
      'data.object.currency: expected string',
    ]);
  });

  it('falls back to the newer subscription field when the older one is wrong-typed', () => {
    const event = invoicePaidEvent({ shape: 'new', object: { subscription: ['sub_Bad'] } });
    const normalized = normalize(event);
    expect(normalized.properties.subscription_id).toBe('sub_Test123');
    expect(normalized.warnings).toEqual(['data.object.subscription: expected id or expanded object with id']);
  });

  it('wrong-typed parent and ids are warnings, not failures', () => {
    const event = invoicePaidEvent({
      shape: 'new',
      object: { parent: 'sub_Test123', charge: 5, customer_email: {} },
    });
    const normalized = normalize(event);
    expect(normalized.properties.subscription_id).toBeNull();
    expect(normalized.learnedChargeIds).toEqual([]);
    expect(normalized.email).toBeNull();
    expect(normalized.warnings.sort()).toEqual([
      'data.object.charge: expected id or expanded object with id',
      'data.object.customer_email: expected string',
      'data.object.parent: expected object',
    ]);
  });
});
