import { redisUrlForWorker } from '../support/env';
import { client, eventually, request, signup } from '../support/http';
import { TcpProxy, createTcpProxy } from '../support/tcp-proxy';
import { TestApp, createTestApp } from '../support/test-app';
import { cloneTestDatabase } from '../support/test-db';

/** Points a URL at the proxy instead of the real service, keeping the path (database name or db index). */
const via = (url: string, proxy: TcpProxy): string => {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
};

function expectUnavailable(r: { status: number; headers: Headers; body: any }): void {
  expect(r.status).toBe(503);
  expect(r.body.error).toMatchObject({
    code: 'service_unavailable',
    request_id: r.headers.get('x-request-id'),
  });
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  // No driver internals in the body.
  expect(JSON.stringify(r.body)).not.toMatch(/ECONN|SELECT|stack|pg_/i);
}

describe('Postgres unreachable (e2e, through a TCP proxy)', () => {
  let pg: TcpProxy;
  let t: TestApp;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await cloneTestDatabase();
    drop = db.drop;
    pg = await createTcpProxy(Number(new URL(db.url).port || 5432));
    t = await createTestApp({ database: { url: via(db.url, pg) } });
  });
  afterAll(async () => {
    await t?.close();
    await pg?.close();
    await drop?.();
  });

  it('answers 503 on /health and the API while Postgres is away, and serves again once it is back', async () => {
    const s = await signup(t.url);
    expect((await request(t.url, 'GET', '/health')).status).toBe(200);

    pg.cut();
    const health = await request(t.url, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.info?.redis?.status ?? health.body.details?.redis?.status).toBe('up');

    expectUnavailable(await client(t.url, s.token).get('/v1/auth/session'));
    expectUnavailable(
      await request(t.url, 'POST', '/v1/auth/login', { email: s.email, password: s.password }),
    );
    expectUnavailable(
      await request(t.url, 'POST', '/v1/auth/signup', {
        email: 'down@example.test',
        password: 'long enough password',
        workspace_name: 'Down',
      }),
    );

    pg.restore();
    await eventually(async () => (await request(t.url, 'GET', '/health')).status === 200);
    const me = await client(t.url, s.token).get('/v1/auth/session');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(s.userId);
  });
});

describe('Redis unreachable (e2e, through a TCP proxy)', () => {
  let redis: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    redis = await createTcpProxy(Number(new URL(redisUrlForWorker()).port || 6379));
    t = await createTestApp({
      env: { REDIS_URL: via(redisUrlForWorker(), redis), AUTH_SIGNUP_LIMIT_PER_HOUR: '30' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.close();
  });

  it('login and signup answer 503 (not 500, not a hang) while the rate-limit counters are away', async () => {
    const s = await signup(t.url);
    redis.cut();
    const health = await request(t.url, 'GET', '/health');
    expect(health.status).toBe(503);

    expectUnavailable(
      await request(t.url, 'POST', '/v1/auth/login', { email: s.email, password: s.password }),
    );
    expectUnavailable(
      await request(t.url, 'POST', '/v1/auth/signup', {
        email: 'redis-down@example.test',
        password: 'long enough password',
        workspace_name: 'Down',
      }),
    );
    // Routes that need no counters keep working on Postgres alone.
    expect((await client(t.url, s.token).get('/v1/auth/session')).status).toBe(200);

    redis.restore();
    await eventually(async () => (await request(t.url, 'GET', '/health')).status === 200);
    const login = await request(t.url, 'POST', '/v1/auth/login', { email: s.email, password: s.password });
    expect(login.status).toBe(200);
  });
});
