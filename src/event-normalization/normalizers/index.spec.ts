import {
  buildStripeEvent,
  STRIPE_EVENT_FIXTURES,
  unsupportedStripeEvent,
  type StripeApiShape,
} from '../../../test/fixtures/stripe-events';
import {
  isSupportedStripeEventType,
  STRIPE_CONTACT_EVENT_DESCRIPTIONS,
  SUPPORTED_STRIPE_EVENT_TYPES,
  type SupportedStripeEventType,
} from '../../stripe-integration/stripe-event-types';
import { normalizeStripeEvent, STRIPE_EVENT_NORMALIZERS, type StripeEventInput } from './index';

const SEED_ORDER = [
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
];

const COMMON = ['stripe_event_id', 'stripe_object_id', 'livemode', 'stripe_customer_id'];
const FAMILY_PROPERTIES: Array<[prefix: string, keys: string[]]> = [
  [
    'customer.subscription.',
    [
      'subscription_id',
      'status',
      'price_ids',
      'cancel_at_period_end',
      'current_period_end',
      'trial_end',
      'canceled_at',
    ],
  ],
  ['customer.', ['email', 'name']],
  [
    'invoice.',
    [
      'invoice_id',
      'number',
      'status',
      'amount_due',
      'amount_paid',
      'currency',
      'subscription_id',
      'hosted_invoice_url',
      'attempt_count',
      'next_payment_attempt',
    ],
  ],
  [
    'checkout.session.',
    [
      'checkout_session_id',
      'mode',
      'payment_status',
      'amount_total',
      'currency',
      'subscription_id',
      'invoice_id',
    ],
  ],
  ['charge.dispute.', ['dispute_id', 'charge_id', 'amount', 'currency', 'reason', 'status']],
  ['quote.', ['quote_id', 'number', 'status', 'amount_total', 'currency']],
];

function expectedKeys(type: SupportedStripeEventType): string[] {
  const family = FAMILY_PROPERTIES.find(([prefix]) => type.startsWith(prefix));
  if (!family) throw new Error(`no family for ${type}`);
  return [...COMMON, ...family[1], ...(type === 'customer.updated' ? ['changed_fields'] : [])];
}

const NORMALIZED_KEYS = [
  'attributes',
  'createsContact',
  'customerId',
  'email',
  'learnedChargeIds',
  'learnedPaymentIntentIds',
  'lookupChargeId',
  'lookupPaymentIntentId',
  'name',
  'properties',
  'warnings',
];

const SHAPES: StripeApiShape[] = ['old', 'new'];
const ALL_CASES = SUPPORTED_STRIPE_EVENT_TYPES.flatMap((type) =>
  SHAPES.map((shape) => [type, shape] as const),
);

// Values of every wrong (and right) kind, to be dropped into any field.
const ODD_VALUES: unknown[] = [
  null,
  undefined,
  [],
  [1, 'x'],
  0,
  -1,
  1.5,
  NaN,
  Infinity,
  1e300,
  '',
  ' ',
  'x',
  true,
  {},
  { id: 5 },
  { id: 'x_1' },
];

describe('supported Stripe event types', () => {
  it('are exactly the 19 of the seed, in its order', () => {
    expect([...SUPPORTED_STRIPE_EVENT_TYPES]).toEqual(SEED_ORDER);
  });

  it('recognises supported types only', () => {
    for (const type of SEED_ORDER) expect(isSupportedStripeEventType(type)).toBe(true);
    for (const other of [
      'payout.paid',
      'charge.dispute',
      'Customer.created',
      '',
      '__proto__',
      'toString',
      5,
      null,
      undefined,
      {},
    ]) {
      expect(isSupportedStripeEventType(other)).toBe(false);
    }
  });

  it('describe each type in one line', () => {
    expect(Object.keys(STRIPE_CONTACT_EVENT_DESCRIPTIONS).sort()).toEqual([...SEED_ORDER].sort());
    for (const description of Object.values(STRIPE_CONTACT_EVENT_DESCRIPTIONS)) {
      expect(description).toMatch(/^\S.*\.$/);
      expect(description).not.toContain('\n');
    }
  });
});

