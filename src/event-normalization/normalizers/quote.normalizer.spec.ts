import {
  quoteAcceptedEvent,
  quoteCanceledEvent,
  quoteFinalizedEvent,
} from '../../../test/fixtures/stripe-events';
import { normalizeStripeEvent, type NormalizedEvent } from './index';

function normalize(event: Parameters<typeof normalizeStripeEvent>[0]): NormalizedEvent {
  const normalized = normalizeStripeEvent(event);
  if (normalized === null) throw new Error(`expected ${event.type} to be supported`);
  return normalized;
}

describe('quote.* normalizers', () => {
  it('finalized, customer as an id: no email', () => {
    expect(normalize(quoteFinalizedEvent({ eventId: 'evt_Test7' }))).toEqual({
      name: 'stripe.quote.finalized',
      customerId: 'cus_Test123',
      email: null,
      lookupChargeId: null,
      lookupPaymentIntentId: null,
      learnedChargeIds: [],
      learnedPaymentIntentIds: [],
      attributes: null,
      createsContact: true,
      properties: {
        stripe_event_id: 'evt_Test7',
        stripe_object_id: 'qt_Test123',
        livemode: false,
        stripe_customer_id: 'cus_Test123',
        quote_id: 'qt_Test123',
        number: 'QT-A1B2C3D4-0001-1',
        status: 'open',
        amount_total: 24000,
        currency: 'usd',
      },
      warnings: [],
    });
  });

  it('accepted, customer expanded: id and email', () => {
    const normalized = normalize(
      quoteAcceptedEvent({ expand: true, email: 'ADA@example.test ', shape: 'old' }),
    );
    expect(normalized.name).toBe('stripe.quote.accepted');
    expect(normalized.customerId).toBe('cus_Test123');
    expect(normalized.email).toBe('ada@example.test');
    expect(normalized.properties.status).toBe('accepted');
  });

  it('canceled', () => {
    const normalized = normalize(quoteCanceledEvent({ livemode: true }));
    expect(normalized.name).toBe('stripe.quote.canceled');
    expect(normalized.properties).toMatchObject({ status: 'canceled', livemode: true });
  });

  it('a draft quote has no number yet; wrong types are warnings', () => {
    const normalized = normalize(
      quoteCanceledEvent({ object: { number: null, amount_total: -0.5, currency: 'USD' } }),
    );
    expect(normalized.properties).toMatchObject({ number: null, amount_total: null, currency: 'usd' });
    expect(normalized.warnings).toEqual(['data.object.amount_total: expected integer']);
  });
});
