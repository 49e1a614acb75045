import { firstPresent, idList, type ObjectReader } from './fields';
import type { FamilyNormalizer } from './normalized-event';

/** invoice.*: invoice.upcoming has no id, so its invoice_id and stripe_object_id are null. */
export const normalizeInvoiceEvent: FamilyNormalizer = ({ object, objectId }) => ({
  customerId: object.id('customer'),
  email: object.email('customer_email'),
  // Only older API versions' invoices carry these; newer ones teach nothing.
  learnedChargeIds: idList(object.id('charge')),
  learnedPaymentIntentIds: idList(object.id('payment_intent')),
  properties: {
    invoice_id: objectId,
    number: object.string('number'),
    status: object.string('status'),
    amount_due: object.integer('amount_due'),
    amount_paid: object.integer('amount_paid'),
    currency: object.currency('currency'),
    subscription_id: subscriptionId(object),
    hosted_invoice_url: object.string('hosted_invoice_url'),
    attempt_count: object.integer('attempt_count'),
    next_payment_attempt: object.unixTime('next_payment_attempt'),
  },
});

/** Older versions: `subscription`; 2025-03-31.basil on: `parent.subscription_details.subscription`. */
function subscriptionId(invoice: ObjectReader): string | null {
  return firstPresent(
    () => invoice.id('subscription'),
    () => invoice.object('parent')?.object('subscription_details')?.id('subscription') ?? null,
  );
}
