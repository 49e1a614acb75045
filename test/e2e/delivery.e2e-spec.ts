import { TestApp, createTestApp } from '../support/test-app';
import { client, eventually, signup } from '../support/http';
import { WebhookPublisher } from '../../src/delivery/webhook-publisher.service';
import { Receiver, verifies, verify } from './delivery-receiver';

describe('delivery (e2e)', () => {
  let t: TestApp;
  let owner: Awaited<ReturnType<typeof signup>>;
  let api: ReturnType<typeof client>;
  let publisher: WebhookPublisher;
  const receivers: Receiver[] = [];
  let n = 0;

  const receiver = async (behave?: ConstructorParameters<typeof Receiver>[0]) => {
    const r = await Receiver.start(behave);
    receivers.push(r);
    return r;
  };

  const createEndpoint = async (url: string, body: Record<string, unknown> = {}, c = api) => {
    const r = await c.post('/v1/webhook-endpoints', { url, status: 'active', ...body });
    expect(r.status).toBe(201);
    return r.body as { id: string; signing_secret: string; status: string };
  };

  const publish = (
    data: Record<string, unknown> = {},
    type = 'testing.testEvent',
    workspaceId = owner.workspaceId,
  ) => publisher.publish({ workspaceId, type, data, idempotencyKey: `k${++n}` });

  const delivery = (id: string, c = api) => c.get(`/v1/webhook-deliveries/${id}`);

  const settled = (id: string, c = api) =>
    eventually(async () => {
      const r = await delivery(id, c);
      return r.body.status !== 'pending' ? r.body : null;
    }, 20000);

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        WEBHOOK_RETRY_SCHEDULE: '200ms,200ms,200ms',
        WEBHOOK_TIMEOUT_MS: '1000',
        WEBHOOK_SWEEP_INTERVAL: '500ms',
      },
    });
    owner = await signup(t.url);
    api = client(t.url, owner.token);
    publisher = t.app.get(WebhookPublisher);
  });
  afterAll(async () => {
    for (const r of receivers) await r.close();
    await t.close();
  });

  describe('send-test', () => {
    it('is signed so standardwebhooks verifies it with the whsec_ and the bare secret', async () => {
      const rx = await receiver();
      const ep = await createEndpoint(rx.url, { status: 'disabled', event_types: ['contact.created'] });
      const r = await api.post(`/v1/webhook-endpoints/${ep.id}/send-test`);
      expect(r.status).toBe(200);
      expect(r.body.success).toBe(true);
      expect(r.body.delivery).toMatchObject({
        endpoint_id: ep.id,
        event_type: 'testing.testEvent',
        status: 'succeeded',
        attempt_count: 1,
        next_attempt_at: null,
        last_attempt: { status_code: 200, response_excerpt: 'ok', error: null },
      });
      expect(r.body.delivery.attempts).toHaveLength(1);
      expect(rx.requests).toHaveLength(1);
      const got = rx.requests[0];
      expect(got.headers['webhook-id']).toBe(r.body.delivery.message_id);
      expect(got.headers['user-agent']).toMatch(/^MailKatana-Webhooks\//);
      expect(got.headers['content-type']).toBe('application/json');
      const payload = verify(ep.signing_secret, got) as { type: string; data: Record<string, unknown> };
      expect(verify(ep.signing_secret.replace(/^whsec_/, ''), got)).toEqual(payload);
      expect(payload).toMatchObject({
        type: 'testing.testEvent',
        data: { workspace_id: owner.workspaceId, endpoint_id: ep.id, message: expect.any(String) },
      });
      expect(r.body.delivery.payload).toEqual(JSON.parse(got.body));
      // The endpoint is unchanged (still disabled) and the test shows in its deliveries.
      expect((await api.get(`/v1/webhook-endpoints/${ep.id}`)).body.status).toBe('disabled');
      const list = await api.get(`/v1/webhook-endpoints/${ep.id}/deliveries`);
      expect(list.body.data.map((d: { id: string }) => d.id)).toEqual([r.body.delivery.id]);
    });

    it('reports a 500, a hanging and a redirecting receiver as success: false with the reason', async () => {
      const rx500 = await receiver(() => ({ status: 500, body: 'boom' }));
      const rxHang = await receiver(() => 'hang');
      const rxRedirect = await receiver(() => ({
        status: 302,
        headers: { location: 'http://127.0.0.1:1/elsewhere' },
      }));
      const cases: Array<[Receiver, Record<string, unknown>]> = [
        [rx500, { status_code: 500, response_excerpt: 'boom', error: null }],
        [rxHang, { status_code: null, error: 'timeout after 1000 ms' }],
        [rxRedirect, { status_code: 302, error: null }],
      ];
      for (const [rx, attempt] of cases) {
        const ep = await createEndpoint(rx.url);
        const before = (await api.get(`/v1/webhook-endpoints/${ep.id}`)).body;
        const r = await api.post(`/v1/webhook-endpoints/${ep.id}/send-test`);
        expect(r.status).toBe(200);
        expect(r.body.success).toBe(false);
        expect(r.body.delivery.status).toBe('failed');
        expect(r.body.delivery.last_attempt).toMatchObject(attempt);
        expect(rx.requests).toHaveLength(1);
        expect((await api.get(`/v1/webhook-endpoints/${ep.id}`)).body).toEqual(before);
      }
    });

    it('never disables on a 410 and is limited to 10 per endpoint per minute', async () => {
      const rx = await receiver(() => ({ status: 410 }));
      const ep = await createEndpoint(rx.url);
      for (let i = 0; i < 10; i++) {
        const r = await api.post(`/v1/webhook-endpoints/${ep.id}/send-test`);
        expect(r.status).toBe(200);
        expect(r.body.success).toBe(false);
      }
      const over = await api.post(`/v1/webhook-endpoints/${ep.id}/send-test`);
      expect(over.status).toBe(429);
      expect(over.body.error.code).toBe('rate_limited');
      expect(over.headers.get('retry-after')).toBeTruthy();
      expect(rx.requests).toHaveLength(10);
      const now = (await api.get(`/v1/webhook-endpoints/${ep.id}`)).body;
      expect(now).toMatchObject({ status: 'active', disabled_reason: null });
    });

    it('signs with both secrets during a rotation grace, then only the new one', async () => {
      const rx = await receiver();
      const ep = await createEndpoint(rx.url);
      const rot = await api.post(`/v1/webhook-endpoints/${ep.id}/signing-secret`, {
        grace_period_seconds: 2,
      });
      expect(rot.status).toBe(200);
      const fresh = rot.body.signing_secret as string;
      expect((await api.post(`/v1/webhook-endpoints/${ep.id}/send-test`)).body.success).toBe(true);
      const during = rx.requests[rx.requests.length - 1];
      expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
      expect(verifies(fresh, during)).toBe(true);
      expect(verifies(ep.signing_secret, during)).toBe(true);
      await eventually(
        async () => {
          await api.post(`/v1/webhook-endpoints/${ep.id}/send-test`);
          const after = rx.requests[rx.requests.length - 1];
          return verifies(fresh, after) && !verifies(ep.signing_secret, after);
        },
        10000,
        500,
      );
    });

    it('needs a writer role and hides other workspaces', async () => {
      const rx = await receiver();
      const ep = await createEndpoint(rx.url);
      const other = await signup(t.url);
      const them = client(t.url, other.token);
      expect((await them.post(`/v1/webhook-endpoints/${ep.id}/send-test`)).status).toBe(404);
      expect((await them.get(`/v1/webhook-endpoints/${ep.id}/deliveries`)).status).toBe(404);
      const sent = await api.post(`/v1/webhook-endpoints/${ep.id}/send-test`);
      expect((await them.get(`/v1/webhook-deliveries/${sent.body.delivery.id}`)).status).toBe(404);
      expect((await them.post(`/v1/webhook-deliveries/${sent.body.delivery.id}/retry`)).status).toBe(404);
      expect(rx.requests).toHaveLength(1);
    });
  });

  describe('published events', () => {
    // Each test its own workspace, so its events reach only its own endpoints.
    beforeEach(async () => {
      owner = await signup(t.url);
      api = client(t.url, owner.token);
    });

    it('a receiver failing twice then succeeding gets three verified requests with one webhook-id', async () => {
      const rx = await receiver((i) => (i < 2 ? { status: 500, body: `fail ${i}` } : { status: 204 }));
      const ep = await createEndpoint(rx.url);
      const pub = await publish({ hello: 'world' });
      expect(pub.duplicate).toBe(false);
      expect(pub.deliveryIds).toHaveLength(1);
      const done = await settled(pub.deliveryIds[0]);
      expect(done.status).toBe('succeeded');
      expect(done.attempt_count).toBe(3);
      expect(done.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 204]);
      expect(done.attempts[0].response_excerpt).toBe('fail 0');
      expect(done.last_attempt.id).toBe(done.attempts[2].id);
      expect(done.payload).toMatchObject({ type: 'testing.testEvent', data: { hello: 'world' } });
      expect(rx.requests).toHaveLength(3);
      const ids = new Set(rx.requests.map((r) => r.headers['webhook-id']));
      expect([...ids]).toEqual([pub.messageId]);
      for (const r of rx.requests) expect(verify(ep.signing_secret, r)).toEqual(done.payload);
      // Every attempt sends the stored bytes.
      expect(new Set(rx.requests.map((r) => r.body)).size).toBe(1);
    });

    it('an always-failing receiver ends failed after the schedule; a manual retry sends once more', async () => {
      let ok = false;
      const rx = await receiver(() => (ok ? { status: 200 } : { status: 503, body: 'down' }));
      await createEndpoint(rx.url);
      const pub = await publish();
      const done = await settled(pub.deliveryIds[0]);
      expect(done.status).toBe('failed');
      expect(done.attempt_count).toBe(4); // 1 + the 3 scheduled retries
      expect(done.next_attempt_at).toBeNull();
      expect(rx.requests).toHaveLength(4);

      const again = await api.post(`/v1/webhook-deliveries/${done.id}/retry`);
      expect(again.status).toBe(202);
      expect(again.body).toMatchObject({
        id: done.id,
        status: 'failed',
        attempt_count: 5,
        last_attempt: { status_code: 503 },
      });
      expect(again.body.attempts).toBeUndefined();
      expect(rx.requests).toHaveLength(5);

      ok = true;
      const fixed = await api.post(`/v1/webhook-deliveries/${done.id}/retry`);
      expect(fixed.body).toMatchObject({
        status: 'succeeded',
        attempt_count: 6,
        last_attempt: { status_code: 200 },
      });
      expect(rx.requests).toHaveLength(6);
    });

    it('a 3xx is a failure and is not followed', async () => {
      const target = await receiver();
      const rx = await receiver(() => ({ status: 307, headers: { location: target.url } }));
      await createEndpoint(rx.url);
      const pub = await publish();
      const done = await settled(pub.deliveryIds[0]);
      expect(done.status).toBe('failed');
      expect(done.attempts.every((a: { status_code: number }) => a.status_code === 307)).toBe(true);
      expect(target.requests).toHaveLength(0);
    });

    it('a 410 fails the delivery at once and disables the endpoint (gone)', async () => {
      const rx = await receiver(() => ({ status: 410 }));
      const ep = await createEndpoint(rx.url);
      const pub = await publish();
      const done = await settled(pub.deliveryIds[0]);
      expect(done).toMatchObject({ status: 'failed', attempt_count: 1 });
      const after = await eventually(async () => {
        const e = (await api.get(`/v1/webhook-endpoints/${ep.id}`)).body;
        return e.status === 'disabled' ? e : null;
      });
      expect(after.disabled_reason).toBe('gone');
      expect(rx.requests).toHaveLength(1);
      // A disabled endpoint is not retried by hand.
      const retry = await api.post(`/v1/webhook-deliveries/${done.id}/retry`);
      expect(retry.status).toBe(409);
      expect(retry.body.error.code).toBe('conflict');
    });

    it('a trickling receiver is cut off by the whole-response deadline', async () => {
      const rx = await receiver(() => 'trickle');
      await createEndpoint(rx.url);
      const pub = await publish();
      const r = await eventually(async () => {
        const d = (await delivery(pub.deliveryIds[0])).body;
        return d.attempt_count >= 1 ? d : null;
      });
      expect(r.attempts[0]).toMatchObject({ status_code: null, error: 'timeout after 1000 ms' });
    });

    it('publishing one key twice makes one message and no new deliveries', async () => {
      const rx = await receiver();
      await createEndpoint(rx.url);
      const input = {
        workspaceId: owner.workspaceId,
        type: 'testing.testEvent',
        data: { a: 1 },
        idempotencyKey: 'same-key',
      };
      const [a, b] = await Promise.all([
        publisher.publish(input),
        publisher.publish({ ...input, data: { a: 2 } }),
      ]);
      const first = a.duplicate ? b : a;
      const second = a.duplicate ? a : b;
      expect(first.duplicate).toBe(false);
      expect(second).toEqual({ messageId: first.messageId, duplicate: true, deliveryIds: first.deliveryIds });
      const third = await publisher.publish(input);
      expect(third).toEqual(second);
      const { rows } = await t.db.query(
        `SELECT count(*)::int AS n FROM webhook_messages WHERE idempotency_key = 'same-key'`,
      );
      expect(rows[0].n).toBe(1);
      await settled(first.deliveryIds[0]);
      expect(rx.requests).toHaveLength(1);
    });

    it('DELETE cancels pending deliveries at once; they stay readable', async () => {
      const rx = await receiver(() => ({ status: 500 }));
      const ep = await createEndpoint(rx.url);
      const pub = await publish();
      await eventually(async () => rx.requests.length >= 1);
      expect((await api.delete(`/v1/webhook-endpoints/${ep.id}`)).status).toBe(204);
      const d = (await delivery(pub.deliveryIds[0])).body;
      expect(d.status).toBe('cancelled');
      expect(d.next_attempt_at).toBeNull();
      const seen = rx.requests.length;
      expect((await api.get(`/v1/webhook-endpoints/${ep.id}/deliveries`)).status).toBe(404);
      expect((await api.post(`/v1/webhook-deliveries/${d.id}/retry`)).status).toBe(404);
      // Cancelled stays cancelled: no more requests arrive even once its retry would have been due.
      await eventually(async () => {
        const x = (await delivery(d.id)).body;
        return x.status === 'cancelled' && Date.now() - Date.parse(x.created_at) > 1500;
      });
      expect(rx.requests.length).toBe(seen);
    });

    it('disabling an endpoint cancels its pending deliveries; nothing more is sent', async () => {
      const rx = await receiver(() => ({ status: 500 }));
      const ep = await createEndpoint(rx.url);
      const pub = await publish();
      await eventually(async () => rx.requests.length >= 1);
      const off = await api.patch(`/v1/webhook-endpoints/${ep.id}`, { status: 'disabled' });
      expect(off.status).toBe(200);
      const d = (await delivery(pub.deliveryIds[0])).body;
      expect(d.status).toBe('cancelled');
      const retry = await api.post(`/v1/webhook-deliveries/${d.id}/retry`);
      expect(retry.status).toBe(409);
      // A publish now finds no active endpoint at all.
      expect((await publish()).deliveryIds).toEqual([]);
    });

    it('refuses a payload over 256 KiB', async () => {
      await expect(publish({ big: 'x'.repeat(256 * 1024) })).rejects.toMatchObject({
        code: 'payload_too_large',
      });
    });

    it('respects event filters and disabled endpoints, and lists with status filters', async () => {
      const ws = await signup(t.url);
      const c = client(t.url, ws.token);
      const all = await receiver();
      const contacts = await receiver();
      const off = await receiver();
      const epAll = await createEndpoint(all.url, {}, c);
      const epContacts = await createEndpoint(contacts.url, { event_types: ['contact.created'] }, c);
      await createEndpoint(off.url, { status: 'disabled' }, c);
      const p1 = await publish({}, 'testing.testEvent', ws.workspaceId);
      const p2 = await publish({ x: 1 }, 'contact.created', ws.workspaceId);
      expect(p1.deliveryIds).toHaveLength(1);
      expect(p2.deliveryIds).toHaveLength(2);
      for (const id of [...p1.deliveryIds, ...p2.deliveryIds])
        expect((await settled(id, c)).status).toBe('succeeded');
      expect(all.requests).toHaveLength(2);
      expect(contacts.requests.map((r) => r.headers['webhook-id'])).toEqual([p2.messageId]);
      expect(off.requests).toHaveLength(0);

      const list = await c.get(`/v1/webhook-endpoints/${epAll.id}/deliveries?limit=1`);
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(1);
      expect(list.body.has_more).toBe(true);
      expect(list.body.data[0].message_id).toBe(p2.messageId); // newest first
      const next = await c.get(
        `/v1/webhook-endpoints/${epAll.id}/deliveries?limit=1&cursor=${encodeURIComponent(list.body.next_cursor)}`,
      );
      expect(next.body.data[0].message_id).toBe(p1.messageId);
      expect(next.body.has_more).toBe(false);
      expect(
        (await c.get(`/v1/webhook-endpoints/${epContacts.id}/deliveries?status=pending`)).body.data,
      ).toEqual([]);
      expect(
        (await c.get(`/v1/webhook-endpoints/${epContacts.id}/deliveries?status=succeeded`)).body.data,
      ).toHaveLength(1);
      expect((await c.get(`/v1/webhook-endpoints/${epContacts.id}/deliveries?status=nope`)).status).toBe(400);
      expect((await c.get(`/v1/webhook-endpoints/${epContacts.id}/deliveries?limit=0`)).status).toBe(400);
      expect((await c.get(`/v1/webhook-endpoints/${epContacts.id}/deliveries?cursor=forged`)).status).toBe(
        400,
      );
    });

    it('a delivery has last_attempt null before its first attempt, and metrics count attempts', async () => {
      const ws = await signup(t.url);
      const c = client(t.url, ws.token);
      const rx = await receiver();
      const ep = await createEndpoint(rx.url, {}, c);
      // Disabled right after publishing would cancel; instead read a row inserted but not yet attempted.
      await t.db.query(
        `INSERT INTO webhook_messages (id, workspace_id, type, idempotency_key, body) VALUES ('msg_x', $1, 'testing.testEvent', 'x', '{"type":"testing.testEvent","timestamp":"2026-01-01T00:00:00.000Z","data":{}}')`,
        [ws.workspaceId],
      );
      await t.db.query(
        `INSERT INTO webhook_deliveries (id, workspace_id, message_id, endpoint_id, event_type, status, next_attempt_at)
         VALUES ('dlv_x', $1, 'msg_x', $2, 'testing.testEvent', 'pending', now() + interval '1 hour')`,
        [ws.workspaceId, ep.id],
      );
      const d = (await c.get('/v1/webhook-deliveries/dlv_x')).body;
      expect(d).toEqual({
        id: 'dlv_x',
        endpoint_id: ep.id,
        message_id: 'msg_x',
        event_type: 'testing.testEvent',
        status: 'pending',
        attempt_count: 0,
        next_attempt_at: expect.any(String),
        created_at: expect.any(String),
        last_attempt: null,
        attempts: [],
        payload: { type: 'testing.testEvent', timestamp: '2026-01-01T00:00:00.000Z', data: {} },
      });
      const metrics = await fetch(`${t.url}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/mailkatana_delivery_attempts_total\{outcome="success"\} \d+/);
      expect(metrics).toMatch(/mailkatana_delivery_attempt_duration_seconds_bucket/);
      expect(metrics).toMatch(/mailkatana_delivery_queue_depth\{state="delayed"\} \d+/);
      expect(metrics).toMatch(/mailkatana_delivery_oldest_pending_age_seconds \d/);
    });
  });
});
