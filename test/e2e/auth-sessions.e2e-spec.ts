import { client, request, signup } from '../support/http';
import { TestApp, createTestApp } from '../support/test-app';

const WRONG = 'email, password or workspace is not right';

describe('auth sessions (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe('signup', () => {
    it('creates a user, a workspace, an owner membership and a session, and sets the session cookie', async () => {
      const r = await request(t.url, 'POST', '/v1/auth/signup', {
        email: '  Ada.Lovelace@Example.TEST ',
        password: 'correct horse battery staple',
        workspace_name: 'Analytical',
      });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        user: { id: expect.stringMatching(/^usr_[0-9a-z]{26}$/), email: 'ada.lovelace@example.test' },
        workspace: { id: expect.stringMatching(/^ws_[0-9a-z]{26}$/), name: 'Analytical' },
        role: 'owner',
        session: {
          token: expect.any(String),
          csrf_token: expect.any(String),
          expires_at: expect.any(String),
        },
      });
      expect(JSON.stringify(r.body)).not.toContain('password');
      const expires = Date.parse(r.body.session.expires_at);
      expect(expires - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
      expect(expires - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
      const cookie = r.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^mk_session=/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).not.toMatch(/Secure/i); // the public URL is http here
      // The token is stored hashed, never as sent.
      const { rows } = await t.db.query('SELECT token_hash FROM sessions WHERE user_id = $1', [
        r.body.user.id,
      ]);
      expect(rows).toHaveLength(1);
      expect(Buffer.from(rows[0].token_hash).toString()).not.toContain(r.body.session.token);
      const { rows: users } = await t.db.query('SELECT password_hash FROM users WHERE id = $1', [
        r.body.user.id,
      ]);
      expect(users[0].password_hash).toMatch(/^scrypt\$/);
    });

    it('refuses an email already taken in another case with 409 conflict', async () => {
      const s = await signup(t.url, { email: 'grace.hopper@example.test' });
      const again = await request(t.url, 'POST', '/v1/auth/signup', {
        email: 'GRACE.Hopper@EXAMPLE.test',
        password: 'another long password',
        workspace_name: 'Again',
      });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('conflict');
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM workspaces');
      expect(rows[0].n).toBeGreaterThan(0);
      const { rows: mine } = await t.db.query(
        'SELECT count(*)::int AS n FROM memberships WHERE user_id = $1',
        [s.userId],
      );
      expect(mine[0].n).toBe(1);
    });

    it.each([
      [
        'email',
        'not an email',
        { email: 'not-an-email', password: 'long enough password', workspace_name: 'W' },
      ],
      ['password', 'too short', { email: 'short@example.test', password: 'too short', workspace_name: 'W' }],
      [
        'password',
        'too long',
        { email: 'long@example.test', password: 'x'.repeat(1025), workspace_name: 'W' },
      ],
      [
        'workspace_name',
        'blank',
        { email: 'nows@example.test', password: 'long enough password', workspace_name: '  ' },
      ],
      ['workspace_name', 'missing', { email: 'missing@example.test', password: 'long enough password' }],
    ])('rejects a bad %s (%s) naming the field', async (field, _why, body) => {
      const r = await request(t.url, 'POST', '/v1/auth/signup', body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      expect(r.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('accepts a 12-character password', async () => {
      const r = await request(t.url, 'POST', '/v1/auth/signup', {
        email: 'twelve@example.test',
        password: '123456789012',
        workspace_name: 'W',
      });
      expect(r.status).toBe(201);
    });
  });

  describe('login', () => {
    it('logs in with the right password (any email case) and opens a new session', async () => {
      const s = await signup(t.url);
      const r = await request(t.url, 'POST', '/v1/auth/login', {
        email: s.email.toUpperCase(),
        password: s.password,
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        user: { id: s.userId },
        workspace: { id: s.workspaceId },
        role: 'owner',
      });
      expect(r.body.session.token).not.toBe(s.token);
      expect(r.headers.get('set-cookie')).toMatch(/^mk_session=/);
      expect((await client(t.url, r.body.session.token).get('/v1/auth/session')).status).toBe(200);
    });

    it('answers a wrong password, an unknown email and a foreign workspace_id with the same 401', async () => {
      const s = await signup(t.url);
      const other = await signup(t.url);
      const attempts = await Promise.all([
        request(t.url, 'POST', '/v1/auth/login', { email: s.email, password: 'wrong password here' }),
        request(t.url, 'POST', '/v1/auth/login', { email: 'nobody@example.test', password: s.password }),
        request(t.url, 'POST', '/v1/auth/login', {
          email: s.email,
          password: s.password,
          workspace_id: other.workspaceId,
        }),
        request(t.url, 'POST', '/v1/auth/login', {
          email: s.email,
          password: s.password,
          workspace_id: 'ws_nonexistent',
        }),
      ]);
      for (const r of attempts) {
        expect(r.status).toBe(401);
        expect(r.body.error).toEqual({
          code: 'unauthenticated',
          message: WRONG,
          request_id: r.headers.get('x-request-id'),
        });
        expect(r.headers.get('set-cookie')).toBeNull();
      }
    });

    it('picks the named workspace when the user belongs to several, with that role', async () => {
      const owner = await signup(t.url);
      const joiner = await signup(t.url);
      await t.db.query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'member')`, [
        owner.workspaceId,
        joiner.userId,
      ]);
      const r = await request(t.url, 'POST', '/v1/auth/login', {
        email: joiner.email,
        password: joiner.password,
        workspace_id: owner.workspaceId,
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ workspace: { id: owner.workspaceId }, role: 'member' });
      const me = await client(t.url, r.body.session.token).get('/v1/auth/session');
      expect(me.body).toMatchObject({
        workspace: { id: owner.workspaceId },
        role: 'member',
        user: { id: joiner.userId },
      });
      // Without workspace_id: the first workspace joined (their own).
      const first = await request(t.url, 'POST', '/v1/auth/login', {
        email: joiner.email,
        password: joiner.password,
      });
      expect(first.body).toMatchObject({ workspace: { id: joiner.workspaceId }, role: 'owner' });
    });
  });

  describe('sessions', () => {
    it('GET /v1/auth/session returns user, workspace, role, expires_at and csrf_token', async () => {
      const s = await signup(t.url);
      const r = await client(t.url, s.token).get('/v1/auth/session');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        user: { id: s.userId, email: s.email, created_at: expect.any(String) },
        workspace: { id: s.workspaceId, name: expect.any(String), created_at: expect.any(String) },
        role: 'owner',
        expires_at: s.body.session.expires_at,
        csrf_token: s.csrf,
      });
    });

    it('accepts the session as a bearer token or as the cookie', async () => {
      const s = await signup(t.url);
      expect((await request(t.url, 'GET', '/v1/auth/session', undefined, { token: s.token })).status).toBe(
        200,
      );
      expect((await request(t.url, 'GET', '/v1/auth/session', undefined, { cookie: s.cookie })).status).toBe(
        200,
      );
      expect(
        (
          await request(t.url, 'GET', '/v1/auth/session', undefined, {
            headers: { authorization: `bearer ${s.token}` },
          })
        ).status,
      ).toBe(200);
    });

    it('lets the bearer token decide: a bad bearer beside a good cookie is 401', async () => {
      const s = await signup(t.url);
      for (const authorization of [`Bearer mks_${'x'.repeat(43)}`, 'Bearer', 'Basic Zm9vOmJhcg==', '']) {
        const r = await request(t.url, 'GET', '/v1/auth/session', undefined, {
          cookie: s.cookie,
          headers: { authorization },
        });
        expect(r.status).toBe(401);
        expect(r.body.error.code).toBe('unauthenticated');
      }
    });

    it('refuses no session, garbage and unknown tokens with 401', async () => {
      for (const opts of [
        {},
        { token: 'nonsense' },
        { token: `mks_${'A'.repeat(43)}` },
        { cookie: 'mk_session=nonsense' },
      ]) {
        const r = await request(t.url, 'GET', '/v1/auth/session', undefined, opts);
        expect(r.status).toBe(401);
        expect(r.body.error.code).toBe('unauthenticated');
      }
    });

    it('refuses an expired session', async () => {
      const s = await signup(t.url);
      await t.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [
        s.userId,
      ]);
      const bearer = await client(t.url, s.token).get('/v1/auth/session');
      expect(bearer.status).toBe(401);
      expect((await request(t.url, 'GET', '/v1/auth/session', undefined, { cookie: s.cookie })).status).toBe(
        401,
      );
      // Using an expired session never revives it.
      const { rows } = await t.db.query(
        'SELECT expires_at < now() AS expired FROM sessions WHERE user_id = $1',
        [s.userId],
      );
      expect(rows[0].expired).toBe(true);
    });

    it('refuses a session revoked in the database', async () => {
      const s = await signup(t.url);
      await t.db.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1', [s.userId]);
      expect((await client(t.url, s.token).get('/v1/auth/session')).status).toBe(401);
    });

    it('ends a session whose membership was removed', async () => {
      const s = await signup(t.url);
      await t.db.query('DELETE FROM memberships WHERE user_id = $1', [s.userId]);
      expect((await client(t.url, s.token).get('/v1/auth/session')).status).toBe(401);
    });

    it('re-sets the cookie when a cookie session slides, and only then', async () => {
      const s = await signup(t.url);
      const ttl = 7 * 86_400_000;
      const fresh = await client(t.url).get('/v1/auth/session', { cookie: s.cookie });
      expect(fresh.status).toBe(200);
      expect(fresh.headers.get('set-cookie')).toBeNull();
      await t.db.query(`UPDATE sessions SET expires_at = now() + $2::interval WHERE user_id = $1`, [
        s.userId,
        `${ttl / 1000 - 7200} seconds`,
      ]);
      const slid = await client(t.url).get('/v1/auth/session', { cookie: s.cookie });
      const cookie = slid.headers.get('set-cookie') ?? '';
      expect(cookie).toContain(s.cookie);
      expect(cookie).toMatch(/HttpOnly/i);
      const expires = Date.parse(/Expires=([^;]+)/i.exec(cookie)![1]!);
      expect(Math.abs(expires - Date.parse(slid.body.expires_at))).toBeLessThan(1000);
    });

    it('slides the expiry, at most once an hour', async () => {
      const s = await signup(t.url);
      const ttl = 7 * 86_400_000;
      const expiresAt = async () =>
        new Date(
          (await t.db.query('SELECT expires_at FROM sessions WHERE user_id = $1', [s.userId])).rows[0]
            .expires_at,
        ).getTime();

      // Last pushed 30 minutes ago: left alone.
      await t.db.query(`UPDATE sessions SET expires_at = now() + $2::interval WHERE user_id = $1`, [
        s.userId,
        `${ttl / 1000 - 1800} seconds`,
      ]);
      const before = await expiresAt();
      const r1 = await client(t.url, s.token).get('/v1/auth/session');
      expect(r1.status).toBe(200);
      expect(await expiresAt()).toBe(before);
      expect(Date.parse(r1.body.expires_at)).toBe(before);

      // Last pushed two hours ago: pushed to a full TTL from now.
      await t.db.query(`UPDATE sessions SET expires_at = now() + $2::interval WHERE user_id = $1`, [
        s.userId,
        `${ttl / 1000 - 7200} seconds`,
      ]);
      const stale = await expiresAt();
      const startedAt = Date.now();
      const r2 = await client(t.url, s.token).get('/v1/auth/session');
      const pushed = await expiresAt();
      expect(pushed).toBeGreaterThan(stale + 3_600_000);
      expect(pushed).toBeGreaterThanOrEqual(startedAt + ttl - 1000);
      expect(Date.parse(r2.body.expires_at)).toBe(pushed);

      // Straight after a push: not pushed again.
      await client(t.url, s.token).get('/v1/auth/session');
      expect(await expiresAt()).toBe(pushed);
    });
  });

  describe('logout', () => {
    it('revokes the session at once, clears the cookie, and leaves other sessions alive', async () => {
      const s = await signup(t.url);
      const second = await request(t.url, 'POST', '/v1/auth/login', { email: s.email, password: s.password });
      const out = await client(t.url, s.token).post('/v1/auth/logout');
      expect(out.status).toBe(204);
      expect(out.text).toBe('');
      expect(out.headers.get('set-cookie')).toMatch(/^mk_session=;/);
      expect((await client(t.url, s.token).get('/v1/auth/session')).status).toBe(401);
      expect((await request(t.url, 'GET', '/v1/auth/session', undefined, { cookie: s.cookie })).status).toBe(
        401,
      );
      const { rows } = await t.db.query(
        'SELECT revoked_at FROM sessions WHERE user_id = $1 AND revoked_at IS NOT NULL',
        [s.userId],
      );
      expect(rows).toHaveLength(1);
      expect((await client(t.url, second.body.session.token).get('/v1/auth/session')).status).toBe(200);
      // Logging out twice: the session is gone.
      expect((await client(t.url, s.token).post('/v1/auth/logout')).status).toBe(401);
    });

    it('needs a session', async () => {
      const r = await request(t.url, 'POST', '/v1/auth/logout');
      expect(r.status).toBe(401);
    });
  });

  describe('CSRF on cookie sessions', () => {
    it('refuses a cookie-authenticated write without or with a wrong x-csrf-token', async () => {
      const s = await signup(t.url);
      const missing = await request(t.url, 'POST', '/v1/auth/logout', undefined, { cookie: s.cookie });
      expect(missing.status).toBe(403);
      expect(missing.body.error.code).toBe('csrf_failed');
      const other = await signup(t.url);
      for (const csrf of ['wrong', other.csrf, s.csrf.slice(0, -1)]) {
        const r = await request(t.url, 'POST', '/v1/auth/logout', undefined, { cookie: s.cookie, csrf });
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe('csrf_failed');
      }
      // Still logged in: nothing was done.
      expect((await request(t.url, 'GET', '/v1/auth/session', undefined, { cookie: s.cookie })).status).toBe(
        200,
      );
    });

    it('accepts a cookie-authenticated write with the right token', async () => {
      const s = await signup(t.url);
      const r = await request(t.url, 'POST', '/v1/auth/logout', undefined, {
        cookie: s.cookie,
        csrf: s.csrf,
      });
      expect(r.status).toBe(204);
      expect((await request(t.url, 'GET', '/v1/auth/session', undefined, { cookie: s.cookie })).status).toBe(
        401,
      );
    });

    it('needs no token for reads with the cookie, nor for bearer writes', async () => {
      const s = await signup(t.url);
      expect((await request(t.url, 'GET', '/v1/auth/session', undefined, { cookie: s.cookie })).status).toBe(
        200,
      );
      expect((await client(t.url, s.token).post('/v1/auth/logout')).status).toBe(204);
    });

    it('takes the csrf token from GET /v1/auth/session for a login cookie too', async () => {
      const s = await signup(t.url);
      const login = await request(t.url, 'POST', '/v1/auth/login', { email: s.email, password: s.password });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
      const me = await request(t.url, 'GET', '/v1/auth/session', undefined, { cookie });
      expect(me.body.csrf_token).toBe(login.body.session.csrf_token);
      expect(
        (await request(t.url, 'POST', '/v1/auth/logout', undefined, { cookie, csrf: me.body.csrf_token }))
          .status,
      ).toBe(204);
    });
  });

  describe('roles', () => {
    it('refuses a member on an owner/admin write route with 403 forbidden (when such a route exists)', async () => {
      const owner = await signup(t.url);
      const joiner = await signup(t.url);
      await t.db.query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'member')`, [
        owner.workspaceId,
        joiner.userId,
      ]);
      const login = await request(t.url, 'POST', '/v1/auth/login', {
        email: joiner.email,
        password: joiner.password,
        workspace_id: owner.workspaceId,
      });
      expect(login.body.role).toBe('member');
      const member = client(t.url, login.body.session.token);
      // Members may read.
      expect((await member.get('/v1/auth/session')).status).toBe(200);
      const probe = await client(t.url, owner.token).get('/v1/settings/integrations/stripe');
      if (probe.status === 404) return; // the Stripe settings route has not landed in this tree yet
      const r = await member.patch('/v1/settings/integrations/stripe', { enabled: false });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
      // An owner passes the same guard (the body is valid; enabling is not attempted).
      expect(
        (await client(t.url, owner.token).patch('/v1/settings/integrations/stripe', { enabled: false }))
          .status,
      ).toBe(200);
    });
  });
});
