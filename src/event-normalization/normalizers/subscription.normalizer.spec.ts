import {
  customerSubscriptionCreatedEvent,
  customerSubscriptionDeletedEvent,
  customerSubscriptionPausedEvent,
  customerSubscriptionResumedEvent,
  customerSubscriptionTrialWillEndEvent,
  FIXTURE_DEFAULTS,
  subscriptionItem,
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

function items(...data: Record<string, unknown>[]) {
  return { object: 'list', data, has_more: false, total_count: data.length, url: '/v1/subscription_items' };
}

describe('customer.subscription.* normalizers', () => {
  it('created, older API: current_period_end from the subscription itself', () => {
    const normalized = normalize(customerSubscriptionCreatedEvent({ shape: 'old', eventId: 'evt_Test3' }));
    expect(normalized).toEqual({
      name: 'stripe.customer.subscription.created',
      customerId: 'cus_Test123',
      email: null,
      lookupChargeId: null,
      lookupPaymentIntentId: null,
      learnedChargeIds: [],
      learnedPaymentIntentIds: [],
      attributes: null,
      createsContact: true,
      properties: {
        stripe_event_id: 'evt_Test3',
        stripe_object_id: 'sub_Test123',
        livemode: false,
        stripe_customer_id: 'cus_Test123',
        subscription_id: 'sub_Test123',
        status: 'active',
        price_ids: ['price_Test123'],
        cancel_at_period_end: false,
        current_period_end: iso(T + 30 * DAY),
        trial_end: null,
        canceled_at: null,
      },
      warnings: [],
    });
  });

  it('created, newer API: current_period_end from the items', () => {
    const event = customerSubscriptionCreatedEvent({ shape: 'new' });
    expect(event.data.object).not.toHaveProperty('current_period_end');
    expect(normalize(event).properties.current_period_end).toBe(iso(T + 30 * DAY));
  });

  it('newer API: takes the latest period end across items, and every price id', () => {
    const event = customerSubscriptionCreatedEvent({
      shape: 'new',
      object: {
        items: items(
          subscriptionItem({ shape: 'new', itemId: 'si_A', priceId: 'price_A', periodEnd: T + 7 * DAY }),
          subscriptionItem({ shape: 'new', itemId: 'si_B', priceId: 'price_B', periodEnd: T + 365 * DAY }),
          subscriptionItem({ shape: 'new', itemId: 'si_C', priceId: 'price_C', periodEnd: T + 30 * DAY }),
        ),
      },
    });
    const { properties, warnings } = normalize(event);
    expect(properties.current_period_end).toBe(iso(T + 365 * DAY));
    expect(properties.price_ids).toEqual(['price_A', 'price_B', 'price_C']);
    expect(warnings).toEqual([]);
  });

  it('reads a price given as a bare id as well as an expanded price', () => {
    const event = customerSubscriptionCreatedEvent({
      object: { items: items({ id: 'si_A', object: 'subscription_item', price: 'price_Plain' }) },
    });
    expect(normalize(event).properties.price_ids).toEqual(['price_Plain']);
  });

  it('an expanded customer gives both the customer id and the email', () => {
    const normalized = normalize(
      customerSubscriptionCreatedEvent({ expand: true, email: ' Ada@Example.test' }),
    );
    expect(normalized.customerId).toBe('cus_Test123');
    expect(normalized.email).toBe('ada@example.test');
    expect(normalized.properties.stripe_customer_id).toBe('cus_Test123');
  });

  it('paused', () => {
    const { name, properties } = normalize(customerSubscriptionPausedEvent({ shape: 'old' }));
    expect(name).toBe('stripe.customer.subscription.paused');
    expect(properties).toMatchObject({ status: 'paused', trial_end: iso(T), canceled_at: null });
  });

  it('resumed', () => {
    const { name, properties } = normalize(customerSubscriptionResumedEvent());
    expect(name).toBe('stripe.customer.subscription.resumed');
    expect(properties).toMatchObject({ status: 'active', current_period_end: iso(T + 20 * DAY) });
  });

  it('trial_will_end carries the trial end', () => {
    const { name, properties } = normalize(customerSubscriptionTrialWillEndEvent());
    expect(name).toBe('stripe.customer.subscription.trial_will_end');
    expect(properties).toMatchObject({ status: 'trialing', trial_end: iso(T + 3 * DAY) });
  });

  it('deleted carries canceled_at and cancel_at_period_end', () => {
    const event = customerSubscriptionDeletedEvent({ object: { cancel_at_period_end: true } });
    const { name, properties } = normalize(event);
    expect(name).toBe('stripe.customer.subscription.deleted');
    expect(properties).toMatchObject({ status: 'canceled', cancel_at_period_end: true, canceled_at: iso(T) });
  });

  it('without items: price_ids and current_period_end are null, not missing', () => {
    const { properties, warnings } = normalize(
      customerSubscriptionCreatedEvent({ object: { items: undefined } }),
    );
    expect(properties).toHaveProperty('price_ids', null);
    expect(properties).toHaveProperty('current_period_end', null);
    expect(warnings).toEqual([]);
  });

  it('wrong-typed fields null out only themselves', () => {
    const event = customerSubscriptionCreatedEvent({
      shape: 'old',
      object: {
        customer: 42,
        cancel_at_period_end: 'no',
        current_period_end: '2025-02-01',
        trial_end: 1.5,
        items: items(
          { id: 'si_A', price: 7, current_period_end: T + 10 * DAY },
          'si_B' as unknown as Record<string, unknown>,
        ),
      },
    });
    const { customerId, properties, warnings } = normalize(event);
    expect(customerId).toBeNull();
    expect(properties).toMatchObject({
      stripe_customer_id: null,
      status: 'active',
      cancel_at_period_end: null,
      price_ids: [],
      // the top-level field is unreadable, so the item's period is the only one left
      current_period_end: iso(T + 10 * DAY),
      trial_end: null,
    });
    expect(warnings.sort()).toEqual(
      [
        'data.object.customer: expected id or expanded object with id',
        'data.object.cancel_at_period_end: expected boolean',
        'data.object.current_period_end: expected unix timestamp',
        'data.object.trial_end: expected unix timestamp',
        'data.object.items.data[0].price: expected id or expanded object with id',
        'data.object.items.data[1]: expected object',
      ].sort(),
    );
  });
});
