import { BuiltService, ServiceRun, buildService } from '../support/built-service';
import { client, eventually, signup } from '../support/http';
import { TestApp, createTestApp } from '../support/test-app';
import { WebhookPublisher } from '../../src/delivery/webhook-publisher.service';
import { Receiver, verify } from './delivery-receiver';

/**
 * Issue 4's "a worker process killed mid-attempt": a real `node dist/src/main.js` worker is
 * SIGKILLed while its requests hang at the receiver, and another worker still gets every message
 * through, from what Postgres remembers (leases run out, the sweeper re-queues, dead semaphore
 * slots expire).
 */
const N = 10;
const WEBHOOK_ENV = {
  WEBHOOK_TIMEOUT_MS: '1500',
  WEBHOOK_SWEEP_INTERVAL: '500ms',
  WEBHOOK_RETRY_SCHEDULE: '200ms,200ms,200ms',
  // Below N, so the killed worker dies holding some deliveries and has only postponed the rest.
  WEBHOOK_ENDPOINT_CONCURRENCY: '3',
  WEBHOOK_ALLOW_HTTP_URLS: 'true',
  WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
};

describe('delivery: a worker process SIGKILLed mid-attempt (e2e)', () => {
  let built: BuiltService;
  let t: TestApp | undefined;
  let w2: TestApp | undefined;
  let rx: Receiver | undefined;
  let w1: ServiceRun | undefined;

  beforeAll(async () => {
    built = await buildService('mk-worker-kill-');
  }, 90_000);

  afterAll(async () => {
    // Kill first, so nothing keeps sending while the rest closes; and on a failure too.
    if (w1 && w1.child.exitCode === null && w1.child.signalCode === null) w1.child.kill('SIGKILL');
    await built?.cleanup();
    await w2?.close();
    await rx?.close();
    await t?.close();
  });

  it('another worker delivers every message, the cut ones with the same webhook-id, none twice after success', async () => {
    t = await createTestApp({ env: { MAILKATANA_ROLE: 'api', ...WEBHOOK_ENV } });
    // The first request for each webhook-id hangs (never answered), every later one gets a 204.
    const hungOnce = new Set<string>();
    rx = await Receiver.start((_, r) => {
      const id = String(r.headers['webhook-id']);
      if (hungOnce.has(id)) return { status: 204 };
      hungOnce.add(id);
      return 'hang';
    });
    const receiver = rx;
    const s = await signup(t.url);
    const api = client(t.url, s.token);
    const ep = await api.post('/v1/webhook-endpoints', { url: receiver.url, status: 'active' });
    expect(ep.status).toBe(201);
    const secret = ep.body.signing_secret as string;

    const publisher = t.app.get(WebhookPublisher);
    const pubs = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        publisher.publish({
          workspaceId: s.workspaceId,
          type: 'testing.testEvent',
          data: { i },
          idempotencyKey: `kill-${i}`,
        }),
      ),
    );
    expect(pubs.every((p) => p.deliveryIds.length === 1)).toBe(true);
    // The API role only enqueues: nothing is sent until a worker runs.
    expect(receiver.requests).toHaveLength(0);

    const childEnv = {
      NODE_ENV: 'test',
      MAILKATANA_ROLE: 'worker',
      DATABASE_URL: t.config.databaseUrl,
      REDIS_URL: t.config.redisUrl,
      SECRETS_KEY: t.config.secretsKey.toString('base64'),
      PORT: '0',
      HOST: '127.0.0.1',
      ...WEBHOOK_ENV,
    };
    const run = built.start(childEnv);
    w1 = run;
    const why = () => `worker stdout:\n${run.stdout()}\nworker stderr:\n${run.stderr()}`;
    await eventually(async () => {
      if (run.child.exitCode !== null) throw new Error(`the worker exited early\n${why()}`);
      return receiver.inFlight >= 1;
    }, 30_000);

    // Mid-attempt: its requests are open at the receiver and nothing of them is recorded yet.
    run.child.kill('SIGKILL');
    expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The kernel closes the dead worker's sockets; once they are gone, every request it got out
    // has arrived, so the requests so far are exactly the killed worker's.
    await eventually(async () => receiver.inFlight === 0);
    const cut = new Set(receiver.requests.map((r) => String(r.headers['webhook-id'])));
    const cutCount = receiver.requests.length;
    expect(cut.size).toBeGreaterThanOrEqual(1);
    expect(cut.size).toBeLessThanOrEqual(3); // the endpoint's cap held in the dead worker too
    expect(cutCount).toBe(cut.size); // one request per message before the kill
    const { rows: recorded } = await t.db.query(`SELECT count(*)::int AS n FROM webhook_attempts`);
    expect(recorded[0].n).toBe(0);

    w2 = await createTestApp({
      database: { url: t.config.databaseUrl },
      env: { MAILKATANA_ROLE: 'worker', ...WEBHOOK_ENV },
    });

    // Every delivery succeeded, and no attempt is still open at the receiver: then nothing more
    // can be sent (an attempt is only leased while pending), so the counts below are final.
    await eventually(
      async () => {
        const { rows } = await t!.db.query(
          `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'succeeded'`,
        );
        return rows[0].n === N && receiver.inFlight === 0;
      },
      30_000,
      100,
    );

    for (const p of pubs) {
      const got = receiver.forMessage(p.messageId);
      // One request that hung (cut by the kill, or timed out at the new worker), then one 204.
      expect(got).toHaveLength(2);
      for (const r of got) {
        expect(r.headers['webhook-id']).toBe(p.messageId);
        expect(verify(secret, r)).toMatchObject({ type: 'testing.testEvent', data: { i: pubs.indexOf(p) } });
      }
      expect(got[0].body).toBe(got[1].body);

      const d = (await api.get(`/v1/webhook-deliveries/${p.deliveryIds[0]}`)).body;
      expect(d).toMatchObject({ status: 'succeeded', message_id: p.messageId, next_attempt_at: null });
      if (cut.has(p.messageId)) {
        // The killed worker recorded nothing; its delivery went out again at the same step.
        expect(d.attempts).toEqual([expect.objectContaining({ status_code: 204, error: null })]);
        expect(d.attempt_count).toBe(1);
      } else {
        expect(d.attempts).toEqual([
          expect.objectContaining({ status_code: null, error: expect.stringMatching(/timeout/i) }),
          expect.objectContaining({ status_code: 204, error: null }),
        ]);
        expect(d.attempt_count).toBe(2);
      }
    }
    // N hung requests (cut or timed out) and N answered ones: no message was sent again after its success.
    expect(receiver.requests).toHaveLength(2 * N);
  }, 60_000);
});
