import { TestApp, createTestApp } from '../support/test-app';
import { client, eventually, signup } from '../support/http';
import { DeliveryQueue, jobIdFor } from '../../src/delivery/delivery-queue';
import { WebhookPublisher } from '../../src/delivery/webhook-publisher.service';
import { Receiver, verify } from './delivery-receiver';

/** At-least-once: what the queue loses (a flushed Redis, a dead worker), Postgres and the sweeper put back. */
describe('delivery recovery (e2e)', () => {
  const receivers: Receiver[] = [];
  afterAll(async () => {
    for (const r of receivers) await r.close();
  });

  async function setup(t: TestApp, behave: ConstructorParameters<typeof Receiver>[0]) {
    const rx = await Receiver.start(behave);
    receivers.push(rx);
    const s = await signup(t.url);
    const api = client(t.url, s.token);
    const ep = await api.post('/v1/webhook-endpoints', { url: rx.url, status: 'active' });
    expect(ep.status).toBe(201);
    return { rx, s, api, secret: ep.body.signing_secret as string };
  }

  it('FLUSHDB of the queue Redis with 50 deliveries pending: every delivery is still received', async () => {
    const t = await createTestApp({
      env: {
        WEBHOOK_RETRY_SCHEDULE: '5s',
        WEBHOOK_SWEEP_INTERVAL: '300ms',
        WEBHOOK_ENDPOINT_CONCURRENCY: '50',
        WEBHOOK_WORKER_CONCURRENCY: '100',
      },
    });
    try {
      // Each message fails once (so 50 retries wait as delayed jobs in Redis), then succeeds.
      const seen = new Set<string>();
      const { rx, s, api, secret } = await setup(t, (_, r) => {
        const id = String(r.headers['webhook-id']);
        if (seen.has(id)) return { status: 200 };
        seen.add(id);
        return { status: 500 };
      });
      const publisher = t.app.get(WebhookPublisher);
      const pubs = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          publisher.publish({
            workspaceId: s.workspaceId,
            type: 'testing.testEvent',
            data: { i },
            idempotencyKey: `flush-${i}`,
          }),
        ),
      );
      await eventually(async () => seen.size === 50);
      // Every first attempt recorded and its retry queued as a delayed job: then the flush loses all 50.
      await eventually(async () => {
        const { rows } = await t.db.query(
          `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending' AND attempt_count = 1`,
        );
        return rows[0].n === 50 && (await t.app.get(DeliveryQueue).queue.getDelayedCount()) >= 50;
      });
      await t.redis.flushdb();
      expect(await t.app.get(DeliveryQueue).queue.getDelayedCount()).toBe(0);
      const { rows } = await t.db.query(
        `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'`,
      );
      expect(rows[0].n).toBe(50);

      await eventually(
        async () => {
          const { rows } = await t.db.query(
            `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'succeeded'`,
          );
          return rows[0].n === 50;
        },
        30000,
        200,
      );
      for (const p of pubs) {
        const got = rx.forMessage(p.messageId);
        expect(got.length).toBeGreaterThanOrEqual(2);
        verify(secret, got[got.length - 1]);
        const d = (await api.get(`/v1/webhook-deliveries/${p.deliveryIds[0]}`)).body;
        expect(d).toMatchObject({ status: 'succeeded', attempt_count: 2 });
      }
    } finally {
      await t.close();
    }
  });

  it('a worker that dies mid-attempt: another worker delivers it, with the same webhook-id, once', async () => {
    // The API enqueues only; worker 1 takes the attempt and hangs on it; worker 2 comes later.
    const t = await createTestApp({ env: { MAILKATANA_ROLE: 'api' } });
    const workerEnv = { MAILKATANA_ROLE: 'worker', WEBHOOK_SWEEP_INTERVAL: '300ms' };
    const w1 = await createTestApp({
      database: { url: t.config.databaseUrl },
      env: { ...workerEnv, WEBHOOK_TIMEOUT_MS: '60000' },
    });
    let w2: TestApp | undefined;
    try {
      const { rx, s, api, secret } = await setup(t, (n) =>
        n === 0 ? 'hang' : { status: 200, body: 'thanks' },
      );
      const pub = await t.app.get(WebhookPublisher).publish({
        workspaceId: s.workspaceId,
        type: 'testing.testEvent',
        data: { x: 1 },
        idempotencyKey: 'kill-1',
      });
      const deliveryId = pub.deliveryIds[0];
      await eventually(async () => rx.requests.length === 1);

      // Worker 1 dies: it takes no more jobs, its lease runs out, and its job is gone from Redis
      // (Bull would notice the lost lock only after lockDuration).
      await w1.app.get(DeliveryQueue).queue.pause(true, true);
      await t.db.query(
        `UPDATE webhook_deliveries SET lease_until = now() - interval '1 second' WHERE id = $1`,
        [deliveryId],
      );
      const jobKey = `mk:webhook-delivery:${jobIdFor(deliveryId, 0)}`;
      await t.redis.lrem('mk:webhook-delivery:active', 0, jobIdFor(deliveryId, 0));
      await t.redis.del(jobKey, `${jobKey}:lock`);

      w2 = await createTestApp({ database: { url: t.config.databaseUrl }, env: workerEnv });
      const done = await eventually(async () => {
        const d = (await api.get(`/v1/webhook-deliveries/${deliveryId}`)).body;
        return d.status === 'succeeded' ? d : null;
      }, 20000);
      expect(rx.requests).toHaveLength(2);
      expect(rx.requests.map((r) => r.headers['webhook-id'])).toEqual([pub.messageId, pub.messageId]);
      verify(secret, rx.requests[1]);
      expect(done.last_attempt).toMatchObject({ status_code: 200, response_excerpt: 'thanks' });

      // When the dead worker's attempt finally ends (its socket closes), it records the attempt but
      // cannot overwrite the delivery: its lease was taken over.
      await rx.close();
      receivers.splice(receivers.indexOf(rx), 1);
      const after = await eventually(async () => {
        const d = (await api.get(`/v1/webhook-deliveries/${deliveryId}`)).body;
        return d.attempts.length === 2 ? d : null;
      });
      expect(after.status).toBe('succeeded');
      expect(after.next_attempt_at).toBeNull();
    } finally {
      await w2?.close();
      await w1.close();
      await t.close();
    }
  });
});
