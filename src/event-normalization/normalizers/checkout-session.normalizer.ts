import { firstPresent, idList } from './fields';
import type { FamilyNormalizer } from './normalized-event';

/** checkout.session.*: a guest checkout has no customer, so only the email can find the contact. */
export const normalizeCheckoutSessionEvent: FamilyNormalizer = ({ object, objectId }) => ({
  customerId: object.id('customer'),
  // customer_details holds what the buyer typed; customer_email is only what the session was created with.
  email: firstPresent(
    () => object.object('customer_details')?.email('email') ?? null,
    () => object.email('customer_email'),
  ),
  learnedPaymentIntentIds: idList(object.id('payment_intent')),
  properties: {
    checkout_session_id: objectId,
    mode: object.string('mode'),
    payment_status: object.string('payment_status'),
    amount_total: object.integer('amount_total'),
    currency: object.currency('currency'),
    subscription_id: object.id('subscription'),
    invoice_id: object.id('invoice'),
  },
});
