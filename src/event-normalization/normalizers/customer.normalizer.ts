import type {
  ContactAttributes,
  FamilyNormalization,
  FamilyNormalizer,
  NormalizerContext,
} from './normalized-event';

/** The object is the customer itself, so its id is the customer id and its email and name are the contact's. */
function readCustomer({ object }: NormalizerContext): ContactAttributes {
  return { email: object.email('email'), name: object.string('name') };
}

function customerEvent(context: NormalizerContext, customer: ContactAttributes): FamilyNormalization {
  return { customerId: context.objectId, email: customer.email, properties: { ...customer } };
}

export const normalizeCustomerCreated: FamilyNormalizer = (context) => {
  const customer = readCustomer(context);
  return { ...customerEvent(context, customer), attributes: customer };
};

export const normalizeCustomerUpdated: FamilyNormalizer = (context) => {
  const customer = readCustomer(context);
  const event = customerEvent(context, customer);
  // Stripe lists the changed top-level fields in previous_attributes; sorted for stable output.
  const changedFields = context.data.object('previous_attributes')?.keys().sort() ?? [];
  return {
    ...event,
    attributes: customer,
    properties: { ...event.properties, changed_fields: changedFields },
  };
};

/** A deleted customer's event is recorded on its contact, but it never creates one or changes its attributes. */
export const normalizeCustomerDeleted: FamilyNormalizer = (context) => ({
  ...customerEvent(context, readCustomer(context)),
  createsContact: false,
});
