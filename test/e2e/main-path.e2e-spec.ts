import http from 'node:http';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { SUPPORTED_STRIPE_EVENT_TYPES } from '../../src/stripe-integration/stripe-event-types';
import * as fx from '../fixtures/stripe-events';
import { client, eventually, request, signup } from '../support/http';
import { TestApp, createTestApp } from '../support/test-app';

/** A loopback receiver that verifies every delivery with the standardwebhooks package. */
async function receiver() {
  const got: Array<{ id: string; type: string; payload: any }> = [];
  let bad = 0;
  let verifier: Webhook | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const payload = verifier!.verify(
          Buffer.concat(chunks).toString('utf8'),
          req.headers as Record<string, string>,
        ) as any;
        got.push({ id: String(req.headers['webhook-id']), type: payload.type, payload });
      } catch {
        bad++;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    got,
    bad: () => bad,
    setSecret: (s: string) => (verifier = new Webhook(s)),
    close: () => new Promise((r) => server.close(r)),
  };
}

const stripe = new Stripe('sk_test_x');
const T0 = 1764770000; // event times, seconds

describe('the main job, end to end: Stripe → archive → contacts → verified deliveries', () => {
  let t: TestApp;
  let all: Awaited<ReturnType<typeof receiver>>;
  let onlyCreated: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    t = await createTestApp({ env: { WEBHOOK_RETRY_SCHEDULE: '200ms,200ms,200ms' } });
    all = await receiver();
    onlyCreated = await receiver();
  });
  afterAll(async () => {
    await t.close();
    await all.close();
    await onlyCreated.close();
  });

  it('normalizes a realistic sequence of all 19 types, out of order and with repeats, into verified deliveries', async () => {
    const owner = await signup(t.url);
    const api = client(t.url, owner.token);

    const e1 = await api.post('/v1/webhook-endpoints', {
      url: all.url,
      status: 'active',
      description: 'everything',
    });
    expect(e1.status).toBe(201);
    all.setSecret(e1.body.signing_secret);
    const e2 = await api.post('/v1/webhook-endpoints', {
      url: onlyCreated.url,
      status: 'active',
      event_types: ['contact.created'],
    });
    expect(e2.status).toBe(201);
    onlyCreated.setSecret(e2.body.signing_secret);

    const secret = 'whsec_mainpathMadeUpSecret0123456789';
    const integ = await api.patch('/v1/settings/integrations/stripe', {
      enabled: true,
      signing_secret: secret,
    });
    expect(integ.status).toBe(200);
    expect(integ.body.supported_events).toEqual([...SUPPORTED_STRIPE_EVENT_TYPES]);

    const ada = { customerId: 'cus_MainAda01', chargeId: 'ch_MainAda01', paymentIntentId: 'pi_MainAda01' };
    const at = (s: number) => ({ created: T0 + s });
    const events = [
      // A subscription event before its customer exists: unresolved until customer.created arrives.
      fx.customerSubscriptionCreatedEvent({ ...ada, ...at(5), shape: 'new' }),
      fx.customerCreatedEvent({ ...ada, ...at(10), email: '  Ada.Main@Example.TEST ', name: 'Ada' }),
      // The newer update arrives before an older one: the older must not win.
      fx.customerUpdatedEvent({
        ...ada,
        ...at(40),
        email: 'ada.new@example.test',
        name: 'Ada Lovelace',
        previousAttributes: { email: 'ada.main@example.test', name: 'Ada' },
      }),
      fx.customerUpdatedEvent({
        ...ada,
        ...at(20),
        email: 'ada.stale@example.test',
        name: 'Stale',
        previousAttributes: { name: 'Ada' },
      }),
      // The older API shape teaches the charge id the dispute is resolved by.
      fx.invoicePaidEvent({ ...ada, ...at(50), shape: 'old' }),
      fx.chargeDisputeCreatedEvent({ ...ada, ...at(60) }),
      fx.chargeDisputeClosedEvent({ ...ada, ...at(70) }),
      fx.invoicePaymentFailedEvent({ ...ada, ...at(80), shape: 'new', invoiceId: 'in_MainAda02' }),
      fx.invoiceUpcomingEvent({ ...ada, ...at(90), shape: 'new' }),
      fx.customerSubscriptionPausedEvent({ ...ada, ...at(100), shape: 'old', expand: true }),
      fx.customerSubscriptionResumedEvent({ ...ada, ...at(110), shape: 'old' }),
      fx.customerSubscriptionTrialWillEndEvent({ ...ada, ...at(120), shape: 'new' }),
      fx.customerSubscriptionDeletedEvent({ ...ada, ...at(130), shape: 'new' }),
      fx.quoteFinalizedEvent({ ...ada, ...at(140), expand: true }),
      fx.quoteAcceptedEvent({ ...ada, ...at(150) }),
      fx.quoteCanceledEvent({ ...ada, ...at(160) }),
      fx.checkoutSessionAsyncPaymentSucceededEvent({ ...ada, ...at(170) }),
      fx.checkoutSessionAsyncPaymentFailedEvent({ ...ada, ...at(180) }),
      // A guest checkout: no customer, a contact by email.
      fx.checkoutSessionCompletedEvent({
        customerId: null,
        email: 'Guest.Buyer@example.test',
        ...at(190),
        paymentIntentId: 'pi_MainGuest1',
      }),
      fx.customerDeletedEvent({ ...ada, ...at(200), email: 'ada.new@example.test' }),
    ];
    expect(new Set(events.map((e) => e.type)).size).toBe(19);

    const send = (e: object) => {
      const payload = JSON.stringify(e);
      return request(t.url, 'POST', new URL(integ.body.webhook_url).pathname, undefined, {
        raw: payload,
        headers: {
          'content-type': 'application/json',
          'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret }),
        },
      });
    };
    const first = await Promise.all(events.slice(0, 2).map(send));
    for (const e of events.slice(2))
      expect((await send(e)).body).toEqual({ received: true, duplicate: false, supported: true });
    expect(first.every((r) => r.status === 200)).toBe(true);
    // Repeats, some at once: archived and normalized once.
    const repeats = await Promise.all([events[1], events[1], events[4], events[18], events[0]].map(send));
    for (const r of repeats) expect(r.body).toEqual({ received: true, duplicate: true, supported: true });

    // The archive: every event once, all normalized.
    const archive = await eventually(async () => {
      const r = await api.get('/v1/settings/integrations/stripe/events?limit=100');
      return r.body.data.length === events.length && r.body.data.every((e: any) => e.status === 'normalized')
        ? r.body.data
        : null;
    }, 30000);
    expect(new Set(archive.map((e: any) => e.id))).toEqual(new Set(events.map((e) => e.id)));
    expect(archive.every((e: any) => typeof e.contact_event_id === 'string')).toBe(true);

    // The contacts: Ada (the newest customer.updated's attributes) and the guest.
    const adaC = (await api.get('/v1/contacts?email=ADA.NEW@example.test ')).body.data;
    expect(adaC).toHaveLength(1);
    expect(adaC[0]).toMatchObject({
      email: 'ada.new@example.test',
      name: 'Ada Lovelace',
      stripe_customer_id: ada.customerId,
    });
    const guest = (await api.get('/v1/contacts?email=guest.buyer@example.test')).body.data;
    expect(guest).toHaveLength(1);
    expect((await api.get('/v1/contacts')).body.data).toHaveLength(2);

    // The contact events: one per event, with its own occurred_at, newest first.
    const adaEvents = (await api.get(`/v1/contacts/${adaC[0].id}/events?limit=100`)).body.data;
    expect(adaEvents).toHaveLength(events.length - 1);
    expect(adaEvents.map((e: any) => e.name).sort()).toEqual(
      events
        .filter((e) => e.type !== 'checkout.session.completed')
        .map((e) => `stripe.${e.type}`)
        .sort(),
    );
    const occurred = adaEvents.map((e: any) => Date.parse(e.occurred_at));
    expect(occurred).toEqual([...occurred].sort((a: number, b: number) => b - a));
    const sub = adaEvents.find((e: any) => e.name === 'stripe.customer.subscription.created');
    expect(sub.occurred_at).toBe(new Date((T0 + 5) * 1000).toISOString());
    const dispute = adaEvents.find((e: any) => e.name === 'stripe.charge.dispute.created');
    expect(dispute.properties).toMatchObject({ charge_id: ada.chargeId, stripe_event_id: events[5].id });

    // Every message reached the '*' endpoint, verified, once; the filtered one got only contact.created.
    const { rows: messages } = await t.db.query(
      `SELECT id, type FROM webhook_messages WHERE workspace_id = $1 AND type <> 'testing.testEvent'`,
      [owner.workspaceId],
    );
    await eventually(async () => all.got.length >= messages.length, 30000);
    expect(all.bad()).toBe(0);
    expect(new Set(all.got.map((g) => g.id)).size).toBe(all.got.length);
    expect(new Set(all.got.map((g) => g.id))).toEqual(new Set(messages.map((m: any) => m.id)));
    const types = all.got.map((g) => g.type);
    for (const e of events) expect(types).toContain(`stripe.${e.type}`);
    expect(types.filter((x) => x === 'contact.created')).toHaveLength(2);
    expect(types).toContain('contact.updated');
    for (const g of all.got.filter((x) => x.type === 'contact.updated')) {
      const f = g.payload.data.changed_fields;
      expect(f).toEqual([...f].sort());
    }
    const stripeMsg = all.got.find((g) => g.type === 'stripe.invoice.paid')!;
    expect(stripeMsg.payload.data).toMatchObject({
      workspace_id: owner.workspaceId,
      contact: { id: adaC[0].id },
      event: { source_event_id: events[4].id },
    });
    await eventually(async () => onlyCreated.got.length >= 2, 15000);
    expect(onlyCreated.got.map((g) => g.type)).toEqual(['contact.created', 'contact.created']);
    expect(onlyCreated.bad()).toBe(0);

    // And the API shows each delivery succeeded.
    const dl = await api.get(`/v1/webhook-endpoints/${e1.body.id}/deliveries?limit=100&status=succeeded`);
    expect(dl.body.data.length).toBe(Math.min(100, messages.length));
  });
});
