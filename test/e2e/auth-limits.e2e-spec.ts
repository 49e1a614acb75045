import { request, signup } from '../support/http';
import { TestApp, createTestApp, flushRedis } from '../support/test-app';

/** Counters are per IP, and every test request comes from 127.0.0.1: start and end each app on an empty Redis db. */
describe('login lockout and per-IP limits (e2e)', () => {
  let t: TestApp;
  beforeEach(async () => {
    await flushRedis();
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
    await flushRedis();
  });

  it('locks one email from one IP after 10 failures, the right password included, with retry-after', async () => {
    const s = await signup(t.url);
    const other = await signup(t.url);
    for (let i = 0; i < 10; i++) {
      const r = await request(t.url, 'POST', '/v1/auth/login', {
        email: s.email,
        password: `wrong password ${i}`,
      });
      expect(r.status).toBe(401);
    }
    const locked = await request(t.url, 'POST', '/v1/auth/login', { email: s.email, password: s.password });
    expect(locked.status).toBe(429);
    expect(locked.body.error).toMatchObject({
      code: 'rate_limited',
      request_id: locked.headers.get('x-request-id'),
    });
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // The email in another case is the same account, so it is locked too.
    expect(
      (await request(t.url, 'POST', '/v1/auth/login', { email: s.email.toUpperCase(), password: s.password }))
        .status,
    ).toBe(429);
    // Another email from the same IP is not locked.
    expect(
      (await request(t.url, 'POST', '/v1/auth/login', { email: other.email, password: other.password }))
        .status,
    ).toBe(200);
    // The lockout lives in Redis: a second process of the same deployment sees it.
    const second = await createTestApp({ database: { url: t.config.databaseUrl } });
    try {
      expect(
        (await request(second.url, 'POST', '/v1/auth/login', { email: s.email, password: s.password }))
          .status,
      ).toBe(429);
    } finally {
      await second.close();
    }
    // Once the window passes (expire the counter), the right password works again.
    const keys = await t.redis.keys('rl:login:fail:*');
    expect(keys).toHaveLength(1);
    await t.redis.del(keys[0]!);
    expect(
      (await request(t.url, 'POST', '/v1/auth/login', { email: s.email, password: s.password })).status,
    ).toBe(200);
  });

  it('does not count successes towards the lockout', async () => {
    const s = await signup(t.url);
    for (let i = 0; i < 12; i++) {
      expect(
        (await request(t.url, 'POST', '/v1/auth/login', { email: s.email, password: s.password })).status,
      ).toBe(200);
    }
  });

  it('allows 100 login attempts per IP per minute, then 429 with retry-after', async () => {
    const s = await signup(t.url);
    // 100 attempts on distinct unknown emails, so the per-email lockout never triggers first.
    for (let batch = 0; batch < 10; batch++) {
      const rs = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          request(t.url, 'POST', '/v1/auth/login', {
            email: `nobody${batch * 10 + i}@example.test`,
            password: 'wrong password',
          }),
        ),
      );
      for (const r of rs) expect(r.status).toBe(401);
    }
    const r = await request(t.url, 'POST', '/v1/auth/login', { email: s.email, password: s.password });
    expect(r.status).toBe(429);
    expect(r.body.error.code).toBe('rate_limited');
    const retryAfter = Number(r.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });
});

describe('signup limit per IP (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    await flushRedis();
    t = await createTestApp({ env: { AUTH_SIGNUP_LIMIT_PER_HOUR: '2' } });
  });
  afterAll(async () => {
    await t.close();
    await flushRedis();
  });

  it('answers 429 rate_limited with retry-after after AUTH_SIGNUP_LIMIT_PER_HOUR signups', async () => {
    await signup(t.url);
    await signup(t.url);
    const r = await request(t.url, 'POST', '/v1/auth/signup', {
      email: 'third@example.test',
      password: 'long enough password',
      workspace_name: 'Third',
    });
    expect(r.status).toBe(429);
    expect(r.body.error.code).toBe('rate_limited');
    const retryAfter = Number(r.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(59 * 60);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM users WHERE email = 'third@example.test'`,
    );
    expect(rows[0].n).toBe(0);
  });
});
