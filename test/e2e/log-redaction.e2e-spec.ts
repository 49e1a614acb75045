import { client, request, signup } from '../support/http';
import { TestApp, createTestApp } from '../support/test-app';

// Every line the service logs (request logs included) is read back: no password, token, cookie,
// CSRF token or signing secret may appear in any of them.
describe('logs never carry credentials or secrets', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ captureLogs: true });
  });
  afterAll(() => t.close());

  it('redacts across signup, login, cookie writes, endpoint secrets and Stripe settings', async () => {
    const s = await signup(t.url, { password: 'a very made-up password 123' });
    const login = await request(t.url, 'POST', '/v1/auth/login', { email: s.email, password: s.password });
    expect(login.status).toBe(200);
    const api = client(t.url, s.token);
    const created = await api.post('/v1/webhook-endpoints', { url: 'https://hooks.example.test/a' });
    expect(created.status).toBe(201);
    const rotated = await client(t.url).post(
      `/v1/webhook-endpoints/${created.body.id}/signing-secret`,
      {},
      {
        cookie: s.cookie,
        csrf: s.csrf,
      },
    );
    expect(rotated.status).toBe(200);
    const stripeSecret = 'whsec_logRedactionMadeUpSecret42';
    expect(
      (await api.patch('/v1/settings/integrations/stripe', { signing_secret: stripeSecret })).status,
    ).toBe(200);
    await api.get('/v1/webhook-endpoints');

    const text = t.logs.map((l) => JSON.stringify(l)).join('\n');
    expect(t.logs.filter((l) => l.msg === 'request completed').length).toBeGreaterThanOrEqual(6);
    for (const secret of [
      s.password,
      s.token,
      login.body.session.token,
      s.csrf,
      s.cookie.split('=')[1]!,
      created.body.signing_secret,
      rotated.body.signing_secret,
      stripeSecret,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });
});
