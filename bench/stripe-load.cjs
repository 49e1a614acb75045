// Sends signed customer.created events to a Stripe ingestion URL at a steady rate or with a fixed
// number in flight; used by the latency and memory benchmarks.
const Stripe = require('stripe');
const stripe = new (Stripe.default || Stripe)('sk_test_x');

let seq = 0;
const run = Math.random().toString(36).slice(2, 8);

function customerCreated() {
  seq++;
  const now = Math.floor(Date.now() / 1000);
  return {
    id: `evt_bench${run}${seq}`,
    body: JSON.stringify({
      id: `evt_bench${run}${seq}`,
      object: 'event',
      api_version: '2024-06-20',
      created: now,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'customer.created',
      data: {
        object: {
          id: `cus_bench${run}${seq}`,
          object: 'customer',
          email: `person${run}${seq}@example.test`,
          name: `Person ${seq}`,
          created: now,
          metadata: {},
        },
      },
    }),
  };
}

async function sendEvent(url, secret, ev) {
  const header = stripe.webhooks.generateTestHeaderString({ payload: ev.body, secret });
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
    body: ev.body,
  });
  await r.text();
  return r.status;
}

module.exports = { customerCreated, sendEvent };
