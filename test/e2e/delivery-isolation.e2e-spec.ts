import { TestApp, createTestApp } from '../support/test-app';
import { client, eventually, signup } from '../support/http';
import { WebhookPublisher } from '../../src/delivery/webhook-publisher.service';
import { Receiver, verify } from './delivery-receiver';

/** One dead endpoint cannot starve the rest: attempts to one endpoint are capped in concurrency. */
describe('delivery isolation (e2e)', () => {
  let t: TestApp;
  let hanging: Receiver;
  let healthy: Receiver;
  beforeAll(async () => {
    t = await createTestApp({
      env: {
        WEBHOOK_TIMEOUT_MS: '8000',
        WEBHOOK_ENDPOINT_CONCURRENCY: '5',
        WEBHOOK_WORKER_CONCURRENCY: '20',
        WEBHOOK_RETRY_SCHEDULE: '1h',
      },
    });
    hanging = await Receiver.start(() => 'hang');
    healthy = await Receiver.start();
  });
  afterAll(async () => {
    // Closing the hanging receiver ends its in-flight attempts, so the app can shut down promptly.
    await hanging.close();
    await healthy.close();
    await t.close();
  });

  it('a hanging endpoint with 100 pending deliveries does not delay another endpoint', async () => {
    const a = await signup(t.url);
    const b = await signup(t.url);
    const epA = await client(t.url, a.token).post('/v1/webhook-endpoints', {
      url: hanging.url,
      status: 'active',
    });
    const epB = await client(t.url, b.token).post('/v1/webhook-endpoints', {
      url: healthy.url,
      status: 'active',
    });
    const publisher = t.app.get(WebhookPublisher);
    for (let i = 0; i < 100; i++) {
      await publisher.publish({
        workspaceId: a.workspaceId,
        type: 'testing.testEvent',
        data: { i },
        idempotencyKey: `a${i}`,
      });
    }
    // The hanging endpoint holds its full share of attempts, and no more.
    await eventually(async () => hanging.inFlight === 5);

    const pub = await publisher.publish({
      workspaceId: b.workspaceId,
      type: 'testing.testEvent',
      data: {},
      idempotencyKey: 'b',
    });
    // Delivered while every attempt to the hanging endpoint is still waiting on its 8 s deadline.
    await eventually(async () => healthy.forMessage(pub.messageId).length === 1, 6000);
    verify(epB.body.signing_secret, healthy.requests[0]);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending' AND attempt_count = 0`,
      [epA.body.id],
    );
    expect(rows[0].n).toBeGreaterThanOrEqual(90);
    expect(hanging.maxInFlight).toBe(5);
    expect(hanging.requests).toHaveLength(5);
  });
});