describe('normalizeStripeEvent', () => {
  it('has one normalizer per supported type', () => {
    expect(Object.keys(STRIPE_EVENT_NORMALIZERS)).toEqual(SEED_ORDER);
    expect(STRIPE_EVENT_FIXTURES).toBeDefined();
    expect(Object.keys(STRIPE_EVENT_FIXTURES)).toEqual(SEED_ORDER);
  });

  it('returns null for an unsupported type', () => {
    expect(normalizeStripeEvent(unsupportedStripeEvent())).toBeNull();
    expect(
      normalizeStripeEvent({ ...buildStripeEvent('customer.created'), type: 'customer.source.created' }),
    ).toBeNull();
    expect(normalizeStripeEvent({ ...buildStripeEvent('customer.created'), type: '__proto__' })).toBeNull();
    expect(normalizeStripeEvent(null as unknown as StripeEventInput)).toBeNull();
    expect(normalizeStripeEvent('customer.created' as unknown as StripeEventInput)).toBeNull();
  });

  it.each(ALL_CASES)(
    '%s (%s API): the contract property set, the common properties, no warnings',
    (type, shape) => {
      const event = buildStripeEvent(type, { shape, eventId: 'evt_TestSweep', livemode: true });
      const normalized = normalizeStripeEvent(event);
      expect(normalized).not.toBeNull();
      expect(Object.keys(normalized!).sort()).toEqual(NORMALIZED_KEYS);
      expect(normalized!.name).toBe(`stripe.${type}`);
      expect(Object.keys(normalized!.properties)).toEqual(expectedKeys(type));
      expect(normalized!.properties).toMatchObject({
        stripe_event_id: 'evt_TestSweep',
        stripe_object_id: type === 'invoice.upcoming' ? null : event.data.object.id,
        livemode: true,
        stripe_customer_id: normalized!.customerId,
      });
      expect(Object.values(normalized!.properties)).not.toContain(undefined);
      expect(normalized!.warnings).toEqual([]);
      expect(normalized!.createsContact).toBe(type !== 'customer.deleted');
      expect(normalized!.attributes === null).toBe(
        type !== 'customer.created' && type !== 'customer.updated',
      );
      // the result is plain data: it survives a JSON round trip unchanged
      expect(JSON.parse(JSON.stringify(normalized))).toEqual(normalized);
    },
  );

  it.each(ALL_CASES)(
    '%s (%s API): every realistic fixture names a customer or a way to find one',
    (type, shape) => {
      const normalized = normalizeStripeEvent(buildStripeEvent(type, { shape }))!;
      const keys = [
        normalized.customerId,
        normalized.email,
        normalized.lookupChargeId,
        normalized.lookupPaymentIntentId,
      ];
      expect(keys.some((key) => key !== null)).toBe(true);
    },
  );

  it.each(SUPPORTED_STRIPE_EVENT_TYPES)('%s: never throws, whatever data.object is', (type) => {
    for (const object of ODD_VALUES) {
      const event = { ...buildStripeEvent(type), data: { object } } as unknown as StripeEventInput;
      const normalized = normalizeStripeEvent(event);
      expect(Object.keys(normalized!.properties)).toEqual(expectedKeys(type));
      const id = (object as { id?: unknown } | null)?.id;
      expect(normalized!.properties.stripe_object_id).toBe(
        typeof id === 'string' && !Array.isArray(object) ? id : null,
      );
    }
  });

  it.each(ALL_CASES)('%s (%s API): never throws, whatever any field of the object holds', (type, shape) => {
    const base = buildStripeEvent(type, { shape, expand: true });
    for (const field of Object.keys(base.data.object)) {
      for (const value of ODD_VALUES) {
        const event = buildStripeEvent(type, { shape, expand: true, object: { [field]: value } });
        const normalized = normalizeStripeEvent(event);
        expect(Object.keys(normalized!.properties)).toEqual(expectedKeys(type));
        expect(Object.values(normalized!.properties)).not.toContain(undefined);
        for (const warning of normalized!.warnings) expect(warning).toMatch(/^data\.object\.\S+: expected /);
      }
    }
  });

  it('never throws on nested odd values either (expanded charge, items, parent, evidence)', () => {
    const nested: Array<[SupportedStripeEventType, string]> = [
      ['charge.dispute.created', 'charge'],
      ['charge.dispute.created', 'evidence'],
      ['customer.subscription.created', 'items'],
      ['customer.subscription.created', 'customer'],
      ['invoice.paid', 'parent'],
      ['checkout.session.completed', 'customer_details'],
      ['quote.accepted', 'customer'],
    ];
    for (const [type, field] of nested) {
      const base = buildStripeEvent(type, { shape: 'new', expand: true }).data.object[field] as Record<
        string,
        unknown
      >;
      for (const key of Object.keys(base)) {
        for (const value of ODD_VALUES) {
          const event = buildStripeEvent(type, {
            shape: 'new',
            expand: true,
            object: { [field]: { ...base, [key]: value } },
          });
          expect(() => normalizeStripeEvent(event)).not.toThrow();
        }
      }
    }
  });

  it('warns about a malformed envelope instead of throwing', () => {
    const missingData = {
      ...buildStripeEvent('invoice.paid'),
      data: undefined,
    } as unknown as StripeEventInput;
    expect(normalizeStripeEvent(missingData)!.warnings).toEqual([
      'data: expected object',
      'data.object: expected object',
    ]);

    const oddEnvelope = {
      ...buildStripeEvent('quote.finalized'),
      id: 12,
      livemode: 'false',
    } as unknown as StripeEventInput;
    const normalized = normalizeStripeEvent(oddEnvelope)!;
    expect(normalized.properties).toMatchObject({
      stripe_event_id: null,
      livemode: null,
      quote_id: 'qt_Test123',
    });
    expect(normalized.warnings).toEqual(['id: expected string', 'livemode: expected boolean']);

    const arrayObject = {
      ...buildStripeEvent('customer.created'),
      data: { object: [] },
    } as unknown as StripeEventInput;
    expect(normalizeStripeEvent(arrayObject)!.warnings).toEqual(['data.object: expected object']);
  });

  it('is pure: the same event gives the same result and is not modified', () => {
    const event = buildStripeEvent('customer.updated', { previousAttributes: { name: 'x', email: 'y' } });
    const before = JSON.stringify(event);
    const first = normalizeStripeEvent(event);
    expect(normalizeStripeEvent(event)).toEqual(first);
    expect(JSON.stringify(event)).toBe(before);
  });
});
