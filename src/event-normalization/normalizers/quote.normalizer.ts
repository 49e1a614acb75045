import type { FamilyNormalizer } from './normalized-event';

/** quote.*: the customer's email is known only when Stripe expanded the customer. */
export const normalizeQuoteEvent: FamilyNormalizer = ({ object, objectId }) => ({
  customerId: object.id('customer'),
  email: object.expanded('customer')?.email('email') ?? null,
  properties: {
    quote_id: objectId,
    number: object.string('number'),
    status: object.string('status'),
    amount_total: object.integer('amount_total'),
    currency: object.currency('currency'),
  },
});
