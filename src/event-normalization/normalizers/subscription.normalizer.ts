import { unixSecondsToIso, type ObjectReader } from './fields';
import type { FamilyNormalizer } from './normalized-event';

/** customer.subscription.*: one shape for all five types. */
export const normalizeSubscriptionEvent: FamilyNormalizer = ({ object, objectId }) => {
  const items = object.object('items')?.objects('data') ?? null;
  return {
    customerId: object.id('customer'),
    email: object.expanded('customer')?.email('email') ?? null,
    properties: {
      subscription_id: objectId,
      status: object.string('status'),
      price_ids: items === null ? null : priceIds(items),
      cancel_at_period_end: object.boolean('cancel_at_period_end'),
      current_period_end: latestPeriodEnd(object, items ?? []),
      trial_end: object.unixTime('trial_end'),
      canceled_at: object.unixTime('canceled_at'),
    },
  };
};

function priceIds(items: ObjectReader[]): string[] {
  return items.map((item) => item.id('price')).filter((id): id is string => id !== null);
}

/**
 * Older API versions put current_period_end on the subscription; newer ones (2025-03-31.basil on)
 * put it on each item, where items may renew on different dates. The latest one is when the
 * subscription as a whole is paid up to, and taking the max over both places covers either shape.
 */
function latestPeriodEnd(subscription: ObjectReader, items: ObjectReader[]): string | null {
  const ends = [subscription, ...items]
    .map((reader) => reader.unixSeconds('current_period_end'))
    .filter((end): end is number => end !== null);
  return ends.length === 0 ? null : unixSecondsToIso(Math.max(...ends));
}
