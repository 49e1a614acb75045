import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Bull from 'bull';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { QUEUES } from '../../src/common/queues';
import {
  checkoutSessionCompletedEvent,
  chargeDisputeCreatedEvent,
  customerCreatedEvent,
  customerDeletedEvent,
  customerSubscriptionCreatedEvent,
  customerUpdatedEvent,
  invoicePaidEvent,
  invoicePaymentFailedEvent,
  quoteFinalizedEvent,
  type StripeEventFixture,
} from '../fixtures/stripe-events';
import { client, eventually, signup } from '../support/http';
import { TestApp, createTestApp } from '../support/test-app';

const stripe = new Stripe('sk_test_x');
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z

let seq = 0;
/** Event ids unique to this run, so no test's event collides with another's. */
const evtId = (): string => `evt_Norm${Date.now().toString(36)}${(++seq).toString().padStart(5, '0')}`;

interface Ws {
  workspaceId: string;
  api: ReturnType<typeof client>;
  integrationId: string;
  secret: string;
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

describe('normalization (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { WEBHOOK_RETRY_SCHEDULE: '1s' } });
    // pg-pool's end() resolves before idle sockets close; the database drop then terminates them,
    // and an 'error' with no listener would fail the file after every test passed.
    t.db.on('error', () => undefined);
  });
  afterAll(() => t.close());

  async function workspace(): Promise<Ws> {
    const s = await signup(t.url);
    const api = client(t.url, s.token);
    const secret = `whsec_test_${s.workspaceId}`;
    const r = await api.patch('/v1/settings/integrations/stripe', { enabled: true, signing_secret: secret });
    expect(r.status).toBe(200);
    return { workspaceId: s.workspaceId, api, integrationId: r.body.id, secret };
  }

  async function send(ws: Ws, event: StripeEventFixture): Promise<void> {
    const payload = JSON.stringify(event);
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: ws.secret });
    const r = await fetch(`${t.url}/v1/integrations/stripe/webhook/${ws.integrationId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: payload,
    });
    expect(r.status).toBe(200);
  }

  async function archiveStatus(ws: Ws, stripeEventId: string): Promise<string | undefined> {
    const { rows } = await t.db.query<{ status: string }>(
      `SELECT status FROM stripe_events WHERE workspace_id = $1 AND event_id = $2`,
      [ws.workspaceId, stripeEventId],
    );
    return rows[0]?.status;
  }

  const settled = (ws: Ws, id: string, status = 'normalized') =>
    eventually(async () => (await archiveStatus(ws, id)) === status);

  async function sendAndSettle(ws: Ws, event: StripeEventFixture, status = 'normalized'): Promise<void> {
    await send(ws, event);
    await settled(ws, event.id, status);
  }

  async function contactByEmail(ws: Ws, email: string) {
    const r = await ws.api.get(`/v1/contacts?email=${encodeURIComponent(email)}`);
    expect(r.status).toBe(200);
    return r.body.data[0];
  }

  async function eventsOf(ws: Ws, contactId: string) {
    const r = await ws.api.get(`/v1/contacts/${contactId}/events?limit=100`);
    expect(r.status).toBe(200);
    return r.body.data as Array<{
      name: string;
      occurred_at: string;
      source_event_id: string;
      properties: any;
    }>;
  }

  async function countRows(sql: string, params: unknown[]): Promise<number> {
    const { rows } = await t.db.query<{ n: string }>(sql, params);
    return Number(rows[0]!.n);
  }

  it('folds email case and whitespace into one contact, linking every customer id', async () => {
    const ws = await workspace();
    await sendAndSettle(
      ws,
      customerCreatedEvent({
        eventId: evtId(),
        customerId: 'cus_Fold1',
        email: '  Fold@Example.TEST ',
        name: 'Fold',
      }),
    );
    await sendAndSettle(
      ws,
      checkoutSessionCompletedEvent({
        eventId: evtId(),
        customerId: null,
        email: 'FOLD@example.test',
        paymentIntentId: 'pi_Fold',
      }),
    );
    await sendAndSettle(
      ws,
      invoicePaidEvent({ eventId: evtId(), customerId: 'cus_Fold2', email: 'fold@EXAMPLE.test  ' }),
    );
    // Known by its second customer id now, with no email in the event.
    await sendAndSettle(
      ws,
      customerSubscriptionCreatedEvent({ eventId: evtId(), customerId: 'cus_Fold2', email: null }),
    );

    const all = await ws.api.get('/v1/contacts');
    expect(all.body.data).toHaveLength(1);
    const contact = await contactByEmail(ws, '  fOLD@example.TEST ');
    expect(contact).toMatchObject({
      email: 'fold@example.test',
      name: 'Fold',
      stripe_customer_id: 'cus_Fold1',
    });
    const events = await eventsOf(ws, contact.id);
    expect(events.map((e) => e.name).sort()).toEqual(
      [
        'stripe.checkout.session.completed',
        'stripe.customer.created',
        'stripe.customer.subscription.created',
        'stripe.invoice.paid',
      ].sort(),
    );
  });

  it('keeps the newer email when an older customer.updated arrives late; customer.updated wins a same-second tie', async () => {
    const ws = await workspace();
    await sendAndSettle(
      ws,
      customerCreatedEvent({
        eventId: evtId(),
        customerId: 'cus_Ord',
        email: 'v1@example.test',
        created: T0,
      }),
    );
    await sendAndSettle(
      ws,
      customerUpdatedEvent({
        eventId: evtId(),
        customerId: 'cus_Ord',
        email: 'v3@example.test',
        created: T0 + 100,
      }),
    );
    await sendAndSettle(
      ws,
      customerUpdatedEvent({
        eventId: evtId(),
        customerId: 'cus_Ord',
        email: 'v2@example.test',
        created: T0 + 50,
      }),
    );
    const contacts = (await ws.api.get('/v1/contacts')).body.data;
    expect(contacts).toHaveLength(1);
    expect(contacts[0].email).toBe('v3@example.test');
    // The stale update is still recorded as an event.
    expect(await eventsOf(ws, contacts[0].id)).toHaveLength(3);

    // Same second: customer.updated first, then customer.created: the update's name stays.
    await sendAndSettle(
      ws,
      customerUpdatedEvent({
        eventId: evtId(),
        customerId: 'cus_Tie',
        email: 'tie@example.test',
        name: 'Updated Name',
        created: T0,
      }),
    );
    await sendAndSettle(
      ws,
      customerCreatedEvent({
        eventId: evtId(),
        customerId: 'cus_Tie',
        email: 'tie@example.test',
        name: 'Created Name',
        created: T0,
      }),
    );
    expect((await contactByEmail(ws, 'tie@example.test')).name).toBe('Updated Name');
  });

  it('does not take over another contact’s email; customer.deleted never creates a contact', async () => {
    const ws = await workspace();
    await sendAndSettle(
      ws,
      customerCreatedEvent({ eventId: evtId(), customerId: 'cus_A', email: 'a@example.test' }),
    );
    await sendAndSettle(
      ws,
      customerCreatedEvent({ eventId: evtId(), customerId: 'cus_B', email: 'b@example.test' }),
    );
    await sendAndSettle(
      ws,
      customerUpdatedEvent({
        eventId: evtId(),
        customerId: 'cus_B',
        email: 'a@example.test',
        name: 'B renamed',
        created: T0 + 10,
      }),
    );
    const b = await eventually(async () => {
      const rows = (await ws.api.get('/v1/contacts')).body.data as Array<{ stripe_customer_id: string }>;
      return rows.find((c) => c.stripe_customer_id === 'cus_B');
    });
    expect(b).toMatchObject({ email: 'b@example.test', name: 'B renamed' });

    const deleted = customerDeletedEvent({
      eventId: evtId(),
      customerId: 'cus_Gone',
      email: 'gone@example.test',
    });
    await sendAndSettle(ws, deleted, 'unresolved');
    expect(await contactByEmail(ws, 'gone@example.test')).toBeUndefined();

    // Deleting a known customer records the event and keeps the contact and its link.
    await sendAndSettle(
      ws,
      customerDeletedEvent({ eventId: evtId(), customerId: 'cus_A', email: 'a@example.test' }),
    );
    const a = await contactByEmail(ws, 'a@example.test');
    expect(a.stripe_customer_id).toBe('cus_A');
    expect((await eventsOf(ws, a.id)).map((e) => e.name)).toContain('stripe.customer.deleted');
  });

  it('normalizes an unresolved subscription event with its own occurred_at once customer.created arrives', async () => {
    const ws = await workspace();
    const sub = customerSubscriptionCreatedEvent({
      eventId: evtId(),
      customerId: 'cus_Late',
      email: null,
      created: T0 - 3600,
    });
    await sendAndSettle(ws, sub, 'unresolved');
    expect((await ws.api.get('/v1/contacts')).body.data).toHaveLength(0);

    const created = customerCreatedEvent({
      eventId: evtId(),
      customerId: 'cus_Late',
      email: 'late@example.test',
      created: T0,
    });
    await sendAndSettle(ws, created);
    await settled(ws, sub.id);
    const contact = await contactByEmail(ws, 'late@example.test');
    const events = await eventsOf(ws, contact.id);
    // Newest occurred_at first, whatever the order they were normalized in.
    expect(events.map((e) => [e.name, e.occurred_at])).toEqual([
      ['stripe.customer.created', new Date(T0 * 1000).toISOString()],
      ['stripe.customer.subscription.created', new Date((T0 - 3600) * 1000).toISOString()],
    ]);
    expect(events[1]!.source_event_id).toBe(sub.id);
  });

  it('resolves a dispute through the charge id learned from an older-shape invoice.paid; a newer-shape one teaches nothing', async () => {
    const ws = await workspace();
    await sendAndSettle(
      ws,
      invoicePaidEvent({
        eventId: evtId(),
        shape: 'old',
        customerId: 'cus_Disp',
        email: 'disp@example.test',
        chargeId: 'ch_Old',
        paymentIntentId: 'pi_Old',
      }),
    );
    const dispute = chargeDisputeCreatedEvent({
      eventId: evtId(),
      chargeId: 'ch_Old',
      paymentIntentId: 'pi_Unknown',
      evidenceEmail: null,
    });
    await sendAndSettle(ws, dispute);
    const contact = await contactByEmail(ws, 'disp@example.test');
    const events = await eventsOf(ws, contact.id);
    const ev = events.find((e) => e.name === 'stripe.charge.dispute.created');
    expect(ev?.properties).toMatchObject({
      charge_id: 'ch_Old',
      amount: 4999,
      currency: 'usd',
      stripe_customer_id: null,
    });

    await sendAndSettle(
      ws,
      invoicePaidEvent({
        eventId: evtId(),
        shape: 'new',
        customerId: 'cus_Disp2',
        email: 'disp2@example.test',
        chargeId: 'ch_New',
        paymentIntentId: 'pi_New',
      }),
    );
    await sendAndSettle(
      ws,
      chargeDisputeCreatedEvent({
        eventId: evtId(),
        chargeId: 'ch_New',
        paymentIntentId: 'pi_New',
        evidenceEmail: null,
      }),
      'unresolved',
    );
  });

  it('replays an unresolved dispute once a later invoice teaches its charge id, but not one received over 30 days ago', async () => {
    const ws = await workspace();
    const early = chargeDisputeCreatedEvent({
      eventId: evtId(),
      chargeId: 'ch_Later',
      paymentIntentId: 'pi_Later',
      evidenceEmail: null,
      created: T0 - 60,
    });
    const stale = chargeDisputeCreatedEvent({
      eventId: evtId(),
      chargeId: 'ch_Later',
      paymentIntentId: 'pi_Later',
      evidenceEmail: null,
      created: T0 - 120,
    });
    await sendAndSettle(ws, early, 'unresolved');
    await sendAndSettle(ws, stale, 'unresolved');
    await t.db.query(
      `UPDATE stripe_events SET received_at = now() - interval '31 days' WHERE workspace_id = $1 AND event_id = $2`,
      [ws.workspaceId, stale.id],
    );
    await sendAndSettle(
      ws,
      invoicePaidEvent({
        eventId: evtId(),
        shape: 'old',
        customerId: 'cus_Later',
        email: 'later@example.test',
        chargeId: 'ch_Later',
        paymentIntentId: 'pi_Later',
        created: T0,
      }),
    );
    await settled(ws, early.id);
    expect(await archiveStatus(ws, stale.id)).toBe('unresolved');
    const contact = await contactByEmail(ws, 'later@example.test');
    const events = await eventsOf(ws, contact.id);
    expect(events.map((e) => [e.name, e.occurred_at])).toEqual([
      ['stripe.invoice.paid', new Date(T0 * 1000).toISOString()],
      ['stripe.charge.dispute.created', new Date((T0 - 60) * 1000).toISOString()],
    ]);
    const archived = await ws.api.get('/v1/settings/integrations/stripe/events?limit=100');
    const row = archived.body.data.find((e: { id: string }) => e.id === early.id);
    expect(row).toMatchObject({ status: 'normalized', contact_event_id: expect.stringMatching(/^cev_/) });

    const metrics = await fetch(`${t.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/mailkatana_normalized_events_total\{name="stripe.charge.dispute.created"\} \d+/);
    expect(metrics).toMatch(/mailkatana_unresolved_events_total \d+/);
    expect(metrics).toMatch(/mailkatana_normalization_duration_seconds_count \d+/);
  });

  it('creates a contact from a guest checkout by email', async () => {
    const ws = await workspace();
    await sendAndSettle(
      ws,
      checkoutSessionCompletedEvent({ eventId: evtId(), customerId: null, email: 'Guest@Example.test' }),
    );
    const contact = await contactByEmail(ws, 'guest@example.test');
    expect(contact).toMatchObject({ email: 'guest@example.test', name: null, stripe_customer_id: null });
    expect(contact.id).toMatch(/^con_/);
  });

  it('makes one contact when events for one new customer arrive at once', async () => {
    const ws = await workspace();
    const opts = { customerId: 'cus_Race', email: 'race@example.test' };
    const events = [
      customerCreatedEvent({ ...opts, eventId: evtId() }),
      invoicePaidEvent({
        ...opts,
        eventId: evtId(),
        shape: 'old',
        chargeId: 'ch_Race',
        paymentIntentId: 'pi_Race',
      }),
      invoicePaymentFailedEvent({ ...opts, eventId: evtId() }),
      checkoutSessionCompletedEvent({ ...opts, eventId: evtId(), paymentIntentId: 'pi_Race2' }),
      quoteFinalizedEvent({ ...opts, eventId: evtId(), expand: true }),
    ];
    await Promise.all(events.map((e) => send(ws, e)));
    for (const e of events) await settled(ws, e.id);
    const contacts = (await ws.api.get('/v1/contacts')).body.data;
    expect(contacts).toHaveLength(1);
    expect(await eventsOf(ws, contacts[0].id)).toHaveLength(5);
  });

  it('keeps two workspaces receiving the same Stripe event apart: contacts, keys and replays', async () => {
    const [ws1, ws2] = [await workspace(), await workspace()];
    const shared = customerCreatedEvent({
      eventId: evtId(),
      customerId: 'cus_Shared',
      email: 'shared@example.test',
    });
    await sendAndSettle(ws1, shared);
    await sendAndSettle(ws2, shared);
    const c1 = await contactByEmail(ws1, 'shared@example.test');
    const c2 = await contactByEmail(ws2, 'shared@example.test');
    expect(c1.id).not.toBe(c2.id);
    expect(await eventsOf(ws1, c1.id)).toHaveLength(1);
    expect(await eventsOf(ws2, c2.id)).toHaveLength(1);

    // ws1 learns ch_Shared; a dispute on it in ws2 stays unresolved there.
    await sendAndSettle(
      ws1,
      invoicePaidEvent({
        eventId: evtId(),
        shape: 'old',
        customerId: 'cus_Shared',
        email: null,
        chargeId: 'ch_Shared',
        paymentIntentId: 'pi_Shared',
      }),
    );
    const dispute = chargeDisputeCreatedEvent({
      eventId: evtId(),
      chargeId: 'ch_Shared',
      paymentIntentId: 'pi_Shared',
      evidenceEmail: null,
    });
    await sendAndSettle(ws2, dispute, 'unresolved');
    await sendAndSettle(ws1, dispute);
    expect(await archiveStatus(ws2, dispute.id)).toBe('unresolved');

    // Another workspace's contact is not found, exactly as if it did not exist.
    const other = await ws2.api.get(`/v1/contacts/${c1.id}`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('not_found');
    expect((await ws2.api.get(`/v1/contacts/${c1.id}/events`)).status).toBe(404);
  });

  describe('delivery to receivers', () => {
    let server: Server;
    const received = new Map<string, Received[]>();
    let base = '';

    beforeAll(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const list = received.get(req.url ?? '') ?? [];
          list.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          received.set(req.url ?? '', list);
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    async function endpoint(
      ws: Ws,
      path: string,
      eventTypes: string[],
    ): Promise<{ id: string; secret: string }> {
      const r = await ws.api.post('/v1/webhook-endpoints', {
        url: `${base}${path}`,
        status: 'active',
        event_types: eventTypes,
      });
      expect(r.status).toBe(201);
      return { id: r.body.id, secret: r.body.signing_secret };
    }

    /** Verified messages a path received, in arrival order. */
    function verified(path: string, secret: string): Array<{ type: string; data: any; id: string }> {
      const wh = new Webhook(secret);
      return (received.get(path) ?? []).map((m) => {
        const payload = wh.verify(m.body, {
          'webhook-id': String(m.headers['webhook-id']),
          'webhook-timestamp': String(m.headers['webhook-timestamp']),
          'webhook-signature': String(m.headers['webhook-signature']),
        }) as { type: string; data: unknown };
        return { type: payload.type, data: payload.data, id: String(m.headers['webhook-id']) };
      });
    }

    it('sends contact events as verified Standard Webhooks messages, filtered by each endpoint’s event_types', async () => {
      const ws = await workspace();
      const created = await endpoint(ws, '/created', ['contact.created']);
      const stripeTypes = await endpoint(ws, '/stripe', ['stripe.customer.created', 'stripe.invoice.paid']);
      const updated = await endpoint(ws, '/updated', ['contact.updated']);

      await sendAndSettle(
        ws,
        customerCreatedEvent({
          eventId: evtId(),
          customerId: 'cus_Hook',
          email: 'hook@example.test',
          name: 'Hook',
          created: T0,
        }),
      );
      await sendAndSettle(
        ws,
        customerUpdatedEvent({
          eventId: evtId(),
          customerId: 'cus_Hook',
          email: 'hook@example.test',
          name: 'Hooked',
          created: T0 + 1,
          previousAttributes: { name: 'Hook' },
        }),
      );
      // Linking another customer by email raises no contact.updated.
      await sendAndSettle(
        ws,
        invoicePaidEvent({ eventId: evtId(), customerId: 'cus_Hook2', email: 'hook@example.test' }),
      );
      const contact = await contactByEmail(ws, 'hook@example.test');

      const gotCreated = await eventually(async () => {
        const v = verified('/created', created.secret);
        return v.length >= 1 && v;
      });
      const gotStripe = await eventually(async () => {
        const v = verified('/stripe', stripeTypes.secret);
        return v.length >= 2 && v;
      });
      const gotUpdated = await eventually(async () => {
        const v = verified('/updated', updated.secret);
        return v.length >= 1 && v;
      });

      expect(gotCreated.map((m) => m.type)).toEqual(['contact.created']);
      expect(gotCreated[0]!.data).toEqual({
        workspace_id: ws.workspaceId,
        contact: expect.objectContaining({
          id: contact.id,
          email: 'hook@example.test',
          name: 'Hook',
          stripe_customer_id: 'cus_Hook',
        }),
      });
      expect(gotStripe.map((m) => m.type).sort()).toEqual(['stripe.customer.created', 'stripe.invoice.paid']);
      const paid = gotStripe.find((m) => m.type === 'stripe.invoice.paid')!;
      expect(paid.data).toMatchObject({
        workspace_id: ws.workspaceId,
        contact: { id: contact.id, email: 'hook@example.test' },
        event: {
          contact_id: contact.id,
          name: 'stripe.invoice.paid',
          source: 'stripe',
          properties: { stripe_customer_id: 'cus_Hook2', amount_paid: 2000 },
        },
      });
      expect(Object.keys(paid.data.event).sort()).toEqual([
        'contact_id',
        'id',
        'name',
        'occurred_at',
        'properties',
        'source',
        'source_event_id',
      ]);
      expect(Object.keys(paid.data.contact).sort()).toEqual([
        'created_at',
        'email',
        'id',
        'name',
        'stripe_customer_id',
        'updated_at',
      ]);
      expect(gotUpdated.map((m) => m.type)).toEqual(['contact.updated']);
      expect(gotUpdated[0]!.data).toMatchObject({
        workspace_id: ws.workspaceId,
        contact: { id: contact.id, name: 'Hooked' },
        changed_fields: ['name'],
      });
      // Nothing more arrives once the queues are idle (the invoice's linking raised no second contact.updated).
      expect(
        await countRows(
          `SELECT count(*) AS n FROM webhook_messages WHERE workspace_id = $1 AND type = 'contact.updated'`,
          [ws.workspaceId],
        ),
      ).toBe(1);
    });

    it('replaying 100 archived events creates no second contact event and no second delivery', async () => {
      const ws = await workspace();
      await endpoint(ws, '/replay', ['*']);
      const events: StripeEventFixture[] = [];
      for (let i = 0; i < 20; i++) {
        const o = {
          customerId: `cus_Rep${i}`,
          email: `rep${i}@example.test`,
          subscriptionId: `sub_Rep${i}`,
          invoiceId: `in_Rep${i}`,
        };
        events.push(
          customerCreatedEvent({ ...o, eventId: evtId() }),
          customerSubscriptionCreatedEvent({ ...o, eventId: evtId() }),
          invoicePaidEvent({
            ...o,
            eventId: evtId(),
            shape: 'old',
            chargeId: `ch_Rep${i}`,
            paymentIntentId: `pi_Rep${i}`,
          }),
          invoicePaymentFailedEvent({ ...o, eventId: evtId() }),
          customerUpdatedEvent({
            ...o,
            eventId: evtId(),
            name: `Rep ${i}`,
            created: T0 + 5,
            previousAttributes: { name: 'x' },
          }),
        );
      }
      for (const e of events) await send(ws, e);
      for (const e of events) await settled(ws, e.id);

      const countEvents = () =>
        countRows(`SELECT count(*) AS n FROM contact_events WHERE workspace_id = $1`, [ws.workspaceId]);
      const countMessages = () =>
        countRows(`SELECT count(*) AS n FROM webhook_messages WHERE workspace_id = $1`, [ws.workspaceId]);
      const countDeliveries = () =>
        countRows(`SELECT count(*) AS n FROM webhook_deliveries WHERE workspace_id = $1`, [ws.workspaceId]);
      expect(await countEvents()).toBe(100);
      expect((await ws.api.get('/v1/contacts?limit=100')).body.data).toHaveLength(20);
      const messages = await countMessages();
      const deliveries = await countDeliveries();
      expect(messages).toBeGreaterThanOrEqual(120); // 100 stripe.* + 20 contact.created (+ updates whose name changed)
      expect(deliveries).toBe(messages);
      await eventually(async () => (received.get('/replay') ?? []).length >= deliveries);

      // Replay: every archived row back to pending, every job queued again.
      const { rows } = await t.db.query<{ id: string }>(
        `UPDATE stripe_events SET status = 'pending' WHERE workspace_id = $1 RETURNING id`,
        [ws.workspaceId],
      );
      expect(rows).toHaveLength(100);
      const queue = new Bull(QUEUES.stripeNormalization, t.config.redisUrl, { prefix: 'mk' });
      try {
        for (const r of rows)
          await queue.add({ archivedEventId: r.id, workspaceId: ws.workspaceId }, { removeOnComplete: true });
        for (const e of events) await settled(ws, e.id);
        await eventually(async () => {
          const c = await queue.getJobCounts();
          return c.waiting + c.active + c.delayed === 0;
        });
      } finally {
        await queue.close();
      }
      expect(await countEvents()).toBe(100);
      expect(await countMessages()).toBe(messages);
      expect(await countDeliveries()).toBe(deliveries);
      expect((await ws.api.get('/v1/contacts?limit=100')).body.data).toHaveLength(20);
      expect(new Set((received.get('/replay') ?? []).map((m) => m.headers['webhook-id'])).size).toBe(
        messages,
      );
    });
  });

  it('serves the contacts routes: email filter, pagination, 404s and validation', async () => {
    const ws = await workspace();
    for (let i = 0; i < 3; i++) {
      await sendAndSettle(
        ws,
        customerCreatedEvent({
          eventId: evtId(),
          customerId: `cus_R${i}`,
          email: `r${i}@example.test`,
          created: T0 + i,
        }),
      );
    }
    const c0 = await contactByEmail(ws, ' R0@EXAMPLE.TEST');
    for (let i = 0; i < 3; i++) {
      await sendAndSettle(
        ws,
        invoicePaidEvent({ eventId: evtId(), customerId: 'cus_R0', email: null, created: T0 + 100 + i }),
      );
    }
    expect((await ws.api.get('/v1/contacts?email=nobody@example.test')).body).toEqual({
      data: [],
      has_more: false,
      next_cursor: null,
    });

    const page1 = await ws.api.get('/v1/contacts?limit=2');
    expect(page1.body.data).toHaveLength(2);
    expect(page1.body.has_more).toBe(true);
    const page2 = await ws.api.get(
      `/v1/contacts?limit=2&cursor=${encodeURIComponent(page1.body.next_cursor)}`,
    );
    expect(page2.body).toMatchObject({ has_more: false, next_cursor: null });
    expect([...page1.body.data, ...page2.body.data].map((c: { email: string }) => c.email)).toEqual([
      'r2@example.test',
      'r1@example.test',
      'r0@example.test',
    ]);

    const one = await ws.api.get(`/v1/contacts/${c0.id}`);
    expect(one.status).toBe(200);
    expect(Object.keys(one.body).sort()).toEqual([
      'created_at',
      'email',
      'id',
      'name',
      'stripe_customer_id',
      'updated_at',
    ]);

    const ev1 = await ws.api.get(`/v1/contacts/${c0.id}/events?limit=2`);
    expect(ev1.body.data.map((e: { occurred_at: string }) => e.occurred_at)).toEqual([
      new Date((T0 + 102) * 1000).toISOString(),
      new Date((T0 + 101) * 1000).toISOString(),
    ]);
    const ev2 = await ws.api.get(
      `/v1/contacts/${c0.id}/events?limit=2&cursor=${encodeURIComponent(ev1.body.next_cursor)}`,
    );
    expect(ev2.body.data.map((e: { name: string }) => e.name)).toEqual([
      'stripe.invoice.paid',
      'stripe.customer.created',
    ]);
    expect(ev2.body.has_more).toBe(false);

    // A contacts cursor is not an events cursor.
    expect(
      (await ws.api.get(`/v1/contacts/${c0.id}/events?cursor=${encodeURIComponent(page1.body.next_cursor)}`))
        .status,
    ).toBe(400);
    expect((await ws.api.get('/v1/contacts?limit=0')).status).toBe(400);
    expect((await ws.api.get('/v1/contacts?colour=red')).status).toBe(400);
    expect((await ws.api.get('/v1/contacts/con_nope')).status).toBe(404);
    expect((await client(t.url).get('/v1/contacts')).status).toBe(401);
  });
});
