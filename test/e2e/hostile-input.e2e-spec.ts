import Stripe from 'stripe';
import { client, request, signup } from '../support/http';
import { TestApp, createTestApp } from '../support/test-app';

// Found by trying to break the service as a user would: each of these once answered 500 (or took
// what it should refuse). Every one must be a 4xx in the contract's shape.
describe('hostile input is refused in the contract shape, never a 500', () => {
  let t: TestApp;
  let owner: Awaited<ReturnType<typeof signup>>;
  let endpointId: string;
  const secret = 'whsec_hostileInputMadeUpSecret';
  let hookPath: string;
  const stripe = new Stripe('sk_test_x');

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signup(t.url);
    const api = client(t.url, owner.token);
    endpointId = (await api.post('/v1/webhook-endpoints', { url: 'https://hooks.example.test/h' })).body.id;
    const integ = await api.patch('/v1/settings/integrations/stripe', {
      enabled: true,
      signing_secret: secret,
    });
    hookPath = new URL(integ.body.webhook_url).pathname;
  });
  afterAll(() => t.close());

  const expect400 = (r: { status: number; body: any; headers: Headers }) => {
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation_failed');
    expect(r.body.error.request_id).toBe(r.headers.get('x-request-id'));
    expect(r.body.error.details?.length).toBeGreaterThan(0);
  };

  it('refuses NUL characters and unpaired surrogates in body strings', async () => {
    const api = client(t.url, owner.token);
    expect400(
      await request(t.url, 'POST', '/v1/auth/signup', undefined, {
        raw: '{"email":"x@example.test","password":"a very long password 123","workspace_name":"a\\u0000b"}',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect400(
      await request(t.url, 'POST', '/v1/auth/login', undefined, {
        raw: '{"email":"n\\u0000ul@example.test","password":"a very long password 123"}',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect400(
      await api.post('/v1/webhook-endpoints', { url: 'https://example.com/', description: 'a\u0000b' }),
    );
    expect400(await api.patch(`/v1/webhook-endpoints/${endpointId}`, { description: 'x\ud800y' }));
  });

  it('refuses NUL in the path or the query', async () => {
    const api = client(t.url, owner.token);
    for (const p of [
      '/v1/webhook-endpoints/%00',
      '/v1/webhook-deliveries/%00',
      '/v1/contacts/%00',
      '/v1/contacts/%00/events',
      '/v1/contacts?email=a%00b',
    ]) {
      expect400(await api.get(p));
    }
  });

  it('refuses null where the contract gives a type', async () => {
    const api = client(t.url, owner.token);
    expect400(await api.patch('/v1/settings/integrations/stripe', { enabled: null }));
    expect400(await api.post('/v1/webhook-endpoints', { url: 'https://example.com/', status: null }));
    expect400(await api.patch(`/v1/webhook-endpoints/${endpointId}`, { status: null }));
    expect400(await api.patch(`/v1/webhook-endpoints/${endpointId}`, { event_types: null }));
    expect400(
      await api.post(`/v1/webhook-endpoints/${endpointId}/signing-secret`, { grace_period_seconds: null }),
    );
    // description: null is the documented way to clear it.
    expect((await api.patch(`/v1/webhook-endpoints/${endpointId}`, { description: null })).status).toBe(200);
  });

  it('refuses absurdly nested bodies before anything walks them', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expect400(
      await request(t.url, 'POST', '/v1/webhook-endpoints', undefined, {
        token: owner.token,
        raw: `{"url":"https://example.com/","description":${deep}}`,
        headers: { 'content-type': 'application/json' },
      }),
    );
  });

  it('takes application/json only', async () => {
    const r = await request(t.url, 'POST', '/v1/auth/signup', undefined, {
      raw: '{}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('unsupported_media_type');
  });

  it('reads limit as digits only', async () => {
    const api = client(t.url, owner.token);
    for (const l of ['1e1', '%201', '0x10', '2.0'])
      expect400(await api.get(`/v1/webhook-endpoints?limit=${l}`));
    expect((await api.get('/v1/webhook-endpoints?limit=5')).status).toBe(200);
  });

  it('answers a signed Stripe event with a NUL in its id or type, nested absurdly deep, or a number beyond any range, with invalid_payload', async () => {
    const send = (payload: string) =>
      request(t.url, 'POST', hookPath, undefined, {
        raw: payload,
        headers: {
          'content-type': 'application/json',
          'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret }),
        },
      });
    const base = {
      object: 'event',
      created: 1764770000,
      livemode: false,
      data: { object: { id: 'cus_Hostile1', object: 'customer' } },
    };
    const bodies = [
      JSON.stringify({ ...base, id: 'evt_Hostile\u0000x', type: 'customer.created' }),
      JSON.stringify({ ...base, id: 'evt_Hostile2', type: 'customer.created\u0000' }),
      JSON.stringify({ ...base, id: 'evt_Hostile3', type: 'customer.created' }).replace(
        '"object":"customer"',
        `"object":"customer","metadata":${'['.repeat(20000)}${']'.repeat(20000)}`,
      ),
      // Valid JSON (JavaScript reads Infinity), beyond what Postgres' numeric can hold.
      JSON.stringify({ ...base, id: 'evt_Hostile5', type: 'customer.created' }).replace(
        '"object":"customer"',
        '"object":"customer","balance":1e400000',
      ),
    ];
    for (const b of bodies) {
      const r = await send(b);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_payload');
    }
    // A NUL inside the object is fine: archived, the queryable copy sanitized.
    const ok = await send(
      JSON.stringify({
        ...base,
        id: 'evt_Hostile4',
        type: 'customer.created',
        data: { object: { id: 'cus_H4', name: 'a\u0000b' } },
      }),
    );
    expect(ok.status).toBe(200);
  });

  it('re-sets the cookie attributes when logging out', async () => {
    const s = await signup(t.url);
    const r = await client(t.url, s.token).post('/v1/auth/logout');
    expect(r.status).toBe(204);
    expect(r.headers.get('set-cookie')).toMatch(/mk_session=;.*HttpOnly.*SameSite=Lax/i);
  });
});
