import { firstPresent } from './fields';
import type { FamilyNormalizer } from './normalized-event';

/**
 * charge.dispute.*: a dispute names no customer itself. The customer and a fallback email are
 * known only when the charge is expanded; otherwise the charge and payment-intent ids (learned
 * earlier from invoices and checkout sessions) are what finds the contact.
 */
export const normalizeDisputeEvent: FamilyNormalizer = ({ object, objectId }) => {
  const chargeId = object.id('charge');
  const charge = object.expanded('charge');
  return {
    customerId: charge?.id('customer') ?? null,
    email: firstPresent(
      () => object.object('evidence')?.email('customer_email_address') ?? null,
      () => charge?.object('billing_details')?.email('email') ?? null,
      () => charge?.email('receipt_email') ?? null,
    ),
    lookupChargeId: chargeId,
    lookupPaymentIntentId: object.id('payment_intent'),
    properties: {
      dispute_id: objectId,
      charge_id: chargeId,
      amount: object.integer('amount'),
      currency: object.currency('currency'),
      reason: object.string('reason'),
      status: object.string('status'),
    },
  };
};
