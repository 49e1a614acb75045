import { request, signup } from '../support/http';
import { TestApp, createTestApp } from '../support/test-app';

describe('operations (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('GET /health reports Postgres and Redis up, without a session', async () => {
    const r = await request(t.url, 'GET', '/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('GET /metrics serves Prometheus text without a token when METRICS_TOKEN is unset', async () => {
    const r = await request(t.url, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(r.text).toMatch(/^# HELP mailkatana_/m);
    expect(r.text).toContain('mailkatana_process_cpu_user_seconds_total');
  });

  it('GET /docs-json serves an OpenAPI document listing the auth routes', async () => {
    const r = await request(t.url, 'GET', '/docs-json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\./);
    expect(r.body.info.title).toBe('MailKatana Webhooks');
    const paths = r.body.paths;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/v1/auth/signup',
        '/v1/auth/login',
        '/v1/auth/logout',
        '/v1/auth/session',
        '/health',
      ]),
    );
    expect(paths['/v1/auth/signup'].post).toBeDefined();
    expect(paths['/v1/auth/session'].get).toBeDefined();
    // Generated from the DTOs.
    const signupSchema = r.body.components.schemas.SignupDto;
    expect(Object.keys(signupSchema.properties)).toEqual(
      expect.arrayContaining(['email', 'password', 'workspace_name']),
    );
  });

  it('GET /docs serves the OpenAPI UI', async () => {
    const r = await fetch(`${t.url}/docs`, { redirect: 'follow' });
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/swagger/i);
  });
});

describe('operations with METRICS_TOKEN (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { METRICS_TOKEN: 'scrape-me-example-token' } });
  });
  afterAll(() => t.close());

  it('GET /metrics needs the token as a bearer', async () => {
    for (const token of [undefined, 'wrong', 'scrape-me-example-token-but-longer']) {
      const r = await request(t.url, 'GET', '/metrics', undefined, { token });
      expect(r.status).toBe(401);
      expect(r.body.error).toMatchObject({
        code: 'unauthenticated',
        request_id: r.headers.get('x-request-id'),
      });
    }
    const ok = await request(t.url, 'GET', '/metrics', undefined, { token: 'scrape-me-example-token' });
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(/^# HELP /m);
  });

  it('a user session is not a metrics token', async () => {
    const s = await signup(t.url);
    expect((await request(t.url, 'GET', '/metrics', undefined, { token: s.token })).status).toBe(401);
  });

  it('/health stays open', async () => {
    expect((await request(t.url, 'GET', '/health')).status).toBe(200);
  });
});

describe('worker role (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAILKATANA_ROLE: 'worker' } });
  });
  afterAll(() => t.close());

  it('serves only /health and /metrics', async () => {
    expect((await request(t.url, 'GET', '/health')).status).toBe(200);
    expect((await request(t.url, 'GET', '/metrics')).status).toBe(200);
    const r = await request(t.url, 'POST', '/v1/auth/signup', {
      email: 'w@example.test',
      password: 'long enough password',
      workspace_name: 'W',
    });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });
});
