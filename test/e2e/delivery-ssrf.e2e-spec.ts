import { TestApp, createTestApp } from '../support/test-app';
import { client, eventually, signup } from '../support/http';
import { URL_RESOLVER } from '../../src/webhook-endpoints/url-policy/url-policy';
import { WebhookPublisher } from '../../src/delivery/webhook-publisher.service';
import { Receiver } from './delivery-receiver';

/** The dialler checks the address it actually connects to, on every attempt, not only at create. */
describe('delivery dialler (e2e)', () => {
  const dns = new Map<string, string[]>();
  const resolver = async (host: string) => {
    const a = dns.get(host);
    if (!a) throw new Error(`ENOTFOUND ${host}`);
    return a;
  };
  let rx: Receiver;
  beforeAll(async () => {
    rx = await Receiver.start();
  });
  afterAll(() => rx.close());

  const port = () => new URL(rx.url).port;

  describe('private addresses not allowed', () => {
    let t: TestApp;
    let api: ReturnType<typeof client>;
    beforeAll(async () => {
      t = await createTestApp({
        env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'false', WEBHOOK_RETRY_SCHEDULE: '200ms' },
        overrides: [{ provide: URL_RESOLVER, useValue: resolver }],
      });
      api = client(t.url, (await signup(t.url)).token);
    });
    afterAll(() => t.close());

    const forbidden = [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '198.18.0.1',
      '240.0.0.1',
      '224.0.0.1',
      '::1',
      'fc00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '64:ff9b::a00:1',
      '2002:7f00:1::',
    ];

    it('refuses every forbidden address at connect time, for a name whose answer changed after create', async () => {
      const host = 'rebind.example.test';
      dns.set(host, ['93.184.216.34']);
      const created = await api.post('/v1/webhook-endpoints', {
        url: `http://${host}:${port()}/hook`,
        status: 'active',
      });
      expect(created.status).toBe(201);
      for (const address of forbidden) {
        dns.set(host, [address]);
        const r = await api.post(`/v1/webhook-endpoints/${created.body.id}/send-test`);
        expect(r.status).toBe(200);
        expect(r.body.success).toBe(false);
        expect(r.body.delivery.last_attempt).toMatchObject({ status_code: null });
        expect(r.body.delivery.last_attempt.error).toMatch(/^refused address /);
        // Wait out the per-endpoint test limit rather than trip it.
        if ((forbidden.indexOf(address) + 1) % 10 === 0) await t.redis.del(`rl:send-test:${created.body.id}`);
      }
      // One bad answer among good ones is enough to refuse.
      dns.set(host, ['93.184.216.34', '127.0.0.1']);
      const mixed = await api.post(`/v1/webhook-endpoints/${created.body.id}/send-test`);
      expect(mixed.body.delivery.last_attempt.error).toMatch(/^refused address /);
      expect(rx.requests).toHaveLength(0);
    });

    it('refuses it on scheduled attempts too, and an unresolvable name fails as a dns error', async () => {
      const host = 'later.example.test';
      const s = await signup(t.url);
      const c = client(t.url, s.token);
      const created = await c.post('/v1/webhook-endpoints', {
        url: `http://${host}:${port()}/hook`,
        status: 'active',
      });
      expect(created.status).toBe(201); // unresolvable at create: accepted
      const pub = await t.app
        .get(WebhookPublisher)
        .publish({ workspaceId: s.workspaceId, type: 'testing.testEvent', data: {}, idempotencyKey: 'k' });
      const first = await eventually(async () => {
        const d = (await c.get(`/v1/webhook-deliveries/${pub.deliveryIds[0]}`)).body;
        return d.attempt_count >= 1 ? d : null;
      });
      expect(first.attempts[0]).toMatchObject({ status_code: null, error: `dns lookup failed: ${host}` });
      dns.set(host, ['10.0.0.7']);
      const done = await eventually(async () => {
        const d = (await c.get(`/v1/webhook-deliveries/${pub.deliveryIds[0]}`)).body;
        return d.status === 'failed' ? d : null;
      });
      expect(done.attempts[1]).toMatchObject({
        status_code: null,
        error: 'refused address 10.0.0.7 (private)',
      });
      expect(rx.requests).toHaveLength(0);
    });
  });

  describe('private addresses allowed (on-premise receivers)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ overrides: [{ provide: URL_RESOLVER, useValue: resolver }] });
    });
    afterAll(() => t.close());

    it('reaches a loopback receiver but never the cloud metadata address', async () => {
      // The receiver closes each connection, so the next attempt dials (and checks) afresh; a kept-alive
      // connection would go on to the address checked when it was opened, which is just as safe.
      const onprem = await Receiver.start(() => ({ status: 200, headers: { connection: 'close' } }));
      try {
        const api = client(t.url, (await signup(t.url)).token);
        const host = 'onprem.example.test';
        dns.set(host, ['127.0.0.1']);
        const ep = await api.post('/v1/webhook-endpoints', {
          url: `http://${host}:${new URL(onprem.url).port}/hook`,
          status: 'active',
        });
        expect(ep.status).toBe(201);
        expect((await api.post(`/v1/webhook-endpoints/${ep.body.id}/send-test`)).body.success).toBe(true);
        expect(onprem.requests).toHaveLength(1);
        dns.set(host, ['169.254.169.254']);
        const r = await api.post(`/v1/webhook-endpoints/${ep.body.id}/send-test`);
        expect(r.body.success).toBe(false);
        expect(r.body.delivery.last_attempt.error).toMatch(/^refused address 169\.254\.169\.254/);
        expect(onprem.requests).toHaveLength(1);
      } finally {
        await onprem.close();
      }
    });
  });
});
